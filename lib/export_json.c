/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * JSON Lines rendering of one event (see export_json.h for the mapping).
 * Every field read copies the part of the field inside the payload into a
 * zeroed scratch value with the text formatter's own readers (payload.h):
 * short payloads read as zero-filled, long ones are not looked at past the
 * struct.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
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
	bool first = true;

	sb_ch(b, '[');
	for (uint32_t i = 0; vs != NULL && i < vs->count; i++) {
		uint64_t m = vs->values[i].value;

		if (m != 0 && (left & m) == m) {
			if (!first)
				sb_ch(b, ',');
			json_cstr(b, vs->values[i].name);
			left &= ~m;
			first = false;
		}
	}
	if (left != 0) {
		if (!first)
			sb_ch(b, ',');
		json_hexstr(b, left);
	}
	sb_ch(b, ']');
}

static void json_int(struct strbuf *b, const struct elog_field_desc *f, uint64_t raw)
{
	uint64_t v = raw;
	size_t n = type_size(f->type, f->size);

	switch (f->annot) {
	case ELOG_A_NTOHS:
		if (n == 2)
			v = ntohs((uint16_t)raw);
		else if (n == 4)
			v = ntohl((uint32_t)raw);
		break;
	case ELOG_A_HEX:
		json_hexstr(b, raw);
		return;
	case ELOG_A_ENUM: {
		const char *name = valueset_name(f->values, raw);

		/* As the text formatter: a negative value of a narrow signed
		 * field also matches its name sign-extended to 64 bits. */
		if (name == NULL && type_signed(f->type))
			name = valueset_name(f->values, (uint64_t)sign_extend(raw, f->type));

		if (name != NULL) {
			json_cstr(b, name);
			return;
		}
		break;
	}
	case ELOG_A_FLAG:
		json_flags(b, f->values, raw);
		return;
	default:
		break;
	}
	if (type_signed(f->type))
		sb_sdec(b, sign_extend(v, f->type));
	else
		sb_udec(b, v);
}

static void json_value(struct strbuf *b, const struct payload *pl, const struct elog_field_desc *f,
		       size_t off)
{
	switch (f->type) {
	case ELOG_T_PTR:
		json_hexstr(b, read_uint(pl, off, ELOG_T_PTR));
		return;
	case ELOG_T_CHARS: {
		size_t n = off < pl->len ? pl->len - off : 0;

		json_str(b, n ? pl->p + off : (const uint8_t *)"", n < f->size ? n : f->size);
		return;
	}
	case ELOG_T_IN_ADDR: case ELOG_T_IN6_ADDR: {
		uint8_t a[16];
		char s[INET6_ADDRSTRLEN];
		int af = f->type == ELOG_T_IN_ADDR ? AF_INET : AF_INET6;

		field_bytes(pl, off, af == AF_INET ? 4 : 16, a);
		json_cstr(b, inet_ntop(af, a, s, sizeof(s)));
		return;
	}
	default:
		json_int(b, f, read_uint(pl, off, f->type));
		return;
	}
}

/* A variable-length tail: min(count, max, what the payload holds) values. */
static void json_tail(struct strbuf *b, const struct payload *pl, const struct elog_event_desc *ev,
		      const struct elog_field_desc *f)
{
	size_t esize = type_size(f->type, f->size);
	uint64_t count = 0, have;

	if (f->count_field >= 0 && (uint16_t)f->count_field < ev->field_count) {
		const struct elog_field_desc *cf = &ev->fields[f->count_field];

		count = read_uint(pl, cf->offset, cf->type);
	}
	if (count > f->max_count)
		count = f->max_count;
	have = (esize == 0 || f->offset >= pl->len) ? 0 : (pl->len - f->offset) / esize;
	if (count > have)
		count = have;
	if (f->type == ELOG_T_CHARS && f->size == 1) {
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
