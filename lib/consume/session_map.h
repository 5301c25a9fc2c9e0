/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-session values of the consumers that look at a whole capture
 * (selectors, summaries): a hash from (owner, session id) to a value of the
 * caller's size, zeroed when created, kept in the order sessions were first
 * seen. The owner tells apart equal ids of different providers (any stable
 * pointer: a provider's facts or its description).
 */
#ifndef ELOG_SESSION_MAP_H
#define ELOG_SESSION_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "elog_error.h"

struct elog_session_map;

int elog_session_map_open(struct elog_session_map **out, size_t value_size,
			  struct elog_error *err);

/* The value of (owner, id), created zeroed when absent and create is set;
 * NULL when absent (create unset) or out of memory (err filled). */
void *elog_session_map_get(struct elog_session_map *m, const void *owner, uint64_t id, int create,
			   struct elog_error *err);

/* Sessions in first-seen order. */
size_t elog_session_map_count(const struct elog_session_map *m);
void *elog_session_map_at(const struct elog_session_map *m, size_t i, const void **owner,
			  uint64_t *id);

void elog_session_map_close(struct elog_session_map *m);

#endif /* ELOG_SESSION_MAP_H */
