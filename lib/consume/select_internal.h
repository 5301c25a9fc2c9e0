/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The selection's state, shared by its parser (select.c, all that option
 * parsing needs) and its matching against a capture (select_learn.c, which
 * learns connections through the providers' connection facts).
 */
#ifndef ELOG_SELECT_INTERNAL_H
#define ELOG_SELECT_INTERNAL_H

#include <arpa/inet.h>

#include "conn_facts.h"
#include "select.h"
#include "session_map.h"

#define NAME_MAX_LEN 64

/* One end of a --conn: an address in canonical text ("" = any), a port (0 = any). */
struct endpoint {
	char addr[INET6_ADDRSTRLEN];
	uint16_t port;
};

struct conn_sel {
	struct endpoint a, b;
	bool pair;
};

struct learnt {
	struct elog_conn_state st;
	const struct elog_conn_facts_ops *facts;
	bool selected;
};

struct sel_arg {
	enum elog_select_kind kind;
	const char *arg;
};

struct elog_select {
	struct sel_arg *args;
	size_t nargs;
	size_t count[ELOG_SEL_KINDS];
	uint64_t *sessions;
	uint16_t *ports;
	struct conn_sel *conns;
	const char **log_ids;
	char (*events)[NAME_MAX_LEN];
	size_t nevents;
	uint32_t *kw_masks; /* per provider built in (elog_registry[]) */
	struct elog_session_map *map;
	bool finished;
	/* Live selection's state (select_live.c), freed through live_free so
	 * that the parser alone links without it. */
	struct elog_select_live *live;
	void (*live_free)(struct elog_select_live *live);
};

/* Whether a connection's facts match the log id, port and endpoint
 * selectors (select_learn.c). */
bool elog_select_kind_matches(const struct elog_select *s, enum elog_select_kind kind,
			      const struct elog_conn_id *id);
bool elog_select_learnt_matches(const struct elog_select *s, const struct elog_conn_id *id);
/* Whether the event selectors keep an event of a selected session. */
bool elog_select_event_kept(const struct elog_select *s, const struct elog_provider_desc *desc,
			    uint32_t event_id);
bool elog_select_session_listed(const struct elog_select *s, uint64_t id);


#endif /* ELOG_SELECT_INTERNAL_H */
