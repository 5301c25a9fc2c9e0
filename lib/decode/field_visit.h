/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one walk over an event's fields, driven by the generated schema
 * tables: every consumer that shows fields (the text formatter format.c,
 * the JSON exporter export_json.c, any later one) says only what each kind
 * of value looks like in its output, through a table of callbacks; which
 * fields there are, in what order, how many elements a tail has, which
 * bits of a flag field have names, is decided here once.
 *
 * Two orders: elog_visit_format() follows the event's print format (the
 * literal text between fields, each field where the format names it),
 * elog_visit_fields() every field in declaration order.
 *
 * Static inline, like payload.h: with a constant callback table the
 * compiler inlines the callbacks into the walk, so the decode hot path
 * pays no indirect call per value. Declare the callbacks static inline
 * too: without it GCC left the JSON field() callback a call per field.
 */
#ifndef ELOG_FIELD_VISIT_H
#define ELOG_FIELD_VISIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload.h"

struct elog_field_visitor {
	/* One value by kind: a scalar field or one element of a tail. */
	void (*uint_v)(void *ctx, uint64_t v);
	void (*int_v)(void *ctx, int64_t v);
	void (*hex_v)(void *ctx, uint64_t v);
	void (*name_v)(void *ctx, const char *name);
	/* s is NULL when the text is empty (n is then 0). */
	void (*text_v)(void *ctx, const uint8_t *s, size_t n);
	void (*addr_v)(void *ctx, const char *addr);
	/* A flag field: flags_begin(all bits), then one flag() per named bit
	 * in bit order and one with name NULL for the bits left unnamed
	 * (left: those bits), flag_sep() between two, then flags_end(). */
	void (*flags_begin)(void *ctx, uint64_t v);
	void (*flag)(void *ctx, const char *name, uint64_t left);
	void (*flag_sep)(void *ctx);
	void (*flags_end)(void *ctx, uint64_t v);
	/* A tail of values (not text): begin, a separator before each
	 * element after the first, end. */
	void (*tail_begin)(void *ctx);
	void (*tail_sep)(void *ctx);
	void (*tail_end)(void *ctx);
	/* elog_visit_fields(): before each field. */
	void (*field)(void *ctx, const struct elog_field_desc *f, uint16_t index);
	/* elog_visit_format(): the format's text before a field (or at the end). */
	void (*literal)(void *ctx, const char *text, size_t len);
};

static inline void elog_visit_flags(const struct elog_field_visitor *vis, void *ctx,
				    const struct elog_valueset_desc *vs, uint64_t v)
{
	uint64_t left = v;
	uint32_t i = 0;
	const char *name;
	bool first = true;

	vis->flags_begin(ctx, v);
	while ((name = elog_flags_next(vs, &left, &i)) != NULL) {
		if (!first)
			vis->flag_sep(ctx);
		vis->flag(ctx, name, 0);
		first = false;
	}
	if (left != 0) {
		if (!first)
			vis->flag_sep(ctx);
		vis->flag(ctx, NULL, left);
	}
	vis->flags_end(ctx, v);
}

/* One value of field f at payload offset off (a scalar or a tail element). */
static inline void elog_visit_value(const struct elog_field_visitor *vis, void *ctx,
				    const struct payload *pl, const struct elog_field_desc *f,
				    size_t off)
{
	struct elog_value v;

	elog_field_value(pl, f, off, &v);
	switch (v.kind) {
	case ELOG_VAL_UINT: vis->uint_v(ctx, v.u); return;
	case ELOG_VAL_INT: vis->int_v(ctx, v.i); return;
	case ELOG_VAL_HEX: vis->hex_v(ctx, v.u); return;
	case ELOG_VAL_NAME: vis->name_v(ctx, v.name); return;
	case ELOG_VAL_FLAGS: elog_visit_flags(vis, ctx, f->values, v.u); return;
	case ELOG_VAL_TEXT: vis->text_v(ctx, v.text, v.text ? v.text_len : 0); return;
	case ELOG_VAL_ADDR: vis->addr_v(ctx, v.addr); return;
	}
}

/* One field whole: its value, or the elements of its tail that are there. */
static inline void elog_visit_field(const struct elog_field_visitor *vis, void *ctx,
				    const struct payload *pl, const struct elog_event_desc *ev,
				    const struct elog_field_desc *f)
{
	size_t esize;
	uint64_t count;

	if (f->count_field < 0) {
		elog_visit_value(vis, ctx, pl, f, f->offset);
		return;
	}
	esize = type_size(f->type, f->size);
	count = elog_tail_count(pl, ev, f);
	if (elog_tail_is_text(f)) {
		vis->text_v(ctx, count ? pl->p + f->offset : NULL, (size_t)count);
		return;
	}
	vis->tail_begin(ctx);
	for (uint64_t i = 0; i < count; i++) {
		if (i != 0)
			vis->tail_sep(ctx);
		elog_visit_value(vis, ctx, pl, f, f->offset + (size_t)i * esize);
	}
	vis->tail_end(ctx);
}

/* Every field in declaration order, field() before each. */
static inline void elog_visit_fields(const struct elog_field_visitor *vis, void *ctx,
				     const struct payload *pl, const struct elog_event_desc *ev)
{
	for (uint16_t i = 0; i < ev->field_count; i++) {
		vis->field(ctx, &ev->fields[i], i);
		elog_visit_field(vis, ctx, pl, ev, &ev->fields[i]);
	}
}

/* The print format: its literal pieces, each field where it is named (a
 * piece naming no field, or one out of range, is text only). */
static inline void elog_visit_format(const struct elog_field_visitor *vis, void *ctx,
				     const struct payload *pl, const struct elog_event_desc *ev)
{
	for (uint16_t i = 0; i < ev->piece_count; i++) {
		const struct elog_fmt_piece *pc = &ev->pieces[i];

		vis->literal(ctx, pc->text, pc->text_len);
		if (pc->field < 0 || (uint16_t)pc->field >= ev->field_count)
			continue;
		elog_visit_field(vis, ctx, pl, ev, &ev->fields[pc->field]);
	}
}

#endif /* ELOG_FIELD_VISIT_H */
