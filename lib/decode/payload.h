/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Size-aware payload field access, the one field reader every consumer
 * uses (the text formatter format.c, the JSON exporter export_json.c, and
 * any later one): elog_field_value() decodes one value of a field as the
 * schema describes it (byte order, enum names, flags, addresses, text), and
 * elog_tail_count() says how many elements of a variable-length tail are
 * there; a consumer only renders the decoded value its own way. Every field
 * read goes
 * through field_bytes(), which copies the part of the field that lies inside
 * the payload into a zeroed scratch buffer: a short payload decodes its
 * missing tail as zero, a long one is simply not looked at past the struct,
 * and no read ever leaves [payload, payload + len).
 *
 * Everything here is static inline on purpose: format.c is on the decode hot
 * path (>= 1M events/s), and field_bytes() is only one load when it is
 * inlined with a constant size.
 */
#ifndef ELOG_PAYLOAD_H
#define ELOG_PAYLOAD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <eventlog/schema.h>

struct payload {
	const uint8_t *p;
	size_t len;
};

/* Copy field bytes [off, off + size) into out (zero-filled where absent).
 * Inlined with a constant size, the common whole-field case is one load. */
static inline void field_bytes(const struct payload *pl, size_t off, size_t size, void *out)
{
	if (off < pl->len && pl->len - off >= size) {
		memcpy(out, pl->p + off, size);
		return;
	}
	memset(out, 0, size);
	if (off < pl->len) {
		size_t n = pl->len - off;

		memcpy(out, pl->p + off, n < size ? n : size);
	}
}

static inline size_t type_size(uint8_t type, uint16_t declared)
{
	switch (type) {
	case ELOG_T_U8: case ELOG_T_I8: return 1;
	case ELOG_T_U16: case ELOG_T_I16: return 2;
	case ELOG_T_U32: case ELOG_T_I32: case ELOG_T_IN_ADDR: return 4;
	case ELOG_T_U64: case ELOG_T_I64: case ELOG_T_PTR: return 8;
	case ELOG_T_IN6_ADDR: return 16;
	default: return declared;
	}
}

static inline bool type_signed(uint8_t type)
{
	return type == ELOG_T_I8 || type == ELOG_T_I16 || type == ELOG_T_I32 || type == ELOG_T_I64;
}

/* An integer field as its unsigned bit pattern (zero-extended to 64 bits);
 * any other type reads 8 bytes. */
static inline uint64_t read_uint(const struct payload *pl, size_t off, uint8_t type)
{
	switch (type) {
	case ELOG_T_U8: case ELOG_T_I8: {
		uint8_t v;
		field_bytes(pl, off, 1, &v);
		return v;
	}
	case ELOG_T_U16: case ELOG_T_I16: {
		uint16_t v;
		field_bytes(pl, off, 2, &v);
		return v;
	}
	case ELOG_T_U32: case ELOG_T_I32: case ELOG_T_IN_ADDR: {
		uint32_t v;
		field_bytes(pl, off, 4, &v);
		return v;
	}
	default: {
		uint64_t v;
		field_bytes(pl, off, 8, &v);
		return v;
	}
	}
}

static inline int64_t sign_extend(uint64_t v, uint8_t type)
{
	switch (type) {
	case ELOG_T_I8: return (int8_t)(uint8_t)v;
	case ELOG_T_I16: return (int16_t)(uint16_t)v;
	case ELOG_T_I32: return (int32_t)(uint32_t)v;
	default: return (int64_t)v;
	}
}

/*
 * Binary search of a table sorted by an unsigned key: the index of the
 * entry whose key (key_size bytes at key_off in each stride-byte entry) is
 * k, or -1. Used for event ids and value sets alike.
 */
static inline long elog_sorted_find(const void *base, size_t n, size_t stride, size_t key_off,
				    size_t key_size, uint64_t k)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const uint8_t *e = (const uint8_t *)base + mid * stride + key_off;
		uint64_t key;

		if (key_size == 4) {
			uint32_t k32;

			memcpy(&k32, e, 4);
			key = k32;
		} else {
			memcpy(&key, e, 8);
		}
		if (key == k)
			return (long)mid;
		if (key < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The name of value v in a sorted value set; NULL if v is not listed or vs
 * is NULL. */
static inline const char *valueset_name(const struct elog_valueset_desc *vs, uint64_t v)
{
	long i;

	if (vs == NULL)
		return NULL;
	i = elog_sorted_find(vs->values, vs->count, sizeof(vs->values[0]),
			     offsetof(struct elog_name_value, value), sizeof(vs->values[0].value), v);
	return i < 0 ? NULL : vs->values[i].name;
}

/* One decoded value of a field: what it is and everything needed to show it. */
enum elog_value_kind {
	ELOG_VAL_UINT,  /* u, in host order */
	ELOG_VAL_INT,   /* i */
	ELOG_VAL_HEX,   /* u: a pointer, or an integer annotated hex */
	ELOG_VAL_NAME,  /* name: an enum value's name (u: the value) */
	ELOG_VAL_FLAGS, /* u: the bits; elog_flags_next() names them */
	ELOG_VAL_TEXT,  /* text (NULL when empty), text_len bytes, up to a NUL */
	ELOG_VAL_ADDR,  /* addr: an IPv4 or IPv6 address in text */
};

struct elog_value {
	enum elog_value_kind kind;
	uint64_t u;
	int64_t i;
	const char *name;
	const uint8_t *text;
	size_t text_len;
	char addr[INET6_ADDRSTRLEN];
};

static inline void elog_int_value(const struct elog_field_desc *f, uint64_t raw,
				  struct elog_value *v)
{
	uint64_t x = raw;

	switch (f->annot) {
	case ELOG_A_NTOHS:
		/* Stored in network order: shown in host order. */
		if (type_size(f->type, f->size) == 2)
			x = ntohs((uint16_t)raw);
		else if (type_size(f->type, f->size) == 4)
			x = ntohl((uint32_t)raw);
		break;
	case ELOG_A_HEX:
		v->kind = ELOG_VAL_HEX;
		v->u = raw;
		return;
	case ELOG_A_ENUM:
		/* A negative value of a narrow signed field may be listed
		 * sign-extended to 64 bits. */
		v->name = valueset_name(f->values, raw);
		if (v->name == NULL && type_signed(f->type))
			v->name = valueset_name(f->values, (uint64_t)sign_extend(raw, f->type));
		if (v->name != NULL) {
			v->kind = ELOG_VAL_NAME;
			v->u = raw;
			return;
		}
		break;
	case ELOG_A_FLAG:
		v->kind = ELOG_VAL_FLAGS;
		v->u = raw;
		return;
	default:
		break;
	}
	if (type_signed(f->type)) {
		v->kind = ELOG_VAL_INT;
		v->i = sign_extend(x, f->type);
	} else {
		v->kind = ELOG_VAL_UINT;
		v->u = x;
	}
}

/* An IPv4 address as inet_ntop writes it ("a.b.c.d", NUL-terminated, at
 * most 16 bytes), by hand: glibc's inet_ntop formats it with sprintf, which
 * cost more than the rest of the line of an event with an address. */
static inline void elog_ipv4_text(const uint8_t a[4], char *out)
{
	for (int k = 0; k < 4; k++) {
		unsigned int d = a[k];

		if (d >= 100) {
			*out++ = (char)('0' + d / 100);
			d %= 100;
			*out++ = (char)('0' + d / 10);
		} else if (d >= 10) {
			*out++ = (char)('0' + d / 10);
		}
		*out++ = (char)('0' + d % 10);
		*out++ = k < 3 ? '.' : '\0';
	}
}

/* The value of field f at payload offset off (a scalar or a tail element). */
static inline void elog_field_value(const struct payload *pl, const struct elog_field_desc *f,
				    size_t off, struct elog_value *v)
{
	switch (f->type) {
	case ELOG_T_PTR:
		v->kind = ELOG_VAL_HEX;
		field_bytes(pl, off, 8, &v->u);
		return;
	case ELOG_T_CHARS: {
		/* Clipped to the payload; a missing string is simply empty. */
		size_t n = off < pl->len ? pl->len - off : 0;

		v->kind = ELOG_VAL_TEXT;
		v->text = n ? pl->p + off : NULL;
		v->text_len = n < f->size ? n : f->size;
		return;
	}
	case ELOG_T_IN_ADDR: {
		uint8_t a[4];

		field_bytes(pl, off, 4, a);
		v->kind = ELOG_VAL_ADDR;
		elog_ipv4_text(a, v->addr);
		return;
	}
	case ELOG_T_IN6_ADDR: {
		uint8_t a[16];

		field_bytes(pl, off, 16, a);
		v->kind = ELOG_VAL_ADDR;
		if (inet_ntop(AF_INET6, a, v->addr, sizeof(v->addr)) == NULL)
			v->addr[0] = '\0';
		return;
	}
	default:
		elog_int_value(f, read_uint(pl, off, f->type), v);
		return;
	}
}

/* Elements of tail field f that are there: min(its count field, its
 * maximum, what the payload holds). */
static inline uint64_t elog_tail_count(const struct payload *pl, const struct elog_event_desc *ev,
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
	return count < have ? count : have;
}

/* A tail of single chars (char name[n:max]) is text, not a list. */
static inline bool elog_tail_is_text(const struct elog_field_desc *f)
{
	return f->type == ELOG_T_CHARS && f->size == 1;
}

/*
 * The flags of *left, one name per call in the value set's order, each
 * removed from *left; NULL when no further listed flag is set (*left then
 * holds the bits without a name). *i starts at 0.
 */
static inline const char *elog_flags_next(const struct elog_valueset_desc *vs, uint64_t *left,
					  uint32_t *i)
{
	for (; vs != NULL && *i < vs->count; (*i)++) {
		uint64_t m = vs->values[*i].value;

		if (m != 0 && (*left & m) == m) {
			*left &= ~m;
			return vs->values[(*i)++].name;
		}
	}
	return NULL;
}

#endif /* ELOG_PAYLOAD_H */
