/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * JSON Lines rendering of one event (see export_json.h for the mapping),
 * each field's value as the shared field walk decodes it (field_visit.h,
 * shared with the text formatter): short payloads read as zero-filled, long
 * ones are not looked at past the struct.
 */
#include <stdbool.h>
#include <string.h>

#include "export_json.h"
#include "format.h"
#include "field_visit.h"
#include "strbuf.h"
#include "utc.h"

/* 1 for the bytes a JSON string holds as they are: printable ASCII but
 * '"' and '\\' (a table: one load per byte where the test was five). */
static const uint8_t json_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* A JSON string from untrusted bytes, stopping at NUL or n bytes. Bytes
 * that need no escape (most of every name) are stored with one bounds
 * check each and the NUL once after the run: this runs a dozen times per
 * event. Clipped like sb_ch: once full, the rest is dropped. */
static void json_str(struct strbuf *b, const uint8_t *s, size_t n)
{
	size_t i = 0;

	sb_ch(b, '"');
	while (i < n && s[i] != '\0') {
		char *p = b->p;
		uint8_t c;

		for (; i < n; i++) {
			c = s[i];
			if (!json_plain[c])
				break;
			if (p == b->end) {
				*p = '\0';
				b->p = p;
				return;
			}
			*p++ = (char)c;
		}
		*p = '\0';
		b->p = p;
		if (i == n || s[i] == '\0')
			break;
		c = s[i++];
		if (c == '"' || c == '\\') {
			sb_ch(b, '\\');
			sb_ch(b, (char)c);
		} else {
			/* Controls must be escaped; bytes >= 0x80 are not known to
			 * be UTF-8, so they are kept as their Latin-1 code point. */
			sb_mem(b, "\\u00", 4);
			sb_hex_w(b, c, 2);
		}
	}
	sb_ch(b, '"');
}

/* A NUL-terminated string: json_str stops at the NUL. */
static void json_cstr(struct strbuf *b, const char *s)
{
	json_str(b, (const uint8_t *)s, SIZE_MAX);
}

static void json_hexstr(struct strbuf *b, uint64_t v)
{
	sb_ch(b, '"');
	sb_hex0x(b, v);
	sb_ch(b, '"');
}

/* Each kind of value as JSON (see export_json.h for the mapping). */
static inline void j_uint(void *b, uint64_t v) { sb_udec(b, v); }
static inline void j_int(void *b, int64_t v) { sb_sdec(b, v); }
static inline void j_hex(void *b, uint64_t v) { json_hexstr(b, v); }
static inline void j_str(void *b, const char *s) { json_cstr(b, s); }
static inline void j_open(void *b) { sb_ch(b, '['); }
static inline void j_comma(void *b) { sb_ch(b, ','); }
static inline void j_close(void *b) { sb_ch(b, ']'); }

static inline void j_text(void *b, const uint8_t *s, size_t n)
{
	json_str(b, s ? s : (const uint8_t *)"", n);
}

/* Flags: an array of names, leftover bits as one "0x.." string; 0 is []. */
static inline void j_flags_begin(void *b, uint64_t v)
{
	(void)v;
	sb_ch(b, '[');
}

static inline void j_flag(void *b, const char *name, uint64_t left)
{
	if (name != NULL)
		json_cstr(b, name);
	else
		json_hexstr(b, left);
}

static inline void j_flags_end(void *b, uint64_t v)
{
	(void)v;
	sb_ch(b, ']');
}

/* Every field as "name":value, comma-separated. */
static inline void j_field(void *b, const struct elog_field_desc *f, uint16_t index)
{
	if (index != 0)
		sb_ch(b, ',');
	json_cstr(b, f->name);
	sb_ch(b, ':');
}

static const struct elog_field_visitor json_visitor = {
	.uint_v = j_uint, .int_v = j_int, .hex_v = j_hex, .name_v = j_str,
	.text_v = j_text, .addr_v = j_str,
	.flags_begin = j_flags_begin, .flag = j_flag, .flag_sep = j_comma, .flags_end = j_flags_end,
	.tail_begin = j_open, .tail_sep = j_comma, .tail_end = j_close,
	.field = j_field,
};

/* ISO 8601 UTC with microseconds: "2026-11-22T01:02:03.456789Z". */
static void json_time(struct strbuf *b, int64_t utc_us)
{
	sb_ch(b, '"');
	elog_put_utc(b, utc_us, 'T');
	sb_mem(b, "Z\"", 2);
}

static void json_payload_hex(struct strbuf *b, const struct payload *pl)
{
	sb_mem(b, ",\"payload_hex\":\"", 16);
	for (size_t i = 0; i < pl->len; i++)
		sb_hex_w(b, pl->p[i], 2);
	sb_ch(b, '"');
}

size_t elog_json_format(char *buf, size_t cap, const struct elog_event_hdr *hdr,
			const char *provider_name, const struct elog_provider_desc *desc,
			int64_t utc_us, const void *payload, size_t payload_len)
{
	struct strbuf b;
	struct payload pl = { payload, payload ? payload_len : 0 };
	const struct elog_event_desc *ev = desc ? elog_schema_event(desc, hdr->event_id) : NULL;

	if (cap < 2)
		return 0;
	sb_init(&b, buf, cap);
	sb_mem(&b, "{\"provider\":", 12);
	if (provider_name != NULL)
		json_cstr(&b, provider_name);
	else
		sb_mem(&b, "null", 4);
	sb_mem(&b, ",\"session\":", 11);
	sb_udec(&b, hdr->session_id);
	sb_mem(&b, ",\"event\":", 9);
	if (ev != NULL)
		json_cstr(&b, ev->name);
	else
		sb_mem(&b, "null", 4);
	sb_mem(&b, ",\"event_id\":", 12);
	sb_udec(&b, hdr->event_id);
	sb_mem(&b, ",\"time\":", 8);
	json_time(&b, utc_us);
	sb_mem(&b, ",\"boot_us\":", 11);
	sb_udec(&b, hdr->timestamp);
	sb_mem(&b, ",\"cpu\":", 7);
	sb_udec(&b, hdr->cpu);
	sb_mem(&b, ",\"thread\":", 10);
	sb_sdec(&b, hdr->thread_id);
	if (ev == NULL) {
		json_payload_hex(&b, &pl);
	} else {
		sb_mem(&b, ",\"fields\":{", 11);
		elog_visit_fields(&json_visitor, &b, &pl, ev);
		sb_ch(&b, '}');
	}
	sb_mem(&b, "}\n", 2);
	/* Full means something was clipped: never emit half an object. */
	if (b.p >= b.end)
		return 0;
	return (size_t)(b.p - buf);
}
