// SPDX-License-Identifier: BSD-2-Clause
/* Open addressing over indices into an array of entries in first-seen order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "session_map.h"

struct entry {
	const void *owner;
	uint64_t id;
	void *value;
};

struct elog_session_map {
	size_t value_size;
	struct entry *v;
	size_t n, cap;
	size_t *slot; /* index + 1, 0 = empty */
	size_t nslot;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static size_t hash(const void *owner, uint64_t id)
{
	return (size_t)mix(id ^ (uint64_t)(uintptr_t)owner);
}

int elog_session_map_open(struct elog_session_map **out, size_t value_size,
			  struct elog_error *err)
{
	struct elog_session_map *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (m == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	m->value_size = value_size ? value_size : 1;
	*out = m;
	return 0;
}

static int grow(struct elog_session_map *m, struct elog_error *err)
{
	size_t ns = m->nslot ? m->nslot * 2 : 64;
	size_t *slot = calloc(ns, sizeof(*slot));

	if (slot == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	for (size_t k = 0; k < m->n; k++) {
		size_t i = hash(m->v[k].owner, m->v[k].id) & (ns - 1);

		while (slot[i] != 0)
			i = (i + 1) & (ns - 1);
		slot[i] = k + 1;
	}
	free(m->slot);
	m->slot = slot;
	m->nslot = ns;
	return 0;
}

void *elog_session_map_get(struct elog_session_map *m, const void *owner, uint64_t id, int create,
			   struct elog_error *err)
{
	size_t i;

	if (m->nslot == 0 || (m->n + 1) * 2 > m->nslot) {
		if (!create && m->nslot == 0)
			return NULL;
		if (create && grow(m, err) < 0)
			return NULL;
	}
	for (i = hash(owner, id) & (m->nslot - 1); m->slot[i] != 0; i = (i + 1) & (m->nslot - 1)) {
		struct entry *e = &m->v[m->slot[i] - 1];

		if (e->id == id && e->owner == owner)
			return e->value;
	}
	if (!create)
		return NULL;
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 32;
		struct entry *nv = realloc(m->v, nc * sizeof(*nv));

		if (nv == NULL) {
			elog_errorf(err, ENOMEM, "out of memory");
			return NULL;
		}
		m->v = nv;
		m->cap = nc;
	}
	m->v[m->n].value = calloc(1, m->value_size);
	if (m->v[m->n].value == NULL) {
		elog_errorf(err, ENOMEM, "out of memory");
		return NULL;
	}
	m->v[m->n].owner = owner;
	m->v[m->n].id = id;
	m->slot[i] = ++m->n;
	return m->v[m->n - 1].value;
}

size_t elog_session_map_count(const struct elog_session_map *m)
{
	return m->n;
}

void *elog_session_map_at(const struct elog_session_map *m, size_t i, const void **owner,
			  uint64_t *id)
{
	if (owner != NULL)
		*owner = m->v[i].owner;
	if (id != NULL)
		*id = m->v[i].id;
	return m->v[i].value;
}

void elog_session_map_close(struct elog_session_map *m)
{
	if (m == NULL)
		return;
	for (size_t k = 0; k < m->n; k++)
		free(m->v[k].value);
	free(m->v);
	free(m->slot);
	free(m);
}
