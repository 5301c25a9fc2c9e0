// SPDX-License-Identifier: BSD-2-Clause
/*
 * schemas/tcp.src against the upstream interface (tcp_reference.h), checked
 * through the tables the compiler generated from it: every keyword, event
 * (id, level, keywords, struct, text), field (order, type, annotation) and
 * enum/flag value, and nothing more.
 */
#include <stdlib.h>
#include <string.h>

#include "eventlog/schema.h"
#include "t.h"
#include "tcp_reference.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

extern const struct elog_provider_desc elog_provider_tcp;

static const char *const level_names[] = { "NONE", "ERROR", "WARN", "INFO", "VERBOSE", "TRACE" };

static uint32_t ref_mask(const char *list)
{
	uint32_t m = 0;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save, *k = strtok_r(buf, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		if (!strcmp(k, "SESSION"))
			m |= ELOG_KEYWORD_SESSION;
		for (size_t i = 0; i < N(ref_keywords); i++)
			if (!strcmp(ref_keywords[i].name, k))
				m |= ref_keywords[i].mask;
	}
	return m;
}

static const struct elog_event_desc *by_id(uint32_t id)
{
	for (uint32_t i = 0; i < elog_provider_tcp.event_count; i++)
		if (elog_provider_tcp.events[i].id == id)
			return &elog_provider_tcp.events[i];
	return NULL;
}

static int type_matches(const char *ref, const struct elog_field_desc *f)
{
	static const struct {
		const char *name;
		enum elog_type type;
	} map[] = {
		{ "uint8_t", ELOG_T_U8 }, { "uint16_t", ELOG_T_U16 }, { "uint32_t", ELOG_T_U32 },
		{ "uint64_t", ELOG_T_U64 }, { "int8_t", ELOG_T_I8 }, { "int16_t", ELOG_T_I16 },
		{ "int32_t", ELOG_T_I32 }, { "int64_t", ELOG_T_I64 }, { "void*", ELOG_T_PTR },
		{ "in_addr_t", ELOG_T_IN_ADDR }, { "in6_addr_t", ELOG_T_IN6_ADDR },
	};
	unsigned n;
	if (sscanf(ref, "char[%u]", &n) == 1)
		return f->type == ELOG_T_CHARS && f->size == n;
	for (size_t i = 0; i < N(map); i++)
		if (!strcmp(map[i].name, ref))
			return f->type == map[i].type;
	return 0;
}

static int annot_matches(const char *ref, const struct elog_field_desc *f)
{
	if (!*ref)
		return f->annot == ELOG_A_NONE;
	if (!strcmp(ref, "hex"))
		return f->annot == ELOG_A_HEX;
	if (!strcmp(ref, "ntohs"))
		return f->annot == ELOG_A_NTOHS;
	if (!strncmp(ref, "enum_", 5))
		return f->annot == ELOG_A_ENUM && f->values && !strcmp(f->values->name, ref + 5);
	if (!strncmp(ref, "flag_", 5))
		return f->annot == ELOG_A_FLAG && f->values && !strcmp(f->values->name, ref + 5);
	return 0;
}

static const struct elog_valueset_desc *set(int is_flag, const char *name)
{
	const struct elog_valueset_desc *v = is_flag ? elog_provider_tcp.flags : elog_provider_tcp.enums;
	uint32_t n = is_flag ? elog_provider_tcp.flag_count : elog_provider_tcp.enum_count;
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/*
 * Texts that say something else on purpose, because upstream's would not
 * be true on Linux. GOODPUT: upstream prints gp_bw as "(EWMA %1 bps)", the
 * RACK/BBR stack's average; Linux keeps no goodput average, so gp_bw is the
 * delivery-rate sample itself, raw_bw's twin, and the text shows it once.
 */
static const struct { uint32_t id; const char *format; } linux_formats[] = {
	{ 207u, "Goodput sample %2 bps over %3 us, gp_srtt %4 us, lowest_rtt %5 us" },
};

static const char *expected_format(size_t i)
{
	for (size_t k = 0; k < N(linux_formats); k++)
		if (linux_formats[k].id == ref_events[i].id)
			return linux_formats[k].format;
	return ref_events[i].format;
}

void t_tcp_interface(void)
{
	const struct elog_provider_desc *p = &elog_provider_tcp;
	CHECK_MSG(p->keyword_count == N(ref_keywords) + 1, "tcp has %u keywords", p->keyword_count);
	for (size_t i = 0; i < N(ref_keywords) && i < p->keyword_count; i++)
		CHECK_MSG(!strcmp(p->keywords[i].name, ref_keywords[i].name) && p->keywords[i].mask == ref_keywords[i].mask,
		      "keyword %s", ref_keywords[i].name);
	/* upstream's events plus SESSION_END, DUMP_COMPLETE and the Linux
	 * extensions BLACKBOX_DUMP and APP_LOG */
	CHECK_MSG(p->event_count == N(ref_events) + 4, "tcp has %u events", p->event_count);
	for (size_t i = 0; i < N(ref_events); i++) {
		const struct elog_event_desc *e = by_id(ref_events[i].id);
		CHECK_MSG(e && !strcmp(e->name, ref_events[i].name) && e->level <= ELOG_LEVEL_TRACE &&
		      !strcmp(level_names[e->level], ref_events[i].level) &&
		      e->keywords == ref_mask(ref_events[i].keywords) && e->struct_name &&
		      !strcmp(e->struct_name, ref_events[i].st) && !strcmp(e->format, expected_format(i)),
		      "event %s (%u) differs from FreeBSD's", ref_events[i].name, ref_events[i].id);
	}
	size_t nfields = 0;
	for (size_t i = 0; i < N(ref_events); i++) {
		const struct elog_event_desc *e = by_id(ref_events[i].id);
		if (!e)
			continue;
		uint16_t k = 0;
		for (size_t r = 0; r < N(ref_fields); r++) {
			if (strcmp(ref_fields[r].st, ref_events[i].st))
				continue;
			nfields++;
			const struct elog_field_desc *f = k < e->field_count ? &e->fields[k] : NULL;
			CHECK_MSG(f && !strcmp(f->name, ref_fields[r].name) && type_matches(ref_fields[r].type, f) &&
			      annot_matches(ref_fields[r].annot, f) && f->count_field == -1,
			      "struct %s field %u (%s:%s:%s) differs", ref_fields[r].st, k + 1u,
			      ref_fields[r].name, ref_fields[r].type, ref_fields[r].annot);
			k++;
		}
		CHECK_MSG(k == e->field_count, "struct %s has %u fields, FreeBSD's %u", ref_events[i].st,
		      e->field_count, k);
	}
	CHECK_MSG(nfields == N(ref_fields), "every FreeBSD struct is used by an event");
	size_t nvals[2] = { 0, 0 };
	for (size_t i = 0; i < N(ref_values); i++) {
		const struct elog_valueset_desc *vs = set(ref_values[i].is_flag, ref_values[i].set);
		int found = 0;
		for (uint32_t k = 0; vs && k < vs->count; k++)
			found |= vs->values[k].value == ref_values[i].value && !strcmp(vs->values[k].name, ref_values[i].name);
		CHECK_MSG(found, "%s %s value %llu:%s missing", ref_values[i].is_flag ? "FLAG" : "ENUM", ref_values[i].set,
		      (unsigned long long)ref_values[i].value, ref_values[i].name);
		nvals[ref_values[i].is_flag]++;
	}
	size_t have[2] = { 0, 0 };
	/* Linux extensions: the black box's enums (not FreeBSD's). */
	for (uint32_t i = 0; i < p->enum_count; i++)
		if (strncmp(p->enums[i].name, "blackbox_", 9) != 0)
			have[0] += p->enums[i].count;
	for (uint32_t i = 0; i < p->flag_count; i++)
		have[1] += p->flags[i].count;
	CHECK_MSG(have[0] == nvals[0] && have[1] == nvals[1], "tcp has %zu enum and %zu flag values, FreeBSD's %zu and %zu",
	      have[0], have[1], nvals[0], nvals[1]);
}
