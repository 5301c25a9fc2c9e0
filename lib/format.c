/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Size-aware payload rendering: the event's print format with each field's
 * value as the field reader decodes it (payload.h, shared with every other
 * consumer), which never reads outside [payload, payload + len): a short
 * payload decodes its missing tail as zero, a long one is not looked at
 * past the struct.
 */
#include <stdbool.h>
#include <string.h>

#include "format.h"
#include "payload.h"
#include "strbuf.h"

/* Names joined by '|' in bit order; leftover bits as one 0x.. value; 0 -> "0". */
static void render_flags(struct strbuf *b, const struct elog_valueset_desc *vs, uint64_t v)
{
	uint64_t left = v;
	uint32_t i = 0;
	const char *name;
	bool first = true;

	if (v == 0) {
		sb_ch(b, '0');
		return;
	}
	while ((name = elog_flags_next(vs, &left, &i)) != NULL) {
		if (!first)
			sb_ch(b, '|');
		sb_str(b, name);
		first = false;
	}
	if (left != 0) {
		if (!first)
			sb_ch(b, '|');
		sb_hex0x(b, left);
	}
}

/* One value of field f at payload offset off (a scalar or a tail element). */
static void render_value(struct strbuf *b, const struct payload *pl, const struct elog_field_desc *f,
			 size_t off)
{
	struct elog_value v;

	elog_field_value(pl, f, off, &v);
	switch (v.kind) {
	case ELOG_VAL_UINT: sb_udec(b, v.u); return;
	case ELOG_VAL_INT: sb_sdec(b, v.i); return;
	case ELOG_VAL_HEX: sb_hex0x(b, v.u); return;
	case ELOG_VAL_NAME: sb_str(b, v.name); return;
	case ELOG_VAL_FLAGS: render_flags(b, f->values, v.u); return;
	case ELOG_VAL_TEXT: sb_escaped(b, v.text, v.text_len); return;
	case ELOG_VAL_ADDR: sb_str(b, v.addr); return;
	}
}

/* A variable-length tail: the elements there are, space-separated. */
static void render_tail(struct strbuf *b, const struct payload *pl, const struct elog_event_desc *ev,
			const struct elog_field_desc *f)
{
	size_t esize = type_size(f->type, f->size);
	uint64_t count = elog_tail_count(pl, ev, f);

	if (elog_tail_is_text(f)) {
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
