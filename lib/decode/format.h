/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The size-aware payload formatter: walks the generated consumer
 * tables (include/eventlog/schema.h) and renders an event's print format.
 *
 * A payload shorter than the struct decodes its missing tail as zero, a
 * longer one ignores the extra bytes, a variable-length tail is clipped to
 * the payload; an unknown id renders `[UNKNOWN_EVENT_ID:<id>]`. Fields are
 * read with memcpy: records sit at arbitrary offsets in a capture.
 */
#ifndef ELOG_FORMAT_H
#define ELOG_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include <eventlog/schema.h>

/* The schema tables of a provider built in (its registration in
 * libeventlog-providers.a) by name (exact match), NULL if none. */
const struct elog_provider_desc *elog_schema_provider(const char *name);

/* The i-th provider built in, in registry order; NULL past the last. */
const struct elog_provider_desc *elog_schema_provider_at(size_t i);

/* Event by id (binary search over the sorted table), NULL if none. */
const struct elog_event_desc *elog_schema_event(const struct elog_provider_desc *p, uint32_t id);

/* Level by name (case-insensitive) or decimal 0-5; -1 if neither. */
int elog_schema_level(const char *s);

/*
 * Keywords `NAME|NAME` resolved exactly (case-insensitive, whole names only)
 * against p's keyword table, or `0x...` hex. Returns 0 and *mask, or -1 and
 * *bad pointing at the offending name within s (for the message).
 */
int elog_schema_keywords(const struct elog_provider_desc *p, const char *s, uint32_t *mask,
			 const char **bad);

/*
 * Render the event's text into buf (always NUL-terminated when cap > 0,
 * clipped to cap - 1 bytes). Returns the length written (without the NUL).
 * p == NULL renders `[UNKNOWN_PROVIDER:<provider_name>]`.
 */
size_t elog_format_payload(char *buf, size_t cap, const struct elog_provider_desc *p,
			   const char *provider_name, uint32_t event_id,
			   const void *payload, size_t payload_len);

/* Same with the event already looked up (NULL = unknown id). */
size_t elog_format_event(char *buf, size_t cap, const struct elog_event_desc *ev, uint32_t event_id,
			 const void *payload, size_t payload_len);

#endif /* ELOG_FORMAT_H */
