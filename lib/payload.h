/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Size-aware payload field access (SPEC §3), shared by the text formatter
 * (format.c) and the JSON exporter (export_json.c). Every field read goes
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

/* The name of value v in a sorted value set (binary search); NULL if v is
 * not listed or vs is NULL. */
static inline const char *valueset_name(const struct elog_valueset_desc *vs, uint64_t v)
{
	uint32_t lo = 0, hi;

	if (vs == NULL)
		return NULL;
	hi = vs->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (vs->values[mid].value == v)
			return vs->values[mid].name;
		if (vs->values[mid].value < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

#endif /* ELOG_PAYLOAD_H */
