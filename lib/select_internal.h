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
	uint32_t *kw_masks; /* per compiled provider (elog_providers[]) */
	struct elog_session_map *map;
	bool finished;
};


#endif /* ELOG_SELECT_INTERNAL_H */
