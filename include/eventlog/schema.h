/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Consumer-side schema tables.
 *
 * elog-schemac generates one `const struct elog_provider_desc` per schema
 * (build/gen/<p>_eventlog_tables.c); the formatter, the JSON and pcapng
 * exporters and the option parser only ever walk these tables, so a payload
 * layout is written down exactly once: in the .src file.
 */
#ifndef ELOG_SCHEMA_H
#define ELOG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

enum elog_level {
	ELOG_LEVEL_NONE = 0,
	ELOG_LEVEL_ERROR = 1,
	ELOG_LEVEL_WARN = 2,
	ELOG_LEVEL_INFO = 3,
	ELOG_LEVEL_VERBOSE = 4,
	ELOG_LEVEL_TRACE = 5,
};

/* Framework-wide ids and keyword shared by every provider. */
#define ELOG_KEYWORD_SESSION 0x80000000u
#define ELOG_SESSION_END_ID 0xFFFFFFFFu
#define ELOG_SESSION_CREATE_ID 0xFFFFFFFEu
#define ELOG_DUMP_COMPLETE_ID 0xFFFFFFFDu
#define ELOG_BLACKBOX_DUMP_ID 0xFFFFFFFCu /* opens a black box dump (eventlog_abi.h) */
#define ELOG_SESSION_ID_NONE UINT64_MAX

/* Wire type of a payload field. Sizes are fixed (LP64 layout of the schema). */
enum elog_type {
	ELOG_T_U8,
	ELOG_T_U16,
	ELOG_T_U32,
	ELOG_T_U64,
	ELOG_T_I8,
	ELOG_T_I16,
	ELOG_T_I32,
	ELOG_T_I64,
	ELOG_T_PTR,      /* void*: 8 bytes, printed as 0x%llx */
	ELOG_T_CHARS,    /* char[N]: NUL-padded string, never trusted to be terminated */
	ELOG_T_IN_ADDR,  /* in_addr_t: 4 bytes, network order */
	ELOG_T_IN6_ADDR, /* in6_addr_t: 16 bytes */
};

enum elog_annot {
	ELOG_A_NONE,
	ELOG_A_HEX,   /* 0x%x */
	ELOG_A_NTOHS, /* value stored in network order, shown in host order */
	ELOG_A_ENUM,  /* name from `values`, else the number */
	ELOG_A_FLAG,  /* names joined by '|' in bit order, unknown bits as 0x.., 0 -> "0" */
};

struct elog_name_value {
	uint64_t value;
	const char *name;
};

/* An ENUM or a FLAG set: values sorted ascending. */
struct elog_valueset_desc {
	const char *name;
	const struct elog_name_value *values;
	uint32_t count;
};

struct elog_field_desc {
	const char *name;
	uint8_t type;  /* enum elog_type */
	uint8_t annot; /* enum elog_annot */
	uint16_t offset;
	/* Bytes of one value: N for char[N], element size for a varlen tail. */
	uint16_t size;
	/* Variable-length tail (`name:type[count:max]`): index of the count
	 * field, else -1. A tail starts at `offset` and holds
	 * min(count, max_count) elements, clipped to the payload. */
	int16_t count_field;
	uint16_t max_count;
	const struct elog_valueset_desc *values; /* ENUM/FLAG annotation only */
};

/*
 * A print format pre-split by the compiler: literal text, then the field it
 * is followed by (field index, or -1 after the last piece). %N was checked
 * against the field count at compile time, "%%" became a literal '%'.
 */
struct elog_fmt_piece {
	const char *text;
	uint16_t text_len;
	int16_t field;
};

struct elog_event_desc {
	uint32_t id;
	const char *name;
	uint8_t level;     /* enum elog_level */
	uint32_t keywords; /* mask, SESSION included for framework events */
	const char *struct_name; /* NULL for NONE */
	uint32_t size;     /* sizeof(struct) (fixed part), 0 for NONE */
	const struct elog_field_desc *fields;
	uint16_t field_count;
	const char *format; /* as written in the schema */
	const struct elog_fmt_piece *pieces;
	uint16_t piece_count;
};

struct elog_keyword_desc {
	const char *name;
	uint32_t mask;
};

struct elog_provider_desc {
	const char *name;
	const struct elog_event_desc *events; /* sorted by id, for bsearch */
	uint32_t event_count;
	const struct elog_keyword_desc *keywords; /* schema order, SESSION last */
	uint32_t keyword_count;
	const struct elog_valueset_desc *enums;
	uint32_t enum_count;
	const struct elog_valueset_desc *flags;
	uint32_t flag_count;
};

#endif /* ELOG_SCHEMA_H */
