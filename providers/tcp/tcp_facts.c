// SPDX-License-Identifier: BSD-2-Clause
/*
 * The tcp provider's connection facts (lib/export/conn_facts.h): a session's
 * addresses and ports (CONN_SET_IP_V4/V6), the options it negotiated
 * (CONN_PARAMS), its log id (LOG_ID), and IN/OUT events as packets.
 */
#include <arpa/inet.h>
#include <string.h>

#include "conn_facts.h"
#include "tcp_eventlog.h"
#include "tcp_packet.h"
#include "tcp_summary.h"

struct tcp_facts {
	struct elog_tcp_endpoints ep;
	char log_id[65];
};

_Static_assert(sizeof(struct tcp_facts) <= ELOG_CONN_STATE_MAX, "fits a session's facts");
_Static_assert(ELOG_PKT_MAX <= ELOG_CONN_PKT_MAX, "fits the export's packet buffer");

/* Size-aware: a short payload reads as zero-filled. */
static void copy_payload(void *dst, size_t size, const void *payload, size_t len)
{
	memset(dst, 0, size);
	if (payload != NULL)
		memcpy(dst, payload, len < size ? len : size);
}

static void tcp_learn(struct elog_conn_state *st, uint32_t id, const void *payload, size_t len)
{
	struct tcp_facts *f = (struct tcp_facts *)st->b;

	/* The first report wins: a later dump of the same socket says the same. */
	if (id == TCP_EVENTLOG_CONN_SET_IP_V4_ID && !f->ep.have_addr) {
		struct tcp_eventlog_conn_set_ip_v4 e;

		copy_payload(&e, sizeof(e), payload, len);
		f->ep.have_addr = true;
		f->ep.v6 = false;
		memcpy(f->ep.local, &e.src_addr, 4);
		memcpy(f->ep.remote, &e.dst_addr, 4);
		f->ep.lport = ntohs(e.src_port);
		f->ep.rport = ntohs(e.dst_port);
	} else if (id == TCP_EVENTLOG_CONN_SET_IP_V6_ID && !f->ep.have_addr) {
		struct tcp_eventlog_conn_set_ip_v6 e;

		copy_payload(&e, sizeof(e), payload, len);
		f->ep.have_addr = true;
		f->ep.v6 = true;
		memcpy(f->ep.local, e.src_addr, 16);
		memcpy(f->ep.remote, e.dst_addr, 16);
		f->ep.lport = ntohs(e.src_port);
		f->ep.rport = ntohs(e.dst_port);
	} else if (id == TCP_EVENTLOG_CONN_PARAMS_ID && !f->ep.have_params) {
		struct tcp_eventlog_conn_params e;

		copy_payload(&e, sizeof(e), payload, len);
		f->ep.have_params = true;
		f->ep.snd_wscale = e.snd_wscale > 14 ? 14 : e.snd_wscale;
		f->ep.rcv_wscale = e.rcv_wscale > 14 ? 14 : e.rcv_wscale;
		f->ep.wscale_ok = (e.flags & TCP_EVENTLOG_FLAG_CP_WINDOW_SCALE) != 0;
		f->ep.sack_ok = (e.flags & TCP_EVENTLOG_FLAG_CP_SACK_PERMIT) != 0;
	} else if (id == TCP_EVENTLOG_LOG_ID_ID && f->log_id[0] == '\0') {
		struct tcp_eventlog_log_id e;

		copy_payload(&e, sizeof(e), payload, len);
		_Static_assert(sizeof(e.log_id) < sizeof(f->log_id), "log id fits");
		memcpy(f->log_id, e.log_id, sizeof(e.log_id));
		f->log_id[sizeof(e.log_id)] = '\0';
	}
}

static void tcp_identify(const struct elog_conn_state *st, struct elog_conn_id *id)
{
	const struct tcp_facts *f = (const struct tcp_facts *)st->b;

	memset(id, 0, sizeof(*id));
	_Static_assert(sizeof(id->log_id) == sizeof(f->log_id), "log id fits");
	memcpy(id->log_id, f->log_id, sizeof(id->log_id));
	if (f->ep.have_addr)
		id->have_addr = inet_ntop(f->ep.v6 ? AF_INET6 : AF_INET, f->ep.remote, id->remote,
					  sizeof(id->remote)) != NULL &&
				inet_ntop(f->ep.v6 ? AF_INET6 : AF_INET, f->ep.local, id->local,
					  sizeof(id->local)) != NULL;
	id->lport = f->ep.lport;
	id->rport = f->ep.rport;
	if (f->ep.have_addr && f->ep.v6) {
		memcpy(id->local16, f->ep.local, 16);
		memcpy(id->remote16, f->ep.remote, 16);
	} else if (f->ep.have_addr) {
		id->local16[10] = id->local16[11] = 0xff;
		id->remote16[10] = id->remote16[11] = 0xff;
		memcpy(id->local16 + 12, f->ep.local, 4);
		memcpy(id->remote16 + 12, f->ep.remote, 4);
	}
}

/* Before its addresses are known, a session's packets use TEST-NET
 * addresses and ports taken from the session id, so sessions stay apart. */
static void placeholder_endpoints(struct elog_tcp_endpoints *ep, uint64_t session)
{
	static const uint8_t local[4] = { 192, 0, 2, 1 }, remote[4] = { 198, 51, 100, 1 };

	ep->v6 = false;
	memcpy(ep->local, local, 4);
	memcpy(ep->remote, remote, 4);
	ep->lport = (uint16_t)(1024 + session % 64000);
	ep->rport = (uint16_t)(1024 + (session / 64000) % 64000);
}

static size_t tcp_packet(const struct elog_conn_state *st, uint64_t session, uint32_t id,
			 const void *payload, size_t len, uint8_t *buf, uint32_t *orig_len,
			 bool *outbound)
{
	const struct tcp_facts *f = (const struct tcp_facts *)st->b;
	struct elog_tcp_endpoints ep = f->ep;
	struct elog_tcp_segment seg;

	memset(&seg, 0, sizeof(seg));
	/* IN and OUT carry the same header fields. */
#define SEGMENT_FROM(type, out)                          \
	do {                                             \
		struct type e;                           \
		copy_payload(&e, sizeof(e), payload, len); \
		seg.outbound = (out);                    \
		seg.seq = e.seq;                         \
		seg.ack = e.ack;                         \
		seg.flags = e.flags;                     \
		seg.win_raw = e.win_raw;                 \
		seg.th_sum = e.th_sum;                   \
		seg.th_urp = e.th_urp;                   \
		seg.th_off = e.th_off;                   \
		seg.len = e.len;                         \
	} while (0)
	if (id == TCP_EVENTLOG_IN_ID)
		SEGMENT_FROM(tcp_eventlog_in, false);
	else if (id == TCP_EVENTLOG_OUT_ID)
		SEGMENT_FROM(tcp_eventlog_out, true);
	else
		return 0;
#undef SEGMENT_FROM
	if (!ep.have_addr)
		placeholder_endpoints(&ep, session);
	*outbound = seg.outbound;
	return elog_pkt_build(buf, &ep, &seg, orig_len);
}

const struct elog_conn_facts_ops tcp_conn_facts = {
	.provider = TCP_EVENTLOG_PROVIDER_NAME,
	.learn = tcp_learn,
	.identify = tcp_identify,
	.packet = tcp_packet,
	.analysis = &elog_tcp_analysis,
};
