// SPDX-License-Identifier: BSD-2-Clause
/*
 * Lexer: schema text -> words and strings with their line and column.
 *
 * The language is line oriented (a directive continues on lines that start
 * with white space), so each token remembers whether it opens a directive;
 * the parser then needs no notion of lines at all.
 */
#include <string.h>

#include "schemac.h"

struct lexer {
	const char *p, *end;
	int line, col;
	int line_starts_in_col1; /* current line's first byte is not blank */
	int seen_token_on_line;
};

static void advance(struct lexer *lx)
{
	if (*lx->p == '\n') {
		lx->line++;
		lx->col = 1;
		lx->seen_token_on_line = 0;
		lx->line_starts_in_col1 = lx->p + 1 < lx->end &&
			lx->p[1] != ' ' && lx->p[1] != '\t' && lx->p[1] != '\r' &&
			lx->p[1] != '\n';
	} else {
		lx->col++;
	}
	lx->p++;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static int bad_byte(unsigned char c)
{
	return (c < 0x20 && !is_blank((char)c)) || c == 0x7f;
}

static int push(struct sc_arena *a, struct sc_tokens *out, struct sc_error *err,
		struct sc_token t)
{
	struct sc_token *slot = sc_push(a, &out->v, &out->n, &out->cap, sizeof(*slot));
	if (!slot)
		return sc_errorf(err, t.line, t.col, "out of memory");
	*slot = t;
	return 0;
}

static int lex_string(struct sc_arena *a, struct lexer *lx, struct sc_token *t,
		      struct sc_error *err)
{
	/* Escapes make the result no longer than the source. */
	const char *start = lx->p + 1;
	size_t room = 0;
	while (start + room < lx->end && start[room] != '\n')
		room++;
	char *buf = sc_alloc(a, room + 1);
	if (!buf)
		return sc_errorf(err, t->line, t->col, "out of memory");
	size_t n = 0;
	advance(lx); /* opening quote */
	for (;;) {
		if (lx->p >= lx->end || *lx->p == '\n')
			return sc_errorf(err, t->line, t->col, "unterminated string");
		char c = *lx->p;
		if (c == '"') {
			advance(lx);
			break;
		}
		if (bad_byte((unsigned char)c))
			return sc_errorf(err, lx->line, lx->col,
					 "invalid character 0x%02x in string", (unsigned char)c);
		if (c == '\\') {
			int l = lx->line, col = lx->col;
			advance(lx);
			if (lx->p >= lx->end || (*lx->p != '"' && *lx->p != '\\'))
				return sc_errorf(err, l, col,
						 "unknown escape in string (only \\\" and \\\\ are allowed)");
			c = *lx->p;
		}
		buf[n++] = c;
		advance(lx);
	}
	t->kind = SC_TOK_STRING;
	t->text = buf;
	t->len = n;
	return 0;
}

int sc_lex(struct sc_arena *a, const char *file, const char *buf, size_t len,
	   struct sc_tokens *out, struct sc_error *err)
{
	struct lexer lx = { buf, buf + len, 1, 1, len > 0 && !is_blank(buf[0]), 0 };
	err->file = file;
	memset(out, 0, sizeof(*out));
	while (lx.p < lx.end) {
		char c = *lx.p;
		if (is_blank(c)) {
			advance(&lx);
			continue;
		}
		if (c == '/' && lx.p + 1 < lx.end && lx.p[1] == '/') {
			while (lx.p < lx.end && *lx.p != '\n')
				advance(&lx);
			continue;
		}
		if (c == '/' && lx.p + 1 < lx.end && lx.p[1] == '*') {
			int l = lx.line, col = lx.col;
			advance(&lx);
			advance(&lx);
			while (lx.p < lx.end && !(*lx.p == '*' && lx.p + 1 < lx.end && lx.p[1] == '/'))
				advance(&lx);
			if (lx.p >= lx.end)
				return sc_errorf(err, l, col, "unterminated comment");
			advance(&lx);
			advance(&lx);
			continue;
		}
		if (bad_byte((unsigned char)c) || (unsigned char)c >= 0x80)
			return sc_errorf(err, lx.line, lx.col, "invalid character 0x%02x",
					 (unsigned char)c);
		struct sc_token t = { SC_TOK_WORD, lx.p, 0, lx.line, lx.col,
				      !lx.seen_token_on_line && lx.line_starts_in_col1 };
		lx.seen_token_on_line = 1;
		if (c == '"') {
			if (lex_string(a, &lx, &t, err))
				return -1;
		} else {
			/* A word ends at white space, a string or a comment. */
			while (lx.p < lx.end && !is_blank(*lx.p) && *lx.p != '"' &&
			       !(*lx.p == '/' && lx.p + 1 < lx.end &&
				 (lx.p[1] == '/' || lx.p[1] == '*'))) {
				if (bad_byte((unsigned char)*lx.p) || (unsigned char)*lx.p >= 0x80)
					return sc_errorf(err, lx.line, lx.col, "invalid character 0x%02x",
							 (unsigned char)*lx.p);
				advance(&lx);
			}
			t.len = (size_t)(lx.p - t.text);
		}
		if (push(a, out, err, t))
			return -1;
	}
	return 0;
}
