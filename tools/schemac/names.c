// SPDX-License-Identifier: BSD-2-Clause
/*
 * Generated-name collisions.
 *
 * The producer header flattens several namespaces into one: an ENUM value
 * CONN_X_ID and an EVENT CONN_X would both define P_EVENTLOG_CONN_X_ID, and
 * two FLAG sets sharing a bit name both define P_EVENTLOG_FLAG_<NAME> (the
 * upstream naming, kept for source compatibility). Rather than let the C
 * compiler report a redefinition in a generated file, every name is listed
 * here with the schema line that causes it.
 */
#include <stdlib.h>
#include <string.h>

#include "schemac.h"

struct gname {
	const char *name;
	const char *what; /* "event 'X'" ... for the message */
	struct sc_loc loc;
};

struct names {
	struct sc_arena *a;
	struct gname *slots;
	size_t cap;
	struct sc_error *err;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int add(struct names *ns, const char *what, const char *what_name, struct sc_loc loc,
	       const char *fmt1, const char *a1, const char *a2, const char *a3)
{
	size_t len = strlen(fmt1) + strlen(a1) + strlen(a2) + strlen(a3) + 1;
	char *name = sc_alloc(ns->a, len);
	char *desc = sc_alloc(ns->a, strlen(what) + strlen(what_name) + 4);
	if (!name || !desc)
		return sc_errorf(ns->err, loc.line, loc.col, "out of memory");
	/* fmt1 is one of the fixed patterns below, each with three %s */
	snprintf(name, len, fmt1, a1, a2, a3);
	sprintf(desc, "%s '%s'", what, what_name);
	size_t i = hash(name) & (ns->cap - 1);
	while (ns->slots[i].name) {
		if (!strcmp(ns->slots[i].name, name)) {
			const struct gname *o = &ns->slots[i];
			if (o->loc.line)
				return sc_errorf(ns->err, loc.line, loc.col,
						 "generated name '%.100s' of %.80s collides with %.80s at line %d",
						 name, desc, o->what, o->loc.line);
			return sc_errorf(ns->err, loc.line, loc.col,
					 "generated name '%.100s' of %.80s collides with the implicit %.80s",
					 name, desc, o->what);
		}
		i = (i + 1) & (ns->cap - 1);
	}
	ns->slots[i] = (struct gname){ name, desc, loc };
	return 0;
}

int sc_check_generated_names(const struct sc_schema *s, struct sc_error *err)
{
	size_t count = 1 + s->nev * 7 + s->nkw + s->nstructs;
	for (size_t i = 0; i < s->nenums; i++)
		count += s->enums[i]->n;
	for (size_t i = 0; i < s->nflags; i++)
		count += s->flags[i]->n;
	for (size_t i = 0; i < s->nstructs; i++)
		count += s->structs[i]->n; /* at most one _MAX each, counted generously */
	struct names ns = { s->arena, NULL, 16, err };
	while (ns.cap < count * 2)
		ns.cap *= 2;
	ns.slots = sc_alloc(s->arena, ns.cap * sizeof(*ns.slots));
	if (!ns.slots)
		return sc_errorf(err, 0, 0, "out of memory");
	const char *P = s->PROVIDER, *p = s->provider;
	if (add(&ns, "provider", p, s->provider_loc, "%s_EVENTLOG_PROVIDER_NAME%s%s", P, "", ""))
		return -1;
	/* Implicit events first, so a clash is blamed on the schema line. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < s->nev; i++) {
			const struct sc_event *ev = &s->ev[i];
			static const char *const sfx[] = { "_ID", "_LEVEL", "_KEYWORDS", "_ENABLED",
							   "_LOG", "_LOG_ALWAYS", "_FORMAT" };
			if (ev->implicit != (pass == 0))
				continue;
			char *EV = sc_upper(s->arena, ev->name);
			if (!EV)
				return sc_errorf(err, 0, 0, "out of memory");
			for (size_t k = 0; k < 7; k++)
				if (add(&ns, "event", ev->name, ev->loc, "%s_EVENTLOG_%s%s", P, EV, sfx[k]))
					return -1;
		}
	}
	/* SESSION is last and implicit; add it first for the same reason. */
	for (size_t n = 0; n < s->nkw; n++) {
		size_t i = (n + s->nkw - 1) % s->nkw;
		const struct sc_keyword *k = &s->kw[i];
		char *K = sc_upper(s->arena, k->name);
		if (!K || add(&ns, "keyword", k->name, k->loc, "%s_EVENTLOG_KEYWORD_%s%s", P, K, ""))
			return K ? -1 : sc_errorf(err, 0, 0, "out of memory");
	}
	for (size_t i = 0; i < s->nenums; i++) {
		const struct sc_valueset *vs = s->enums[i];
		char *E = sc_upper(s->arena, vs->name);
		for (size_t k = 0; E && k < vs->n; k++) {
			char *N = sc_upper(s->arena, vs->v[k].name);
			if (!N)
				E = NULL;
			else if (add(&ns, "enum value", vs->v[k].name, vs->v[k].loc, "%s_EVENTLOG_%s_%s", P, E, N))
				return -1;
		}
		if (!E)
			return sc_errorf(err, 0, 0, "out of memory");
	}
	for (size_t i = 0; i < s->nflags; i++) {
		const struct sc_valueset *vs = s->flags[i];
		for (size_t k = 0; k < vs->n; k++) {
			char *N = sc_upper(s->arena, vs->v[k].name);
			if (!N)
				return sc_errorf(err, 0, 0, "out of memory");
			if (add(&ns, "flag", vs->v[k].name, vs->v[k].loc, "%s_EVENTLOG_FLAG_%s%s", P, N, ""))
				return -1;
		}
	}
	for (size_t i = 0; i < s->nstructs; i++) {
		const struct sc_struct *st = s->structs[i];
		char *lo = sc_lower(s->arena, st->name), *UP = sc_upper(s->arena, st->name);
		if (!lo || !UP)
			return sc_errorf(err, 0, 0, "out of memory");
		if (add(&ns, "struct", st->name, st->loc, "struct %s_eventlog_%s%s", p, lo, ""))
			return -1;
		for (size_t k = 0; k < st->n; k++) {
			const struct sc_field *f = &st->f[k];
			if (!f->is_tail)
				continue;
			char *F = sc_upper(s->arena, f->name);
			if (!F)
				return sc_errorf(err, 0, 0, "out of memory");
			if (add(&ns, "field", f->name, f->loc, "%s_EVENTLOG_%s_%s_MAX", P, UP, F))
				return -1;
		}
	}
	return 0;
}
