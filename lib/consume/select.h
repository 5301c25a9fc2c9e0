/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Selectors of `elog -r`: which connections, and which of their events.
 *
 * Connection selectors pick sessions: by session id (--session), by log id
 * (--log-id), by port (--port, either end) or by endpoints (--conn: one
 * address[:port], either end, or a pair, the 4-tuple in either direction).
 * A session is selected when it matches every kind given, any one value of
 * each; all its events are then selected, including those that carry no
 * address. Log ids, ports and addresses are what the session's provider
 * says in its connection facts (conn_facts.h), learnt in a first pass over
 * the capture (elog_select_learn), since they may come late in a session.
 *
 * Event selectors (--event NAME,..., --keyword NAME|...) then keep the
 * events named or carrying one of the keywords, in the selected sessions.
 *
 * A live capture (elog_select_live_add) learns a session's facts as they
 * come: its records are held until they decide it (select_live.c).
 */
#ifndef ELOG_SELECT_H
#define ELOG_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elog_error.h"
#include "series.h"

enum elog_select_kind {
	ELOG_SEL_SESSION,
	ELOG_SEL_LOG_ID,
	ELOG_SEL_PORT,
	ELOG_SEL_CONN,
	ELOG_SEL_EVENT,
	ELOG_SEL_KEYWORD,
	ELOG_SEL_KINDS,
};

struct elog_select;

int elog_select_open(struct elog_select **out, struct elog_error *err);
void elog_select_close(struct elog_select *s);

/* One selector as given on the command line (arg must outlive s); a value
 * that cannot match anything (not a number, an unknown event name) is an
 * error here. */
int elog_select_add(struct elog_select *s, enum elog_select_kind kind, const char *arg,
		    struct elog_error *err);

/* Any selector of that kind, or any at all. */
bool elog_select_has(const struct elog_select *s, enum elog_select_kind kind);
bool elog_select_any(const struct elog_select *s);
/* Whether sessions are picked by what their events say (a first pass). */
bool elog_select_needs_learning(const struct elog_select *s);
/* Whether only some events of a selected session are kept. */
bool elog_select_by_event(const struct elog_select *s);

/* First pass: every record of the capture. */
int elog_select_learn(struct elog_select *s, const struct elog_series_record *r,
		      struct elog_error *err);
/* After the first pass: decides the sessions; returns how many were
 * selected (or -1 with err). Without learning, call it anyway (returns 0). */
long elog_select_finish(struct elog_select *s, struct elog_error *err);

/* Whether r's session is selected (connection selectors only). */
bool elog_select_session(const struct elog_select *s, const struct elog_series_record *r);
/* Whether r is selected: its session and, with event selectors, itself. */
bool elog_select_event(const struct elog_select *s, const struct elog_series_record *r);

/* Live: one record as delivered (tag: the caller's, given back to out).
 * Records of selected sessions go to out in order, those of a session
 * not decided yet are held until it is; returns out's failure or -1 with
 * err (out of memory). */
typedef int (*elog_select_emit_fn)(void *arg, unsigned tag, const void *rec, size_t len);
int elog_select_live_add(struct elog_select *s, unsigned tag, const char *provider,
			 const struct elog_provider_desc *desc, const void *rec, size_t len,
			 elog_select_emit_fn out, void *arg, struct elog_error *err);

struct elog_select_live_stats {
	uint64_t selected;           /* sessions selected */
	uint64_t emitted;            /* records given to out */
	uint64_t discarded;          /* held records let go: more than the hold limit */
	uint64_t discarded_sessions; /* times a session's held records were let go */
	uint64_t undecided;          /* sessions still undecided (held records) */
};
void elog_select_live_stats(const struct elog_select *s, struct elog_select_live_stats *st);

/* The selectors as given, for "nothing matches" messages. */
void elog_select_describe(const struct elog_select *s, char *buf, size_t cap);

#endif /* ELOG_SELECT_H */
