// SPDX-License-Identifier: BSD-2-Clause
/*
 * Arena, error and string helpers shared by every stage of elog-schemac.
 *
 * The schema is built from many small allocations whose lifetime is the
 * whole compilation; an arena makes the error paths (and the fuzzer, which
 * parses millions of inputs) free everything with one call.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "schemac.h"

struct sc_block {
	struct sc_block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

struct sc_arena {
	struct sc_block *head;
};

struct sc_arena *sc_arena_new(void)
{
	return calloc(1, sizeof(struct sc_arena));
}

void sc_arena_free(struct sc_arena *a)
{
	if (!a)
		return;
	for (struct sc_block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void *sc_alloc(struct sc_arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	struct sc_block *b = a->head;
	if (!b || b->size - b->used < size) {
		size_t bsize = size > 16384 ? size : 16384;
		b = malloc(sizeof(*b) + bsize);
		if (!b)
			return NULL;
		b->size = bsize;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

char *sc_strndup(struct sc_arena *a, const char *s, size_t n)
{
	char *p = sc_alloc(a, n + 1);
	if (p)
		memcpy(p, s, n);
	return p;
}

void *sc_push(struct sc_arena *a, void *vec_ptr, size_t *n, size_t *cap, size_t elem)
{
	unsigned char **vec = vec_ptr;
	if (*n == *cap) {
		/* The old block stays in the arena: wasteful, but schemas are
		 * small and it keeps every pointer handed out so far valid. */
		size_t ncap = *cap ? *cap * 2 : 8;
		unsigned char *nv = sc_alloc(a, ncap * elem);
		if (!nv)
			return NULL;
		if (*n)
			memcpy(nv, *vec, *n * elem);
		*vec = nv;
		*cap = ncap;
	}
	return *vec + (*n)++ * elem;
}

int sc_errorf(struct sc_error *err, int line, int col, const char *fmt, ...)
{
	va_list ap;
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int sc_is_ident(const char *s, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

const char *sc_level_name(enum elog_level l)
{
	switch (l) {
	case ELOG_LEVEL_NONE: return "NONE";
	case ELOG_LEVEL_ERROR: return "ERROR";
	case ELOG_LEVEL_WARN: return "WARN";
	case ELOG_LEVEL_INFO: return "INFO";
	case ELOG_LEVEL_VERBOSE: return "VERBOSE";
	case ELOG_LEVEL_TRACE: return "TRACE";
	}
	return "?";
}

void sc_put_c_string(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c >= 0x7f || (c == '?' && i + 1 < len && s[i + 1] == '?'))
			/* Three octal digits always end the escape, so a digit
			 * that follows cannot extend it; "??" would start a
			 * trigraph in strict modes. */
			fprintf(out, "\\%03o", c);
		else
			fputc(c, out);
	}
}

static char *recase(struct sc_arena *a, const char *s, int (*f)(int))
{
	size_t n = strlen(s);
	char *p = sc_alloc(a, n + 1);
	if (!p)
		return NULL;
	for (size_t i = 0; i < n; i++)
		p[i] = (char)f((unsigned char)s[i]);
	return p;
}

char *sc_upper(struct sc_arena *a, const char *s)
{
	return recase(a, s, toupper);
}

char *sc_lower(struct sc_arena *a, const char *s)
{
	return recase(a, s, tolower);
}
