// SPDX-License-Identifier: BSD-2-Clause
/* Selectors of `elog -r` (select.h): matching a capture's sessions and events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/schema.h>

#include "format.h"
#include "registry.h"
#include "select_internal.h"

int elog_select_learn(struct elog_select *s, const struct elog_series_record *r,
		      struct elog_error *err)
{
	const struct elog_conn_facts_ops *facts;
	struct learnt *l;

	if (!elog_select_needs_learning(s) || r->rec.hdr.session_id == ELOG_SESSION_ID_NONE)
		return 0;
	facts = elog_conn_facts_find(r->provider_name);
	if (facts == NULL)
		return 0;
	if (s->map == NULL && elog_session_map_open(&s->map, sizeof(struct learnt), err) < 0)
		return -1;
	l = elog_session_map_get(s->map, facts, r->rec.hdr.session_id, 1, err);
	if (l == NULL)
		return -1;
	l->facts = facts;
	facts->learn(&l->st, r->rec.hdr.event_id, r->rec.payload, r->rec.payload_len);
	return 0;
}

static bool end_matches(const struct endpoint *e, const char *addr, uint16_t port)
{
	return (e->addr[0] == '\0' || strcmp(e->addr, addr) == 0) && (e->port == 0 || e->port == port);
}

bool elog_select_kind_matches(const struct elog_select *s, enum elog_select_kind kind,
			      const struct elog_conn_id *id)
{
	switch (kind) {
	case ELOG_SEL_LOG_ID:
		for (size_t i = 0; i < s->count[ELOG_SEL_LOG_ID]; i++)
			if (id->log_id[0] != '\0' && strcmp(id->log_id, s->log_ids[i]) == 0)
				return true;
		return false;
	case ELOG_SEL_PORT:
		for (size_t i = 0; i < s->count[ELOG_SEL_PORT]; i++)
			if (id->have_addr && (id->lport == s->ports[i] || id->rport == s->ports[i]))
				return true;
		return false;
	case ELOG_SEL_CONN:
		for (size_t i = 0; i < s->count[ELOG_SEL_CONN] && id->have_addr; i++) {
			const struct conn_sel *c = &s->conns[i];
			bool l_a = end_matches(&c->a, id->local, id->lport);
			bool r_a = end_matches(&c->a, id->remote, id->rport);

			if (!c->pair ? l_a || r_a
				     : (l_a && end_matches(&c->b, id->remote, id->rport)) ||
					       (r_a && end_matches(&c->b, id->local, id->lport)))
				return true;
		}
		return false;
	default:
		return true;
	}
}

bool elog_select_learnt_matches(const struct elog_select *s, const struct elog_conn_id *id)
{
	static const enum elog_select_kind kinds[] = { ELOG_SEL_LOG_ID, ELOG_SEL_PORT,
						       ELOG_SEL_CONN };

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (s->count[kinds[k]] && !elog_select_kind_matches(s, kinds[k], id))
			return false;
	return true;
}

bool elog_select_session_listed(const struct elog_select *s, uint64_t id)
{
	for (size_t i = 0; i < s->count[ELOG_SEL_SESSION]; i++)
		if (s->sessions[i] == id)
			return true;
	return false;
}

long elog_select_finish(struct elog_select *s, struct elog_error *err)
{
	long n = 0;

	(void)err;
	s->finished = true;
	if (!elog_select_needs_learning(s) || s->map == NULL)
		return 0;
	for (size_t i = 0; i < elog_session_map_count(s->map); i++) {
		uint64_t sid;
		struct learnt *l = elog_session_map_at(s->map, i, NULL, &sid);
		struct elog_conn_id id;

		l->facts->identify(&l->st, &id);
		l->selected = elog_select_learnt_matches(s, &id) &&
			      (!s->count[ELOG_SEL_SESSION] || elog_select_session_listed(s, sid));
		n += l->selected;
	}
	return n;
}

bool elog_select_session(const struct elog_select *s, const struct elog_series_record *r)
{
	uint64_t sid = r->rec.hdr.session_id;

	if (s == NULL)
		return true;
	if (s->count[ELOG_SEL_SESSION] && !elog_select_session_listed(s, sid))
		return false;
	if (elog_select_needs_learning(s)) {
		const struct elog_conn_facts_ops *facts = elog_conn_facts_find(r->provider_name);
		const struct learnt *l;

		if (facts == NULL || s->map == NULL || sid == ELOG_SESSION_ID_NONE)
			return false;
		l = elog_session_map_get(s->map, facts, sid, 0, NULL);
		return l != NULL && l->selected;
	}
	return true;
}

bool elog_select_event_kept(const struct elog_select *s, const struct elog_provider_desc *desc,
			    uint32_t event_id)
{
	const struct elog_event_desc *ev;

	if (!elog_select_by_event(s))
		return true;
	if (desc == NULL)
		return false;
	ev = elog_schema_event(desc, event_id);
	if (ev == NULL)
		return false;
	for (size_t i = 0; i < s->nevents; i++)
		if (strcasecmp(ev->name, s->events[i]) == 0)
			return true;
	for (size_t i = 0; i < elog_registry_count; i++)
		if (elog_registry[i]->schema == desc)
			return (ev->keywords & s->kw_masks[i]) != 0;
	return false;
}

bool elog_select_event(const struct elog_select *s, const struct elog_series_record *r)
{
	return elog_select_session(s, r) && elog_select_event_kept(s, r->desc, r->rec.hdr.event_id);
}
