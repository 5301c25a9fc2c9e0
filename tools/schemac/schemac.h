/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elog-schemac internals: the in-memory schema and the entry points of its
 * stages (lexer -> parser -> layout -> emitters).
 *
 * Nothing below main() prints or exits: every stage reports the first
 * problem it finds through a struct sc_error, so the libFuzzer harness can
 * drive the parser on arbitrary bytes and the tests can compare messages.
 */
#ifndef ELOG_SCHEMAC_H
#define ELOG_SCHEMAC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "eventlog/schema.h"

/* Limits that keep every generated table field in range (see schema.h). */
#define SC_PROVIDER_NAME_MAX 31  /* record.h: 32 bytes counting the NUL */
#define SC_PAYLOAD_MAX (65535 - 32) /* record.h: ELOG_PAYLOAD_MAX */
#define SC_FIELDS_MAX 1024

struct sc_error {
	const char *file;
	int line, col; /* 1-based; 0 when the problem has no place in the file */
	char msg[320];
};

/* ---- arena: every schema allocation lives here and dies with it ---- */
struct sc_arena;
struct sc_arena *sc_arena_new(void);
void sc_arena_free(struct sc_arena *a);
/* Zeroed memory; NULL only when malloc fails. */
void *sc_alloc(struct sc_arena *a, size_t size);
char *sc_strndup(struct sc_arena *a, const char *s, size_t n);
/* Grows *vec (elem bytes each) so index *n is valid, then increments *n.
 * Returns the new element or NULL when out of memory. */
void *sc_push(struct sc_arena *a, void *vec_ptr, size_t *n, size_t *cap, size_t elem);

/* ---- lexer ---- */
enum sc_tok_kind { SC_TOK_WORD, SC_TOK_STRING };

struct sc_token {
	enum sc_tok_kind kind;
	const char *text; /* WORD: as written; STRING: with escapes resolved */
	size_t len;
	int line, col;
	int starts_directive; /* first token of a line that begins in column 1 */
};

struct sc_tokens {
	struct sc_token *v;
	size_t n, cap;
};

int sc_lex(struct sc_arena *a, const char *file, const char *buf, size_t len,
	   struct sc_tokens *out, struct sc_error *err);

/* ---- the schema ---- */
struct sc_loc {
	int line, col;
};

struct sc_value {
	const char *name;
	uint64_t value;
	struct sc_loc loc;
};

struct sc_valueset {
	const char *name;
	int is_flag;
	struct sc_value *v; /* sorted ascending by value after sc_parse */
	size_t n, cap;
	struct sc_loc loc;
	size_t index; /* position in its table (enums or flags) */
};

struct sc_field {
	const char *name;
	enum elog_type type;
	enum elog_annot annot;
	const struct sc_valueset *values; /* ENUM/FLAG annotation */
	uint32_t size;   /* one value: N for char[N], element size for a tail */
	uint32_t align;
	uint32_t offset;
	int is_tail;
	int count_field; /* index of the count field for a tail, else -1 */
	uint32_t max_count;
	struct sc_loc loc;
	/* unresolved names, kept for the checks after the whole file is read */
	const char *annot_name, *count_name;
	struct sc_loc annot_loc, count_loc;
};

struct sc_struct {
	const char *name;
	struct sc_field *f;
	size_t n, cap;
	uint32_t size;  /* sizeof the C struct (a tail is a flexible array) */
	uint32_t align;
	struct sc_loc loc;
};

struct sc_piece {
	const char *text;
	size_t len;
	int field; /* 0-based field index that follows the text, or -1 */
};

struct sc_keyword {
	const char *name;
	uint32_t mask;
	struct sc_loc loc;
};

struct sc_event {
	const char *name;
	uint32_t id;
	enum elog_level level;
	uint32_t keywords;
	const struct sc_struct *st; /* NULL for NONE */
	const char *kw_text;        /* the keyword list as written, e.g. "RX,CC" */
	const char *format;         /* escapes resolved */
	size_t format_len;
	struct sc_piece *pieces;
	size_t npieces, piece_cap;
	int implicit;               /* added by the compiler, not in the file */
	struct sc_loc loc, format_loc;
};

struct sc_schema {
	struct sc_arena *arena;
	const char *file;
	const char *provider; /* as written (lower case) */
	const char *PROVIDER; /* upper case, the prefix of generated names */
	struct sc_loc provider_loc;
	struct sc_keyword *kw;
	size_t nkw, kw_cap;     /* schema order, SESSION last */
	struct sc_valueset **enums;
	size_t nenums, enums_cap;
	struct sc_valueset **flags;
	size_t nflags, flags_cap;
	struct sc_struct **structs;
	size_t nstructs, structs_cap;
	struct sc_event *ev;
	size_t nev, ev_cap;     /* sorted by id after sc_parse */
	int uses_tail;          /* some struct has a variable-length tail */
};

/*
 * Parses and checks one schema held in buf[0..len). On success returns 0 and
 * a schema to release with sc_schema_free(); on failure returns -1, fills
 * *err (file:line:col: msg) and leaves *out NULL.
 */
int sc_parse(const char *file, const char *buf, size_t len,
	     struct sc_schema **out, struct sc_error *err);
void sc_schema_free(struct sc_schema *s);

/* layout.c: sizes and offsets with natural C alignment (LP64 / BPF). */
int sc_type_from_name(const char *name, size_t len, enum elog_type *type,
		      uint32_t *size);
const char *sc_type_schema_name(enum elog_type t);
const char *sc_type_c_name(enum elog_type t); /* __u8 ... */
int sc_type_is_integer(enum elog_type t);
int sc_type_is_unsigned(enum elog_type t);
int sc_layout_struct(struct sc_struct *st, struct sc_error *err);
/* Splits ev->format into pieces, checking every conversion. */
int sc_split_format(struct sc_arena *a, struct sc_event *ev,
		    struct sc_error *err);

/* names.c: every identifier the producer header will define is unique. */
int sc_check_generated_names(const struct sc_schema *s, struct sc_error *err);

/* Emitters: 0, or -1 with *err set (write errors only: the schema is valid). */
int sc_emit_producer(const struct sc_schema *s, FILE *out, struct sc_error *err);
int sc_emit_tables(const struct sc_schema *s, FILE *out, struct sc_error *err);
int sc_emit_markdown(const struct sc_schema *s, FILE *out, struct sc_error *err);
/* The event table as JSON: provider, keywords, events (id, name, level,
 * keywords, payload size, implicit). */
int sc_emit_json(const struct sc_schema *s, FILE *out, struct sc_error *err);
/* ClickHouse DDL for database `db` (NULL: eventlog), sharded over
 * `cluster` when one is named (sc_clickhouse_options()). */
int sc_emit_clickhouse(const struct sc_schema *s, FILE *out, struct sc_error *err);
void sc_clickhouse_options(const char *db, const char *cluster);

/* Small helpers shared by the stages (util.c). */
int sc_errorf(struct sc_error *err, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int sc_is_ident(const char *s, size_t len);
const char *sc_level_name(enum elog_level l);
/* Writes s as the body of a C string literal (no quotes). */
void sc_put_c_string(FILE *out, const char *s, size_t len);
char *sc_upper(struct sc_arena *a, const char *s);
char *sc_lower(struct sc_arena *a, const char *s);

#endif /* ELOG_SCHEMAC_H */
