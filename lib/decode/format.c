/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Size-aware payload rendering: the event's print format with each field's
 * value as the shared field walk decodes it (field_visit.h, over the field
 * reader of payload.h), which never reads outside [payload, payload + len):
 * a short payload decodes its missing tail as zero, a long one is not
 * looked at past the struct.
 */
#include <stdbool.h>
#include <string.h>

#include "format.h"
#include "field_visit.h"
#include "strbuf.h"

/* Each kind of value as the text shows it. */
static inline void t_uint(void *b, uint64_t v) { sb_udec(b, v); }
static inline void t_int(void *b, int64_t v) { sb_sdec(b, v); }
static inline void t_hex(void *b, uint64_t v) { sb_hex0x(b, v); }
static inline void t_str(void *b, const char *s) { sb_str(b, s); }
static inline void t_text(void *b, const uint8_t *s, size_t n) { sb_escaped(b, s, n); }
static inline void t_literal(void *b, const char *s, size_t n) { sb_mem(b, s, n); }
static inline void t_space(void *b) { sb_ch(b, ' '); }
static inline void t_none(void *b) { (void)b; }

/* Flags: names joined by '|' in bit order, leftover bits as one 0x.. value;
 * 0 is "0". */
static inline void t_flags_begin(void *b, uint64_t v)
{
	if (v == 0)
		sb_ch(b, '0');
}

static inline void t_flag(void *b, const char *name, uint64_t left)
{
	if (name != NULL)
		sb_str(b, name);
	else
		sb_hex0x(b, left);
}

static inline void t_bar(void *b) { sb_ch(b, '|'); }

static inline void t_flags_end(void *b, uint64_t v)
{
	(void)b;
	(void)v;
}

/* A tail's elements are space-separated, without brackets. */
static const struct elog_field_visitor text_visitor = {
	.uint_v = t_uint, .int_v = t_int, .hex_v = t_hex, .name_v = t_str,
	.text_v = t_text, .addr_v = t_str,
	.flags_begin = t_flags_begin, .flag = t_flag, .flag_sep = t_bar, .flags_end = t_flags_end,
	.tail_begin = t_none, .tail_sep = t_space, .tail_end = t_none,
	.literal = t_literal,
};

size_t elog_format_event(char *buf, size_t cap, const struct elog_event_desc *ev, uint32_t event_id,
			 const void *payload, size_t payload_len)
{
	struct strbuf b;
	struct payload pl = { payload, payload_len };

	if (cap == 0)
		return 0;
	sb_init(&b, buf, cap);
	if (ev == NULL) {
		sb_str(&b, "[UNKNOWN_EVENT_ID:");
		sb_udec(&b, event_id);
		sb_ch(&b, ']');
		return (size_t)(b.p - buf);
	}
	if (payload == NULL)
		pl.len = 0;
	elog_visit_format(&text_visitor, &b, &pl, ev);
	return (size_t)(b.p - buf);
}

size_t elog_format_payload(char *buf, size_t cap, const struct elog_provider_desc *p,
			   const char *provider_name, uint32_t event_id,
			   const void *payload, size_t payload_len)
{
	if (p == NULL) {
		struct strbuf b;

		if (cap == 0)
			return 0;
		sb_init(&b, buf, cap);
		sb_str(&b, "[UNKNOWN_PROVIDER:");
		if (provider_name != NULL)
			sb_escaped(&b, (const uint8_t *)provider_name, strlen(provider_name));
		else
			sb_ch(&b, '?');
		sb_ch(&b, ']');
		return (size_t)(b.p - buf);
	}
	return elog_format_event(buf, cap, elog_schema_event(p, event_id), event_id, payload,
				 payload_len);
}
