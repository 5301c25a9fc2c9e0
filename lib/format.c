/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Size-aware payload rendering (SPEC §3). Every field read goes through
 * field_bytes() (payload.h, shared with the JSON exporter), which copies the
 * part of the field that lies inside the payload into a zeroed scratch
 * buffer: a short payload decodes its missing tail as zero, a long one is
 * simply not looked at past the struct, and no read ever leaves
 * [payload, payload + len). Upstream read sizeof(struct) bytes whatever the
 * payload length was (notes §6 item 19).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "format.h"
#include "payload.h"
#include "strbuf.h"

/* Names joined by '|' in bit order; leftover bits as one 0x.. value; 0 -> "0". */
static void render_flags(struct strbuf *b, const struct elog_valueset_desc *vs, uint64_t v)
{
	uint64_t left = v;
	bool first = true;

	if (v == 0) {
		sb_ch(b, '0');
		return;
	}
	for (uint32_t i = 0; vs != NULL && i < vs->count; i++) {
		uint64_t m = vs->values[i].value;

		if (m != 0 && (left & m) == m) {
			if (!first)
				sb_ch(b, '|');
			sb_str(b, vs->values[i].name);
			left &= ~m;
			first = false;
		}
	}
	if (left != 0) {
		if (!first)
			sb_ch(b, '|');
		sb_hex0x(b, left);
	}
}

static void render_int(struct strbuf *b, const struct elog_field_desc *f, uint64_t raw)
{
	uint64_t v = raw;

	switch (f->annot) {
	case ELOG_A_NTOHS:
		/* Stored in network order: show it in host order. */
		if (type_size(f->type, f->size) == 2)
			v = ntohs((uint16_t)raw);
		else if (type_size(f->type, f->size) == 4)
			v = ntohl((uint32_t)raw);
		break;
	case ELOG_A_HEX:
		sb_hex0x(b, raw);
		return;
	case ELOG_A_ENUM: {
		const char *name = valueset_name(f->values, raw);

		/* A negative value of a narrow signed field may be listed
		 * sign-extended to 64 bits. */
		if (name == NULL && type_signed(f->type))
			name = valueset_name(f->values, (uint64_t)sign_extend(raw, f->type));

		if (name != NULL) {
			sb_str(b, name);
			return;
		}
		break;
	}
	case ELOG_A_FLAG:
		render_flags(b, f->values, raw);
		return;
	default:
		break;
	}
	if (type_signed(f->type))
		sb_sdec(b, sign_extend(v, f->type));
	else
		sb_udec(b, v);
}

/* One value of field f at payload offset off (a scalar or a tail element). */
static void render_value(struct strbuf *b, const struct payload *pl, const struct elog_field_desc *f,
			 size_t off)
{
	switch (f->type) {
	case ELOG_T_PTR: {
		uint64_t v;

		field_bytes(pl, off, 8, &v);
		sb_hex0x(b, v);
		return;
	}
	case ELOG_T_CHARS: {
		/* Clip to the payload; a missing string is simply empty. */
		size_t n = off < pl->len ? pl->len - off : 0;

		sb_escaped(b, n ? pl->p + off : NULL, n < f->size ? n : f->size);
		return;
	}
	case ELOG_T_IN_ADDR: {
		uint8_t a[4];
		char s[INET_ADDRSTRLEN];

		field_bytes(pl, off, 4, a);
		sb_str(b, inet_ntop(AF_INET, a, s, sizeof(s)));
		return;
	}
	case ELOG_T_IN6_ADDR: {
		uint8_t a[16];
		char s[INET6_ADDRSTRLEN];

		field_bytes(pl, off, 16, a);
		sb_str(b, inet_ntop(AF_INET6, a, s, sizeof(s)));
		return;
	}
	default:
		render_int(b, f, read_uint(pl, off, f->type));
		return;
	}
}

/* A variable-length tail: min(count, max, what the payload holds) elements. */
static void render_tail(struct strbuf *b, const struct payload *pl, const struct elog_event_desc *ev,
			const struct elog_field_desc *f)
{
	const struct elog_field_desc *cf;
	size_t esize = type_size(f->type, f->size);
	uint64_t count = 0, have;

	if (f->count_field >= 0 && (uint16_t)f->count_field < ev->field_count) {
		cf = &ev->fields[f->count_field];
		count = read_uint(pl, cf->offset, cf->type);
	}
	if (count > f->max_count)
		count = f->max_count;
	have = (esize == 0 || f->offset >= pl->len) ? 0 : (pl->len - f->offset) / esize;
	if (count > have)
		count = have;
	if (f->type == ELOG_T_CHARS && f->size == 1) {
		/* char name[n:max] is text, not a list of one-char strings. */
		sb_escaped(b, count ? pl->p + f->offset : NULL, (size_t)count);
		return;
	}
	for (uint64_t i = 0; i < count; i++) {
		if (i != 0)
			sb_ch(b, ' ');
		render_value(b, pl, f, f->offset + (size_t)i * esize);
	}
}

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
	for (uint16_t i = 0; i < ev->piece_count; i++) {
		const struct elog_fmt_piece *pc = &ev->pieces[i];

		sb_mem(&b, pc->text, pc->text_len);
		if (pc->field < 0 || (uint16_t)pc->field >= ev->field_count)
			continue;
		const struct elog_field_desc *f = &ev->fields[pc->field];
		if (f->count_field >= 0)
			render_tail(&b, &pl, ev, f);
		else
			render_value(&b, &pl, f, f->offset);
	}
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
