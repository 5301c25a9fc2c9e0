/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Connection facts: what a provider's events say about the connection a
 * session is (its endpoints, its log id, and for an event that is a segment
 * on the wire, the packet). The exports that need them (pcapng, per-session
 * file names) ask a provider's facts through here and name no provider; a
 * provider that has such facts names them in its registration
 * (lib/registry.h).
 */
#ifndef ELOG_CONN_FACTS_H
#define ELOG_CONN_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A session's facts as a provider keeps them, opaque here. */
#define ELOG_CONN_STATE_MAX 128
struct elog_conn_state {
	union {
		uint64_t align;
		uint8_t b[ELOG_CONN_STATE_MAX];
	};
};

/* Who a session is, as text: per-session file names, selectors, summaries. */
struct elog_conn_id {
	bool have_addr;
	char local[46];  /* INET6_ADDRSTRLEN */
	char remote[46];
	uint16_t lport, rport;
	char log_id[65];  /* "" until known */
	/* The addresses as 16 bytes (IPv4 mapped into IPv6, ::ffff:a.b.c.d),
	 * for stores that keep them binary; zero until known. */
	uint8_t local16[16], remote16[16];
};

/* The most header bytes a packet may have: IPv6 (40) and the largest
 * transport header with options (60). The pcapng export's snap length. */
#define ELOG_CONN_PKT_MAX 100

struct elog_conn_facts_ops {
	const char *provider; /* the provider's name in captures */
	/* One event of a session, into its state (zeroed before the first);
	 * the first report of each fact wins. payload may be short. */
	void (*learn)(struct elog_conn_state *st, uint32_t event_id, const void *payload,
		      size_t len);
	void (*identify)(const struct elog_conn_state *st, struct elog_conn_id *id);
	/*
	 * For an event that is a segment on the wire: its packet's headers
	 * (IP first) into buf (ELOG_CONN_PKT_MAX bytes), their length returned,
	 * the length on the wire in *orig_len and the direction in *outbound.
	 * 0 for any other event. A session whose addresses are unknown still
	 * gets packets, told apart by session_id.
	 */
	size_t (*packet)(const struct elog_conn_state *st, uint64_t session_id, uint32_t event_id,
			 const void *payload, size_t len, uint8_t *buf, uint32_t *orig_len,
			 bool *outbound);
	/* What the provider can say about a whole connection (conn_analysis.h);
	 * NULL when it has nothing more than the facts above. */
	const struct elog_conn_analysis_ops *analysis;
};

struct elog_conn_analysis_ops;

/* The facts of provider `name`, or NULL when it registered none. */
const struct elog_conn_facts_ops *elog_conn_facts_find(const char *name);

#endif /* ELOG_CONN_FACTS_H */
