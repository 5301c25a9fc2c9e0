/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * JSON Lines rendering of one event (see export_json.h for the mapping),
 * each field's value as the field reader decodes it (payload.h, shared with
 * the text formatter): short payloads read as zero-filled, long ones are not
 * looked at past the struct.
 */
#include <stdbool.h>
#include <string.h>

#include "export_json.h"
#include "format.h"
#include "payload.h"
#include "strbuf.h"
#include "utc.h"

/* A JSON string from untrusted bytes, stopping at NUL or n bytes. */
static void json_str(struct strbuf *b, const uint8_t *s, size_t n)
{
	sb_ch(b, '"');
	for (size_t i = 0; i < n && s[i] != '\0'; i++) {
		uint8_t c = s[i];

		if (c == '"' || c == '\\') {
			sb_ch(b, '\\');
			sb_ch(b, (char)c);
		} else if (c >= 0x20 && c < 0x7f) {
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

static void json_cstr(struct strbuf *b, const char *s)
{
	json_str(b, (const uint8_t *)s, strlen(s));
}

static void json_hexstr(struct strbuf *b, uint64_t v)
{
	sb_ch(b, '"');
	sb_hex0x(b, v);
	sb_ch(b, '"');
}

static void json_flags(struct strbuf *b, const struct elog_valueset_desc *vs, uint64_t v)
{
	uint64_t left = v;
	uint32_t i = 0;
	const char *name;
	bool first = true;

	sb_ch(b, '[');
	while ((name = elog_flags_next(vs, &left, &i)) != NULL) {
		if (!first)
			sb_ch(b, ',');
		json_cstr(b, name);
		first = false;
	}
	if (left != 0) {
		if (!first)
			sb_ch(b, ',');
		json_hexstr(b, left);
	}
	sb_ch(b, ']');
}

static void json_value(struct strbuf *b, const struct payload *pl, const struct elog_field_desc *f,
		       size_t off)
{
	struct elog_value v;

	elog_field_value(pl, f, off, &v);
	switch (v.kind) {
	case ELOG_VAL_UINT: sb_udec(b, v.u); return;
	case ELOG_VAL_INT: sb_sdec(b, v.i); return;
	case ELOG_VAL_HEX: json_hexstr(b, v.u); return;
	case ELOG_VAL_NAME: json_cstr(b, v.name); return;
	case ELOG_VAL_FLAGS: json_flags(b, f->values, v.u); return;
	case ELOG_VAL_TEXT:
		json_str(b, v.text ? v.text : (const uint8_t *)"", v.text_len);
		return;
	case ELOG_VAL_ADDR: json_cstr(b, v.addr); return;
	}
}

/* A variable-length tail: the elements there are, as a JSON array. */
static void json_tail(struct strbuf *b, const struct payload *pl, const struct elog_event_desc *ev,
		      const struct elog_field_desc *f)
{
	size_t esize = type_size(f->type, f->size);
	uint64_t count = elog_tail_count(pl, ev, f);

	if (elog_tail_is_text(f)) {
		json_str(b, count ? pl->p + f->offset : (const uint8_t *)"", (size_t)count);
		return;
	}
	sb_ch(b, '[');
	for (uint64_t i = 0; i < count; i++) {
		if (i != 0)
			sb_ch(b, ',');
		json_value(b, pl, f, f->offset + (size_t)i * esize);
	}
	sb_ch(b, ']');
}

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
		for (uint16_t i = 0; i < ev->field_count; i++) {
			const struct elog_field_desc *f = &ev->fields[i];

			if (i != 0)
				sb_ch(&b, ',');
			json_cstr(&b, f->name);
			sb_ch(&b, ':');
			if (f->count_field >= 0)
				json_tail(&b, &pl, ev, f);
			else
				json_value(&b, &pl, f, f->offset);
		}
		sb_ch(&b, '}');
	}
	sb_mem(&b, "}\n", 2);
	/* Full means something was clipped: never emit half an object. */
	if (b.p >= b.end)
		return 0;
	return (size_t)(b.p - buf);
}
