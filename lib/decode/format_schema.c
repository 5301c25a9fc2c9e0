/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Lookups over the compiled-in schema tables: providers by name, events by
 * id, and the level/keyword words of `elog -c provider [level] [keywords]`.
 * Keyword names match whole names only (FreeBSD's elog matches substrings,
 * so its TX also matches RTX).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format.h"
#include "payload.h"
#include "registry.h"

const struct elog_provider_desc *elog_schema_provider(const char *name)
{
	const struct elog_provider_reg *r = elog_registry_find(name);

	return r ? r->schema : NULL;
}

const struct elog_provider_desc *elog_schema_provider_at(size_t i)
{
	return i < elog_registry_count ? elog_registry[i]->schema : NULL;
}

const struct elog_event_desc *elog_schema_event(const struct elog_provider_desc *p, uint32_t id)
{
	long i;

	if (p == NULL)
		return NULL;
	i = elog_sorted_find(p->events, p->event_count, sizeof(p->events[0]),
			     offsetof(struct elog_event_desc, id), sizeof(p->events[0].id), id);
	return i < 0 ? NULL : &p->events[i];
}

int elog_schema_level(const char *s)
{
	static const char *const names[] = { "NONE", "ERROR", "WARN", "INFO", "VERBOSE", "TRACE" };

	for (int i = 0; i < 6; i++)
		if (strcasecmp(s, names[i]) == 0)
			return i;
	if (s[0] >= '0' && s[0] <= '5' && s[1] == '\0')
		return s[0] - '0';
	return -1;
}

static int keyword_mask(const struct elog_provider_desc *p, const char *name, size_t len,
			uint32_t *mask)
{
	for (uint32_t i = 0; i < p->keyword_count; i++) {
		const char *k = p->keywords[i].name;

		if (strlen(k) == len && strncasecmp(k, name, len) == 0) {
			*mask = p->keywords[i].mask;
			return 0;
		}
	}
	return -1;
}

int elog_schema_keywords(const struct elog_provider_desc *p, const char *s, uint32_t *mask,
			 const char **bad)
{
	uint32_t m = 0;

	*bad = s;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		char *end;
		unsigned long long v;

		/* Checked, unlike upstream's bare strtoul: hex digits only, 32 bits. */
		if (!isxdigit((unsigned char)s[2]))
			return -1;
		errno = 0;
		v = strtoull(s + 2, &end, 16);
		if (errno != 0 || *end != '\0' || v > UINT32_MAX)
			return -1;
		*mask = (uint32_t)v;
		return 0;
	}
	if (p == NULL)
		return -1;
	for (const char *name = s;;) {
		const char *bar = strchr(name, '|');
		size_t len = bar ? (size_t)(bar - name) : strlen(name);
		uint32_t k;

		if (len == 0 || keyword_mask(p, name, len, &k) < 0) {
			*bad = name;
			return -1;
		}
		m |= k;
		if (bar == NULL)
			break;
		name = bar + 1;
	}
	*mask = m;
	return 0;
}
