// SPDX-License-Identifier: BSD-2-Clause
/*
 * Types, struct layout and format splitting.
 *
 * The layout is the one a C compiler gives the generated struct on LP64 and
 * on BPF (natural alignment, in6_addr_t aligned like struct in6_addr), which
 * is also what FreeBSD's generator produces, so payloads stay byte
 * compatible. The generated header re-checks every offset with
 * _Static_assert, so a disagreement fails the build instead of a capture.
 */
#include <string.h>

#include "schemac.h"

static const struct {
	const char *name;
	enum elog_type type;
	uint32_t size;
	const char *c_name;
} types[] = {
	{ "uint8_t", ELOG_T_U8, 1, "__u8" },
	{ "uint16_t", ELOG_T_U16, 2, "__u16" },
	{ "uint32_t", ELOG_T_U32, 4, "__u32" },
	{ "uint64_t", ELOG_T_U64, 8, "__u64" },
	{ "int8_t", ELOG_T_I8, 1, "__s8" },
	{ "int16_t", ELOG_T_I16, 2, "__s16" },
	{ "int32_t", ELOG_T_I32, 4, "__s32" },
	{ "int64_t", ELOG_T_I64, 8, "__s64" },
	{ "void*", ELOG_T_PTR, 8, "__u64" },
	{ "char", ELOG_T_CHARS, 1, "char" },
	{ "in_addr_t", ELOG_T_IN_ADDR, 4, "__u32" },
	{ "in6_addr_t", ELOG_T_IN6_ADDR, 16, "__u32" },
};

int sc_type_from_name(const char *name, size_t len, enum elog_type *type, uint32_t *size)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strlen(types[i].name) == len && memcmp(types[i].name, name, len) == 0) {
			*type = types[i].type;
			*size = types[i].size;
			return 0;
		}
	}
	return -1;
}

const char *sc_type_schema_name(enum elog_type t)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == t)
			return types[i].name;
	return "?";
}

const char *sc_type_c_name(enum elog_type t)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == t)
			return types[i].c_name;
	return "?";
}

int sc_type_is_integer(enum elog_type t)
{
	return t <= ELOG_T_I64;
}

int sc_type_is_unsigned(enum elog_type t)
{
	return t <= ELOG_T_U64;
}

static uint32_t type_align(enum elog_type t, uint32_t size)
{
	switch (t) {
	case ELOG_T_CHARS: return 1;
	case ELOG_T_IN_ADDR:
	case ELOG_T_IN6_ADDR: return 4; /* __u32 / __u32[4] */
	default: return size;
	}
}

int sc_layout_struct(struct sc_struct *st, struct sc_error *err)
{
	uint64_t off = 0;
	uint32_t align = 1;
	for (size_t i = 0; i < st->n; i++) {
		struct sc_field *f = &st->f[i];
		f->align = type_align(f->type, f->size);
		off = (off + f->align - 1) / f->align * f->align;
		f->offset = (uint32_t)off;
		if (f->align > align)
			align = f->align;
		/* A flexible array member occupies no bytes of sizeof; its
		 * elements follow at its offset. */
		off += f->is_tail ? (uint64_t)f->size * f->max_count : f->size;
		if (off > SC_PAYLOAD_MAX)
			return sc_errorf(err, f->loc.line, f->loc.col,
					 "struct '%.64s' is larger than the %d-byte payload limit",
					 st->name, SC_PAYLOAD_MAX);
	}
	st->align = align;
	uint64_t end = 0;
	if (st->n) {
		const struct sc_field *last = &st->f[st->n - 1];
		end = last->offset + (last->is_tail ? 0 : last->size);
	}
	st->size = (uint32_t)((end + align - 1) / align * align);
	return 0;
}

static struct sc_piece *add_piece(struct sc_arena *a, struct sc_event *ev,
				  const char *text, size_t len, int field)
{
	struct sc_piece *p = sc_push(a, &ev->pieces, &ev->npieces, &ev->piece_cap, sizeof(*p));
	if (p) {
		p->text = text;
		p->len = len;
		p->field = field;
	}
	return p;
}

/*
 * "%N" is field N (1-based), "%%" a literal '%'. Anything else after a '%'
 * is refused rather than guessed at: upstream's printf-style fallback meant
 * a typo silently printed the wrong field. Columns in errors point into the
 * string as written, assuming no escapes precede the conversion.
 */
int sc_split_format(struct sc_arena *a, struct sc_event *ev, struct sc_error *err)
{
	const char *s = ev->format;
	size_t len = ev->format_len;
	size_t nfields = ev->st ? ev->st->n : 0;
	/* Literal text is copied because "%%" drops a byte. */
	char *text = sc_alloc(a, len + 1);
	size_t tlen = 0;
	if (!text)
		return sc_errorf(err, ev->loc.line, ev->loc.col, "out of memory");
	char *tstart = text;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			text[tlen++] = s[i];
			continue;
		}
		int col = ev->format_loc.col + 1 + (int)i; /* +1: the opening quote */
		if (i + 1 < len && s[i + 1] == '%') {
			text[tlen++] = '%';
			i++;
			continue;
		}
		size_t j = i + 1;
		uint64_t n = 0;
		while (j < len && s[j] >= '0' && s[j] <= '9' && n < 100000) {
			n = n * 10 + (uint64_t)(s[j] - '0');
			j++;
		}
		if (j == i + 1) {
			if (i + 1 < len)
				return sc_errorf(err, ev->format_loc.line, col,
						 "bad conversion '%%%c' in format: use %%N for field N or %%%% for '%%'",
						 s[i + 1]);
			return sc_errorf(err, ev->format_loc.line, col,
					 "'%%' at the end of the format: use %%%% for a literal '%%'");
		}
		if (n == 0 || n > nfields) {
			if (nfields == 0)
				return sc_errorf(err, ev->format_loc.line, col,
						 "%%%llu out of range: event '%.64s' has no payload fields",
						 (unsigned long long)n, ev->name);
			return sc_errorf(err, ev->format_loc.line, col,
					 "%%%llu out of range: struct '%.64s' has %zu field%s",
					 (unsigned long long)n, ev->st->name, nfields,
					 nfields == 1 ? "" : "s");
		}
		const struct sc_field *f = &ev->st->f[n - 1];
		if (f->is_tail)
			return sc_errorf(err, ev->format_loc.line, col,
					 "%%%llu refers to variable-length field '%.64s', which a format cannot print",
					 (unsigned long long)n, f->name);
		if (!add_piece(a, ev, tstart, tlen, (int)n - 1))
			return sc_errorf(err, ev->format_loc.line, col, "out of memory");
		text += tlen + 1; /* keep each piece NUL-terminated */
		tstart = text;
		tlen = 0;
		i = j - 1;
	}
	if (!add_piece(a, ev, tstart, tlen, -1))
		return sc_errorf(err, ev->loc.line, ev->loc.col, "out of memory");
	return 0;
}
