// SPDX-License-Identifier: BSD-2-Clause
/*
 * Selectors of a live capture (select.h, elog_select_live_*). Records come
 * once, in delivery order, and a session's facts (its addresses, its log
 * id) may come after its first records: a record of a session not decided
 * yet is held, with the session's other held records, until its facts
 * decide it. Selected: the held records go out, in their order, then every
 * later one as it comes. Not selected: they are let go, and so is every
 * later one. A session is decided by the first fact that settles it (the
 * facts never change once known: the first report wins); one that ends
 * undecided is not selected.
 *
 * Sessions are forgotten at their SESSION_END, so a long capture keeps only
 * the live ones; a session's later records (a black box dump of a closed
 * connection) open it again, and the dump's identity records decide it
 * again the same way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/schema.h>

#include "select_internal.h"

/* Records held in all before the largest holder's are let go (counted). */
#define HOLD_MAX (64u << 20)

struct held {
	struct held *next;
	unsigned tag;
	size_t len;
	unsigned char rec[];
};

struct lsess {
	const struct elog_conn_facts_ops *facts; /* NULL: free slot */
	uint64_t sid;
	struct elog_conn_state st;
	struct held *head, **tail;
	size_t held_bytes;
	int verdict; /* 1 selected, 0 not, -1 not yet */
};

struct elog_select_live {
	struct lsess *v;
	size_t cap, n; /* open addressing, linear probing, a power of two */
	size_t held_bytes;
	struct elog_select_live_stats stats;
};

static size_t slot_of(const struct elog_select_live *l, const void *owner, uint64_t sid)
{
	uint64_t x = sid ^ (uint64_t)(uintptr_t)owner;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)x & (l->cap - 1);
}

static void live_free(struct elog_select_live *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->cap; i++) {
		struct held *h = l->v[i].head, *next;

		for (; h != NULL; h = next) {
			next = h->next;
			free(h);
		}
	}
	free(l->v);
	free(l);
}

static struct lsess *find(struct elog_select_live *l, const struct elog_conn_facts_ops *facts,
			  uint64_t sid)
{
	for (size_t i = slot_of(l, facts, sid);; i = (i + 1) & (l->cap - 1)) {
		struct lsess *e = &l->v[i];

		if (e->facts == NULL || (e->facts == facts && e->sid == sid))
			return e;
	}
}

static int grow(struct elog_select_live *l, struct elog_error *err)
{
	struct elog_select_live nl = { 0 };

	nl.cap = l->cap ? l->cap * 2 : 256;
	nl.v = calloc(nl.cap, sizeof(*nl.v));
	if (nl.v == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < l->cap; i++) {
		struct lsess *e = &l->v[i], *d;

		if (e->facts == NULL)
			continue;
		d = find(&nl, e->facts, e->sid);
		*d = *e;
		if (d->head == NULL)
			d->tail = &d->head;
	}
	free(l->v);
	l->v = nl.v;
	l->cap = nl.cap;
	return 0;
}

static void drop_held(struct elog_select_live *l, struct lsess *e)
{
	struct held *next;

	for (struct held *h = e->head; h != NULL; h = next) {
		next = h->next;
		free(h);
	}
	l->held_bytes -= e->held_bytes;
	e->held_bytes = 0;
	e->head = NULL;
	e->tail = &e->head;
}

/* Backward-shift deletion: the slots after it that probed past it move up. */
static void forget(struct elog_select_live *l, struct lsess *e)
{
	size_t i = (size_t)(e - l->v), j = i;

	drop_held(l, e);
	memset(e, 0, sizeof(*e));
	for (;;) {
		size_t home;

		j = (j + 1) & (l->cap - 1);
		if (l->v[j].facts == NULL)
			break;
		home = slot_of(l, l->v[j].facts, l->v[j].sid);
		/* Stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		l->v[i] = l->v[j];
		if (l->v[i].head == NULL)
			l->v[i].tail = &l->v[i].head;
		memset(&l->v[j], 0, sizeof(l->v[j]));
		i = j;
	}
	l->n--;
}

/* 1 selected, 0 not, -1 not known yet (it is, once the session ended). */
static int decide(const struct elog_select *s, const struct lsess *e, bool ended)
{
	static const enum elog_select_kind kinds[] = { ELOG_SEL_LOG_ID, ELOG_SEL_PORT,
						       ELOG_SEL_CONN };
	struct elog_conn_id id;
	bool pending = false;

	e->facts->identify(&e->st, &id);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		enum elog_select_kind kind = kinds[k];
		bool known = kind == ELOG_SEL_LOG_ID ? id.log_id[0] != '\0' : id.have_addr;

		if (!s->count[kind])
			continue;
		if (!known)
			pending = true;
		else if (!elog_select_kind_matches(s, kind, &id))
			return 0;
	}
	return pending ? (ended ? 0 : -1) : 1;
}

/* A selected session's record: the event selectors, then out. */
static int emit(struct elog_select *s, unsigned tag, const struct elog_provider_desc *desc,
		const void *rec, size_t len, elog_select_emit_fn out, void *arg)
{
	struct elog_event_hdr hdr;

	memcpy(&hdr, rec, sizeof(hdr));
	if (!elog_select_event_kept(s, desc, hdr.event_id))
		return 0;
	s->live->stats.emitted++;
	return out(arg, tag, rec, len);
}

/* While too much is held, the largest holder's records go (counted). */
static void trim(struct elog_select_live *l)
{
	while (l->held_bytes > HOLD_MAX) {
		struct lsess *big = NULL;

		for (size_t i = 0; i < l->cap; i++)
			if (l->v[i].facts != NULL && (big == NULL || l->v[i].held_bytes > big->held_bytes))
				big = &l->v[i];
		if (big == NULL || big->held_bytes == 0)
			return;
		for (struct held *h = big->head; h != NULL; h = h->next)
			l->stats.discarded++;
		l->stats.discarded_sessions++;
		drop_held(l, big);
	}
}

int elog_select_live_add(struct elog_select *s, unsigned tag, const char *provider,
			 const struct elog_provider_desc *desc, const void *rec, size_t len,
			 elog_select_emit_fn out, void *arg, struct elog_error *err)
{
	const struct elog_conn_facts_ops *facts;
	struct elog_event_hdr hdr;
	struct elog_select_live *l = s->live;
	struct lsess *e;
	bool ended;
	int rc = 0;

	if (l == NULL) {
		l = calloc(1, sizeof(*l));
		if (l == NULL)
			return elog_errorf(err, ENOMEM, "out of memory");
		s->live = l;
		s->live_free = live_free;
	}
	if (len < sizeof(hdr))
		return 0;
	memcpy(&hdr, rec, sizeof(hdr));
	if (s->count[ELOG_SEL_SESSION] && !elog_select_session_listed(s, hdr.session_id))
		return 0;
	if (!elog_select_needs_learning(s))
		return emit(s, tag, desc, rec, len, out, arg);
	facts = elog_conn_facts_find(provider);
	if (facts == NULL || hdr.session_id == ELOG_SESSION_ID_NONE)
		return 0;
	if ((l->n + 1) * 4 > l->cap * 3 && grow(l, err) < 0)
		return -1;
	e = find(l, facts, hdr.session_id);
	if (e->facts == NULL) {
		e->facts = facts;
		e->sid = hdr.session_id;
		e->tail = &e->head;
		e->verdict = -1;
		l->n++;
	}
	ended = hdr.event_id == ELOG_SESSION_END_ID;
	if (e->verdict < 0) {
		facts->learn(&e->st, hdr.event_id, (const uint8_t *)rec + sizeof(hdr),
			     len - sizeof(hdr));
		e->verdict = decide(s, e, ended);
		if (e->verdict == 1) {
			struct held *h = e->head;

			l->stats.selected++;
			for (; h != NULL && rc == 0; h = h->next)
				rc = emit(s, h->tag, desc, h->rec, h->len, out, arg);
			drop_held(l, e);
		} else if (e->verdict == 0) {
			drop_held(l, e);
		}
	}
	if (rc == 0 && e->verdict == 1)
		rc = emit(s, tag, desc, rec, len, out, arg);
	if (e->verdict < 0) {
		struct held *h = malloc(sizeof(*h) + len);

		if (h == NULL)
			return elog_errorf(err, ENOMEM, "out of memory");
		h->next = NULL;
		h->tag = tag;
		h->len = len;
		memcpy(h->rec, rec, len);
		*e->tail = h;
		e->tail = &h->next;
		e->held_bytes += sizeof(*h) + len;
		l->held_bytes += sizeof(*h) + len;
		trim(l);
	}
	if (ended)
		forget(l, e);
	return rc;
}

void elog_select_live_stats(const struct elog_select *s, struct elog_select_live_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (s != NULL && s->live != NULL) {
		*st = s->live->stats;
		for (size_t i = 0; i < s->live->cap; i++)
			if (s->live->v[i].facts != NULL && s->live->v[i].verdict < 0)
				st->undecided++;
	}
}
