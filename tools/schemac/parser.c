// SPDX-License-Identifier: BSD-2-Clause
/*
 * Parser: tokens -> checked schema.
 *
 * Pass 1 reads each directive and checks what it can see alone (syntax,
 * duplicate names). Pass 2 resolves references -- annotations, count
 * fields, keywords, structs, %N -- so definitions may appear in any order.
 * The first problem ends the compilation: one precise message beats a
 * cascade of consequences.
 */
#include <stdlib.h>
#include <string.h>

#include "schemac.h"

#define NAME_MAX_SHOWN 64
/* printf arguments for a token, shortened so a message always fits */
#define TOK(t) (int)((t)->len < NAME_MAX_SHOWN ? (t)->len : NAME_MAX_SHOWN), (t)->text

struct raw_event {
	const struct sc_token *name, *id, *level, *kws, *st, *fmt;
};

struct parser {
	struct sc_schema *s;
	struct sc_arena *a;
	struct sc_error *err;
	struct raw_event *rev;
	size_t nrev, rev_cap;
};

static int oom(struct parser *p, const struct sc_token *t)
{
	return sc_errorf(p->err, t ? t->line : 0, t ? t->col : 0, "out of memory");
}

static int tok_is(const struct sc_token *t, const char *s)
{
	return t->kind == SC_TOK_WORD && strlen(s) == t->len && memcmp(t->text, s, t->len) == 0;
}

static const char *tok_dup(struct parser *p, const struct sc_token *t)
{
	return sc_strndup(p->a, t->text, t->len);
}

/*
 * Decimal without leading zeros, or 0x hex. Returns 0, -1 for bad syntax,
 * -2 when the value does not fit in 64 bits.
 */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0)
		return -1;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (size_t i = 2; i < len; i++) {
			int d;
			if (s[i] >= '0' && s[i] <= '9')
				d = s[i] - '0';
			else if (s[i] >= 'a' && s[i] <= 'f')
				d = s[i] - 'a' + 10;
			else if (s[i] >= 'A' && s[i] <= 'F')
				d = s[i] - 'A' + 10;
			else
				return -1;
			if (v >> 60)
				return -2;
			v = v << 4 | (uint64_t)d;
		}
	} else {
		/* "010" is refused: readers could take it for octal. */
		if (len > 1 && s[0] == '0')
			return -1;
		for (size_t i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			uint64_t d = (uint64_t)(s[i] - '0');
			if (v > (UINT64_MAX - d) / 10)
				return -2;
			v = v * 10 + d;
		}
	}
	*out = v;
	return 0;
}

static int number(struct parser *p, const char *s, size_t len, int line, int col,
		  uint64_t max, uint64_t *out)
{
	int r = parse_u64(s, len, out);
	if (r == -1)
		return sc_errorf(p->err, line, col, "bad number '%.*s'",
				 (int)(len < NAME_MAX_SHOWN ? len : NAME_MAX_SHOWN), s);
	if (r == -2 || *out > max)
		return sc_errorf(p->err, line, col, "number '%.*s' out of range (maximum %llu)",
				 (int)(len < NAME_MAX_SHOWN ? len : NAME_MAX_SHOWN), s,
				 (unsigned long long)max);
	return 0;
}

static int ident(struct parser *p, const struct sc_token *t, const char *what)
{
	if (t->kind != SC_TOK_WORD || !sc_is_ident(t->text, t->len))
		return sc_errorf(p->err, t->line, t->col,
				 "bad %s name '%.*s': expected a C identifier", what, TOK(t));
	return 0;
}

/* ---------------- pass 1: one directive at a time ---------------- */

static int d_provider(struct parser *p, const struct sc_token *t, size_t n)
{
	struct sc_schema *s = p->s;
	if (s->provider)
		return sc_errorf(p->err, t[0].line, t[0].col,
				 "duplicate PROVIDER (first at line %d)", s->provider_loc.line);
	if (n != 2)
		return sc_errorf(p->err, t[0].line, t[0].col, "PROVIDER takes exactly one name");
	const struct sc_token *nm = &t[1];
	int ok = nm->kind == SC_TOK_WORD && nm->len <= SC_PROVIDER_NAME_MAX && nm->len > 0 &&
		 nm->text[0] >= 'a' && nm->text[0] <= 'z';
	for (size_t i = 0; ok && i < nm->len; i++)
		ok = (nm->text[i] >= 'a' && nm->text[i] <= 'z') ||
		     (nm->text[i] >= '0' && nm->text[i] <= '9') || nm->text[i] == '_';
	if (!ok)
		return sc_errorf(p->err, nm->line, nm->col,
				 "bad provider name '%.*s': expected [a-z][a-z0-9_]*, at most %d characters",
				 TOK(nm), SC_PROVIDER_NAME_MAX);
	s->provider = tok_dup(p, nm);
	s->PROVIDER = s->provider ? sc_upper(p->a, s->provider) : NULL;
	if (!s->PROVIDER)
		return oom(p, nm);
	s->provider_loc = (struct sc_loc){ nm->line, nm->col };
	return 0;
}

/*
 * Keyword values: a decimal 1..31 is a bit position (1 -> 0x1), a 0x value
 * is the mask itself. Unlike upstream there is no "below 16" cut-off, so
 * every bit can be named and 16 never means two different things; bit 31 is
 * the implicit SESSION keyword.
 */
static int d_keyword(struct parser *p, const struct sc_token *t, size_t n)
{
	struct sc_schema *s = p->s;
	if (n != 3)
		return sc_errorf(p->err, t[0].line, t[0].col, "KEYWORD takes a name and a value");
	if (ident(p, &t[1], "keyword"))
		return -1;
	if (tok_is(&t[1], "SESSION"))
		return sc_errorf(p->err, t[1].line, t[1].col,
				 "keyword SESSION is reserved: every provider has it (0x80000000)");
	for (size_t i = 0; i < s->nkw; i++)
		if (strlen(s->kw[i].name) == t[1].len && !memcmp(s->kw[i].name, t[1].text, t[1].len))
			return sc_errorf(p->err, t[1].line, t[1].col,
					 "duplicate keyword '%.*s' (first at line %d)", TOK(&t[1]),
					 s->kw[i].loc.line);
	const struct sc_token *v = &t[2];
	uint64_t val;
	uint32_t mask;
	if (v->kind != SC_TOK_WORD || number(p, v->text, v->len, v->line, v->col, UINT32_MAX, &val))
		return v->kind != SC_TOK_WORD
			? sc_errorf(p->err, v->line, v->col, "bad number in KEYWORD: expected 1..31 or 0x mask")
			: -1;
	if (v->len > 2 && v->text[0] == '0' && (v->text[1] == 'x' || v->text[1] == 'X')) {
		if (val == 0)
			return sc_errorf(p->err, v->line, v->col, "keyword mask must not be 0");
		if (val & ELOG_KEYWORD_SESSION)
			return sc_errorf(p->err, v->line, v->col,
					 "keyword mask 0x%llx uses bit 31, which is reserved for SESSION",
					 (unsigned long long)val);
		mask = (uint32_t)val;
	} else {
		if (val < 1 || val > 31)
			return sc_errorf(p->err, v->line, v->col,
					 "keyword bit position %llu out of range: use 1..31 (1 = 0x1) or a 0x mask",
					 (unsigned long long)val);
		mask = (uint32_t)1 << (val - 1);
	}
	struct sc_keyword *k = sc_push(p->a, &s->kw, &s->nkw, &s->kw_cap, sizeof(*k));
	if (!k || !(k->name = tok_dup(p, &t[1])))
		return oom(p, &t[1]);
	k->mask = mask;
	k->loc = (struct sc_loc){ t[1].line, t[1].col };
	return 0;
}

static struct sc_valueset *find_set(struct sc_valueset **v, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(v[i]->name) == len && !memcmp(v[i]->name, name, len))
			return v[i];
	return NULL;
}

static int d_valueset(struct parser *p, const struct sc_token *t, size_t n, int is_flag)
{
	struct sc_schema *s = p->s;
	const char *what = is_flag ? "FLAG" : "ENUM";
	if (n < 2)
		return sc_errorf(p->err, t[0].line, t[0].col, "%s needs a name", what);
	if (ident(p, &t[1], is_flag ? "flag set" : "enum"))
		return -1;
	struct sc_valueset *dup = find_set(is_flag ? s->flags : s->enums,
					   is_flag ? s->nflags : s->nenums, t[1].text, t[1].len);
	if (dup)
		return sc_errorf(p->err, t[1].line, t[1].col, "duplicate %s '%.*s' (first at line %d)",
				 is_flag ? "flag set" : "enum", TOK(&t[1]), dup->loc.line);
	if (n < 3)
		return sc_errorf(p->err, t[1].line, t[1].col, "%s '%.*s' has no values", what, TOK(&t[1]));
	struct sc_valueset *vs = sc_alloc(p->a, sizeof(*vs));
	struct sc_valueset **slot = is_flag
		? sc_push(p->a, &s->flags, &s->nflags, &s->flags_cap, sizeof(*slot))
		: sc_push(p->a, &s->enums, &s->nenums, &s->enums_cap, sizeof(*slot));
	if (!vs || !slot || !(vs->name = tok_dup(p, &t[1])))
		return oom(p, &t[1]);
	*slot = vs;
	vs->is_flag = is_flag;
	vs->loc = (struct sc_loc){ t[1].line, t[1].col };
	vs->index = (size_t)(slot - (is_flag ? s->flags : s->enums));
	for (size_t i = 2; i < n; i++) {
		const struct sc_token *e = &t[i];
		const char *colon = e->kind == SC_TOK_WORD ? memchr(e->text, ':', e->len) : NULL;
		if (!colon)
			return sc_errorf(p->err, e->line, e->col,
					 "expected value:NAME in %s '%s', got '%.*s'", what, vs->name, TOK(e));
		size_t vlen = (size_t)(colon - e->text);
		const char *nm = colon + 1;
		size_t nlen = e->len - vlen - 1;
		int ncol = e->col + (int)vlen + 1;
		uint64_t val;
		if (number(p, e->text, vlen, e->line, e->col, UINT64_MAX, &val))
			return -1;
		if (!sc_is_ident(nm, nlen))
			return sc_errorf(p->err, e->line, ncol, "bad value name '%.*s': expected a C identifier",
					 (int)(nlen < NAME_MAX_SHOWN ? nlen : NAME_MAX_SHOWN), nm);
		if (is_flag && (val == 0 || (val & (val - 1))))
			return sc_errorf(p->err, e->line, e->col,
					 "flag value 0x%llx is not a single bit", (unsigned long long)val);
		for (size_t k = 0; k < vs->n; k++) {
			if (strlen(vs->v[k].name) == nlen && !memcmp(vs->v[k].name, nm, nlen))
				return sc_errorf(p->err, e->line, ncol,
						 "duplicate name '%s' in %s '%s' (first at line %d)",
						 vs->v[k].name, what, vs->name, vs->v[k].loc.line);
			if (vs->v[k].value == val)
				return sc_errorf(p->err, e->line, e->col,
						 "duplicate value %llu in %s '%s' (already '%s')",
						 (unsigned long long)val, what, vs->name, vs->v[k].name);
		}
		struct sc_value *v = sc_push(p->a, &vs->v, &vs->n, &vs->cap, sizeof(*v));
		if (!v || !(v->name = sc_strndup(p->a, nm, nlen)))
			return oom(p, e);
		v->value = val;
		v->loc = (struct sc_loc){ e->line, e->col };
	}
	return 0;
}

static const char *const c_keywords[] = {
	"auto", "break", "case", "char", "const", "continue", "default", "do", "double",
	"else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
	"register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
	"switch", "typedef", "union", "unsigned", "void", "volatile", "while", "asm",
	"typeof", "bool", "true", "false",
};

/* name:type[:annotation], name:char[N][:annotation], name:type[count:max][:annotation] */
static int parse_field(struct parser *p, struct sc_struct *st, const struct sc_token *t)
{
	const char *s = t->text, *end = t->text + t->len, *q;
	struct sc_field *f;
#define COL(ptr) (t->col + (int)((ptr) - s))
	if (t->kind != SC_TOK_WORD)
		return sc_errorf(p->err, t->line, t->col, "expected a field name:type, got a string");
	const char *colon = memchr(s, ':', t->len);
	if (!colon)
		return sc_errorf(p->err, t->line, t->col,
				 "field '%.*s' has no type: write name:type", TOK(t));
	size_t nlen = (size_t)(colon - s);
	if (!sc_is_ident(s, nlen))
		return sc_errorf(p->err, t->line, t->col, "bad field name '%.*s': expected a C identifier",
				 (int)(nlen < NAME_MAX_SHOWN ? nlen : NAME_MAX_SHOWN), s);
	if (nlen >= 2 && s[0] == '_' && s[1] == '_')
		return sc_errorf(p->err, t->line, t->col,
				 "field name '%.*s' starts with '__', which the generated macros reserve",
				 (int)(nlen < NAME_MAX_SHOWN ? nlen : NAME_MAX_SHOWN), s);
	for (size_t i = 0; i < sizeof(c_keywords) / sizeof(c_keywords[0]); i++)
		if (strlen(c_keywords[i]) == nlen && !memcmp(c_keywords[i], s, nlen))
			return sc_errorf(p->err, t->line, t->col, "field name '%s' is a C keyword",
					 c_keywords[i]);
	for (size_t i = 0; i < st->n; i++)
		if (strlen(st->f[i].name) == nlen && !memcmp(st->f[i].name, s, nlen))
			return sc_errorf(p->err, t->line, t->col,
					 "duplicate field '%s' in struct '%s' (first at line %d)",
					 st->f[i].name, st->name, st->f[i].loc.line);
	if (st->n && st->f[st->n - 1].is_tail) {
		const struct sc_field *tail = &st->f[st->n - 1];
		return sc_errorf(p->err, tail->loc.line, tail->loc.col,
				 "variable-length field '%s' must be the last field of struct '%s'",
				 tail->name, st->name);
	}
	if (st->n >= SC_FIELDS_MAX)
		return sc_errorf(p->err, t->line, t->col, "struct '%s' has more than %d fields",
				 st->name, SC_FIELDS_MAX);
	f = sc_push(p->a, &st->f, &st->n, &st->cap, sizeof(*f));
	if (!f || !(f->name = sc_strndup(p->a, s, nlen)))
		return oom(p, t);
	f->loc = (struct sc_loc){ t->line, t->col };
	f->count_field = -1;

	const char *ty = colon + 1;
	for (q = ty; q < end && *q != ':' && *q != '['; q++)
		;
	if (q == ty)
		return sc_errorf(p->err, t->line, COL(ty), "field '%s' has an empty type", f->name);
	if (sc_type_from_name(ty, (size_t)(q - ty), &f->type, &f->size))
		return sc_errorf(p->err, t->line, COL(ty), "unknown type '%.*s'",
				 (int)((size_t)(q - ty) < NAME_MAX_SHOWN ? (size_t)(q - ty) : NAME_MAX_SHOWN), ty);
	if (f->type == ELOG_T_CHARS) {
		if (q == end || *q != '[')
			return sc_errorf(p->err, t->line, COL(ty), "type char needs a length: char[N]");
		const char *num = q + 1, *close = memchr(num, ']', (size_t)(end - num));
		if (!close)
			return sc_errorf(p->err, t->line, COL(q), "missing ']' after char[N");
		uint64_t nch;
		if (number(p, num, (size_t)(close - num), t->line, COL(num), SC_PAYLOAD_MAX, &nch))
			return -1;
		if (nch == 0)
			return sc_errorf(p->err, t->line, COL(num), "char[0] has no room for a string");
		f->size = (uint32_t)nch;
		q = close + 1;
		if (q < end && *q == '[')
			return sc_errorf(p->err, t->line, COL(q),
					 "a char[N] field cannot be a variable-length tail");
	} else if (q < end && *q == '[') {
		/* [count:max]: the tail's length lives in an earlier field */
		const char *cnt = q + 1, *c2 = cnt;
		while (c2 < end && *c2 != ':' && *c2 != ']')
			c2++;
		if (c2 == end || *c2 != ':')
			return sc_errorf(p->err, t->line, COL(q),
					 "variable-length field '%s' needs [countfield:max]", f->name);
		if (!sc_is_ident(cnt, (size_t)(c2 - cnt)))
			return sc_errorf(p->err, t->line, COL(cnt),
					 "bad count field name in variable-length field '%s'", f->name);
		const char *mx = c2 + 1, *close = memchr(mx, ']', (size_t)(end - mx));
		if (!close)
			return sc_errorf(p->err, t->line, COL(q), "missing ']' in [countfield:max]");
		uint64_t max;
		if (number(p, mx, (size_t)(close - mx), t->line, COL(mx), UINT16_MAX, &max))
			return -1;
		if (max == 0)
			return sc_errorf(p->err, t->line, COL(mx), "maximum element count must be at least 1");
		f->is_tail = 1;
		f->max_count = (uint32_t)max;
		f->count_name = sc_strndup(p->a, cnt, (size_t)(c2 - cnt));
		f->count_loc = (struct sc_loc){ t->line, COL(cnt) };
		if (!f->count_name)
			return oom(p, t);
		p->s->uses_tail = 1;
		q = close + 1;
	}
	if (q < end && *q == ':') {
		const char *an = q + 1;
		if (an == end)
			return sc_errorf(p->err, t->line, COL(q), "empty annotation after ':'");
		f->annot_name = sc_strndup(p->a, an, (size_t)(end - an));
		f->annot_loc = (struct sc_loc){ t->line, COL(an) };
		if (!f->annot_name)
			return oom(p, t);
	} else if (q < end) {
		return sc_errorf(p->err, t->line, COL(q), "unexpected '%.*s' in field '%s'",
				 (int)((size_t)(end - q) < NAME_MAX_SHOWN ? (size_t)(end - q) : NAME_MAX_SHOWN),
				 q, f->name);
	}
	return 0;
#undef COL
}

static struct sc_struct *find_struct(const struct sc_schema *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->nstructs; i++)
		if (strlen(s->structs[i]->name) == len && !memcmp(s->structs[i]->name, name, len))
			return s->structs[i];
	return NULL;
}

static int d_struct(struct parser *p, const struct sc_token *t, size_t n)
{
	struct sc_schema *s = p->s;
	if (n < 2)
		return sc_errorf(p->err, t[0].line, t[0].col, "STRUCT needs a name");
	if (ident(p, &t[1], "struct"))
		return -1;
	if (tok_is(&t[1], "NONE"))
		return sc_errorf(p->err, t[1].line, t[1].col,
				 "NONE is reserved for events without payload");
	const struct sc_struct *dup = find_struct(s, t[1].text, t[1].len);
	if (dup)
		return sc_errorf(p->err, t[1].line, t[1].col, "duplicate struct '%.*s' (first at line %d)",
				 TOK(&t[1]), dup->loc.line);
	if (n < 3)
		return sc_errorf(p->err, t[1].line, t[1].col, "struct '%.*s' has no fields", TOK(&t[1]));
	struct sc_struct *st = sc_alloc(p->a, sizeof(*st));
	struct sc_struct **slot = sc_push(p->a, &s->structs, &s->nstructs, &s->structs_cap, sizeof(*slot));
	if (!st || !slot || !(st->name = tok_dup(p, &t[1])))
		return oom(p, &t[1]);
	*slot = st;
	st->loc = (struct sc_loc){ t[1].line, t[1].col };
	for (size_t i = 2; i < n; i++)
		if (parse_field(p, st, &t[i]))
			return -1;
	return 0;
}

static int d_event(struct parser *p, const struct sc_token *t, size_t n)
{
	for (size_t i = 1; i < n && i < 6; i++)
		if (t[i].kind == SC_TOK_STRING)
			return sc_errorf(p->err, t[i].line, t[i].col,
					 "EVENT needs NAME id LEVEL KEYWORDS STRUCT \"format\" before the format");
	if (n < 7 || t[6].kind != SC_TOK_STRING) {
		const struct sc_token *at = n < 7 ? &t[n - 1] : &t[6];
		return sc_errorf(p->err, at->line, at->col + (n < 7 ? (int)at->len : 0),
				 "EVENT needs NAME id LEVEL KEYWORDS STRUCT \"format\"%s",
				 n < 7 ? "" : ": the format must be a quoted string");
	}
	if (n > 7)
		return sc_errorf(p->err, t[7].line, t[7].col, "unexpected '%.*s' after the format string",
				 TOK(&t[7]));
	if (ident(p, &t[1], "event"))
		return -1;
	for (size_t i = 0; i < p->nrev; i++)
		if (p->rev[i].name->len == t[1].len && !memcmp(p->rev[i].name->text, t[1].text, t[1].len))
			return sc_errorf(p->err, t[1].line, t[1].col, "duplicate event '%.*s' (first at line %d)",
					 TOK(&t[1]), p->rev[i].name->line);
	struct raw_event *r = sc_push(p->a, &p->rev, &p->nrev, &p->rev_cap, sizeof(*r));
	if (!r)
		return oom(p, &t[1]);
	*r = (struct raw_event){ &t[1], &t[2], &t[3], &t[4], &t[5], &t[6] };
	return 0;
}

/* ---------------- pass 2: references ---------------- */

static int resolve_field(struct parser *p, struct sc_struct *st, size_t idx)
{
	struct sc_field *f = &st->f[idx];
	if (f->is_tail) {
		int found = -1;
		for (size_t i = 0; i < st->n; i++)
			if (!strcmp(st->f[i].name, f->count_name))
				found = (int)i;
		if (found < 0 || (size_t)found >= idx)
			return sc_errorf(p->err, f->count_loc.line, f->count_loc.col,
					 "count field '%s' of '%s' is not an earlier field of struct '%s'",
					 f->count_name, f->name, st->name);
		if (!sc_type_is_unsigned(st->f[found].type))
			return sc_errorf(p->err, f->count_loc.line, f->count_loc.col,
					 "count field '%s' must be an unsigned integer (uint8_t..uint64_t)",
					 f->count_name);
		/* The macro writes the clamped count back into this field. */
		uint32_t csize = st->f[found].size;
		/* max_count is 32 bits: a 4- or 8-byte count holds any (and a
		 * shift by 32 would be undefined). */
		if (csize < 4 && f->max_count >> (csize * 8))
			return sc_errorf(p->err, f->count_loc.line, f->count_loc.col,
					 "maximum %u of '%s' does not fit in count field '%s' (%s)",
					 f->max_count, f->name, f->count_name,
					 sc_type_schema_name(st->f[found].type));
		f->count_field = found;
	}
	if (!f->annot_name)
		return 0;
	const char *an = f->annot_name;
	int line = f->annot_loc.line, col = f->annot_loc.col;
	if (!strcmp(an, "hex")) {
		if (!sc_type_is_integer(f->type))
			return sc_errorf(p->err, line, col, "annotation 'hex' needs an integer field, '%s' is %s",
					 f->name, sc_type_schema_name(f->type));
		f->annot = ELOG_A_HEX;
	} else if (!strcmp(an, "ntohs")) {
		if (f->type != ELOG_T_U16)
			return sc_errorf(p->err, line, col, "annotation 'ntohs' needs a uint16_t field, '%s' is %s",
					 f->name, sc_type_schema_name(f->type));
		f->annot = ELOG_A_NTOHS;
	} else if (!strncmp(an, "enum_", 5) || !strncmp(an, "flag_", 5)) {
		int is_flag = an[0] == 'f';
		const struct sc_valueset *vs = find_set(is_flag ? p->s->flags : p->s->enums,
							is_flag ? p->s->nflags : p->s->nenums, an + 5, strlen(an + 5));
		if (!vs)
			return sc_errorf(p->err, line, col + 5, "unknown %s '%.64s'",
					 is_flag ? "flag set" : "enum", an + 5);
		if (!sc_type_is_integer(f->type))
			return sc_errorf(p->err, line, col, "annotation '%.64s' needs an integer field, '%s' is %s",
					 an, f->name, sc_type_schema_name(f->type));
		f->annot = is_flag ? ELOG_A_FLAG : ELOG_A_ENUM;
		f->values = vs;
	} else {
		return sc_errorf(p->err, line, col,
				 "unknown annotation '%.64s' (expected hex, ntohs, enum_<name> or flag_<name>)", an);
	}
	return 0;
}

static const struct {
	const char *name;
	enum elog_level level;
} levels[] = {
	{ "ERROR", ELOG_LEVEL_ERROR }, { "WARN", ELOG_LEVEL_WARN }, { "INFO", ELOG_LEVEL_INFO },
	{ "VERBOSE", ELOG_LEVEL_VERBOSE }, { "TRACE", ELOG_LEVEL_TRACE },
};

/* The events every provider shares; the framework emits them. */
static const struct {
	const char *name;
	uint32_t id;
	const char *format;
} framework_events[] = {
	{ "SESSION_CREATE", ELOG_SESSION_CREATE_ID, "Session created" },
	{ "SESSION_END", ELOG_SESSION_END_ID, "Session ended" },
	{ "DUMP_COMPLETE", ELOG_DUMP_COMPLETE_ID, "Dump complete" },
	{ "BLACKBOX_DUMP", ELOG_BLACKBOX_DUMP_ID, "Black box dump" },
};
#define N_FRAMEWORK (sizeof(framework_events) / sizeof(framework_events[0]))
/* Those a schema may give a payload (STRUCT <name>): the rest carry none. */
#define FRAMEWORK_HAS_PAYLOAD(fw) ((fw) == 0 || (fw) == 3)

static int framework_index(const char *name, size_t len)
{
	for (size_t i = 0; i < N_FRAMEWORK; i++)
		if (strlen(framework_events[i].name) == len && !memcmp(framework_events[i].name, name, len))
			return (int)i;
	return -1;
}

static int resolve_keywords(struct parser *p, const struct raw_event *r, int fw, uint32_t *mask)
{
	const struct sc_token *t = r->kws;
	const char *s = t->text, *end = s + t->len;
	*mask = 0;
	if (t->kind != SC_TOK_WORD)
		return sc_errorf(p->err, t->line, t->col, "expected keywords");
	/* Delivery needs (event & subscription keywords) != 0, so an event
	 * without keywords could never be seen: upstream let it pass as 0. */
	if (tok_is(t, "NONE"))
		return sc_errorf(p->err, t->line, t->col,
				 "event '%.*s' has no keyword, so no subscription could ever receive it",
				 TOK(r->name));
	while (s <= end) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		if (!c)
			c = end;
		size_t len = (size_t)(c - s);
		int col = t->col + (int)(s - t->text);
		if (len == 0)
			return sc_errorf(p->err, t->line, col, "empty keyword in list '%.*s'", TOK(t));
		uint32_t m = 0;
		int found = 0;
		/* Whole names only: upstream's substring match let TX select RTX. */
		if (len == 7 && !memcmp(s, "SESSION", 7)) {
			if (fw < 0)
				return sc_errorf(p->err, t->line, col,
						 "keyword SESSION is reserved for SESSION_CREATE, SESSION_END, DUMP_COMPLETE and BLACKBOX_DUMP");
			m = ELOG_KEYWORD_SESSION;
			found = 1;
		}
		for (size_t i = 0; !found && i < p->s->nkw; i++)
			if (strlen(p->s->kw[i].name) == len && !memcmp(p->s->kw[i].name, s, len)) {
				m = p->s->kw[i].mask;
				found = 1;
			}
		if (!found)
			return sc_errorf(p->err, t->line, col, "unknown keyword '%.*s'",
					 (int)(len < NAME_MAX_SHOWN ? len : NAME_MAX_SHOWN), s);
		/* A repeated name is a typo, not a wish for a wider mask. */
		for (const char *o = t->text; o < s;) {
			const char *oc = memchr(o, ',', (size_t)(s - o));
			if ((size_t)(oc - o) == len && !memcmp(o, s, len))
				return sc_errorf(p->err, t->line, col, "keyword '%.*s' listed twice",
						 (int)(len < NAME_MAX_SHOWN ? len : NAME_MAX_SHOWN), s);
			o = oc + 1;
		}
		*mask |= m;
		s = c + 1;
	}
	if (fw >= 0 && *mask != ELOG_KEYWORD_SESSION)
		return sc_errorf(p->err, t->line, t->col, "event '%s' must have exactly the keyword SESSION",
				 framework_events[fw].name);
	return 0;
}

static int resolve_event(struct parser *p, const struct raw_event *r)
{
	struct sc_schema *s = p->s;
	struct sc_event *ev = sc_push(p->a, &s->ev, &s->nev, &s->ev_cap, sizeof(*ev));
	if (!ev || !(ev->name = tok_dup(p, r->name)))
		return oom(p, r->name);
	ev->loc = (struct sc_loc){ r->name->line, r->name->col };
	int fw = framework_index(r->name->text, r->name->len);
	uint64_t id;
	if (r->id->kind != SC_TOK_WORD)
		return sc_errorf(p->err, r->id->line, r->id->col, "expected an event id");
	if (number(p, r->id->text, r->id->len, r->id->line, r->id->col, UINT32_MAX, &id))
		return -1;
	if (fw >= 0 && id != framework_events[fw].id)
		return sc_errorf(p->err, r->id->line, r->id->col, "event '%s' must have id %u (0x%X)",
				 framework_events[fw].name, framework_events[fw].id, framework_events[fw].id);
	if (fw < 0 && id >= ELOG_BLACKBOX_DUMP_ID)
		return sc_errorf(p->err, r->id->line, r->id->col,
				 "event id %llu is reserved for %s", (unsigned long long)id,
				 framework_events[id == ELOG_SESSION_CREATE_ID ? 0
						  : id == ELOG_SESSION_END_ID ? 1
						  : id == ELOG_DUMP_COMPLETE_ID ? 2 : 3].name);
	ev->id = (uint32_t)id;
	for (size_t i = 0; i + 1 < s->nev; i++)
		if (s->ev[i].id == ev->id)
			return sc_errorf(p->err, r->id->line, r->id->col,
					 "duplicate event id %u (also event '%s' at line %d)", ev->id,
					 s->ev[i].name, s->ev[i].loc.line);
	size_t li;
	for (li = 0; li < 5; li++)
		if (tok_is(r->level, levels[li].name))
			break;
	if (li == 5)
		return sc_errorf(p->err, r->level->line, r->level->col,
				 "unknown level '%.*s' (expected ERROR, WARN, INFO, VERBOSE or TRACE)", TOK(r->level));
	ev->level = levels[li].level;
	if (fw >= 0 && ev->level != ELOG_LEVEL_INFO)
		return sc_errorf(p->err, r->level->line, r->level->col, "event '%s' must have level INFO",
				 framework_events[fw].name);
	if (resolve_keywords(p, r, fw, &ev->keywords))
		return -1;
	if (!(ev->kw_text = tok_dup(p, r->kws)))
		return oom(p, r->kws);
	if (!tok_is(r->st, "NONE")) {
		ev->st = r->st->kind == SC_TOK_WORD ? find_struct(s, r->st->text, r->st->len) : NULL;
		if (!ev->st)
			return sc_errorf(p->err, r->st->line, r->st->col, "unknown struct '%.*s'", TOK(r->st));
		if (fw >= 0 && !FRAMEWORK_HAS_PAYLOAD(fw))
			return sc_errorf(p->err, r->st->line, r->st->col,
					 "event '%s' carries no payload: its struct must be NONE",
					 framework_events[fw].name);
	}
	ev->format = r->fmt->text;
	ev->format_len = r->fmt->len;
	ev->format_loc = (struct sc_loc){ r->fmt->line, r->fmt->col };
	return sc_split_format(p->a, ev, p->err);
}

static int add_framework_events(struct parser *p)
{
	struct sc_schema *s = p->s;
	for (size_t k = 0; k < N_FRAMEWORK; k++) {
		int have = 0;
		for (size_t i = 0; i < s->nev; i++)
			have |= !strcmp(s->ev[i].name, framework_events[k].name);
		if (have)
			continue;
		struct sc_event *ev = sc_push(p->a, &s->ev, &s->nev, &s->ev_cap, sizeof(*ev));
		if (!ev)
			return oom(p, NULL);
		ev->name = framework_events[k].name;
		ev->id = framework_events[k].id;
		ev->level = ELOG_LEVEL_INFO;
		ev->keywords = ELOG_KEYWORD_SESSION;
		ev->kw_text = "SESSION";
		/* A schema's STRUCT SESSION_CREATE / BLACKBOX_DUMP is that
		 * event's payload. */
		ev->st = FRAMEWORK_HAS_PAYLOAD(k) ? find_struct(s, framework_events[k].name,
							      strlen(framework_events[k].name))
						  : NULL;
		ev->format = framework_events[k].format;
		ev->format_len = strlen(ev->format);
		ev->implicit = 1;
		if (sc_split_format(p->a, ev, p->err))
			return -1;
	}
	struct sc_keyword *kw = sc_push(p->a, &s->kw, &s->nkw, &s->kw_cap, sizeof(*kw));
	if (!kw)
		return oom(p, NULL);
	kw->name = "SESSION";
	kw->mask = ELOG_KEYWORD_SESSION;
	return 0;
}

static int cmp_event(const void *a, const void *b)
{
	const struct sc_event *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_value(const void *a, const void *b)
{
	const struct sc_value *x = a, *y = b;
	return x->value < y->value ? -1 : x->value > y->value;
}

static int run(struct parser *p, const char *buf, size_t len)
{
	struct sc_tokens toks;
	struct sc_schema *s = p->s;
	if (sc_lex(p->a, s->file, buf, len, &toks, p->err))
		return -1;
	for (size_t i = 0; i < toks.n;) {
		const struct sc_token *t = &toks.v[i];
		size_t n = 1;
		while (i + n < toks.n && !toks.v[i + n].starts_directive)
			n++;
		if (!t->starts_directive)
			return sc_errorf(p->err, t->line, t->col,
					 "indented line continues no directive");
		int r;
		if (tok_is(t, "PROVIDER"))
			r = d_provider(p, t, n);
		else if (tok_is(t, "KEYWORD"))
			r = d_keyword(p, t, n);
		else if (tok_is(t, "ENUM"))
			r = d_valueset(p, t, n, 0);
		else if (tok_is(t, "FLAG"))
			r = d_valueset(p, t, n, 1);
		else if (tok_is(t, "STRUCT"))
			r = d_struct(p, t, n);
		else if (tok_is(t, "EVENT"))
			r = d_event(p, t, n);
		else if (t->kind == SC_TOK_STRING)
			r = sc_errorf(p->err, t->line, t->col, "a line cannot start with a string (indent continuation lines)");
		else
			r = sc_errorf(p->err, t->line, t->col,
				      "unknown directive '%.*s' (expected PROVIDER, KEYWORD, ENUM, FLAG, STRUCT or EVENT)",
				      TOK(t));
		if (r)
			return -1;
		i += n;
	}
	if (!s->provider)
		return sc_errorf(p->err, 1, 1, "missing PROVIDER directive");
	if (p->nrev == 0)
		return sc_errorf(p->err, 1, 1, "no EVENT directive: a provider needs at least one event");
	for (size_t i = 0; i < s->nstructs; i++) {
		struct sc_struct *st = s->structs[i];
		for (size_t k = 0; k < st->n; k++)
			if (resolve_field(p, st, k))
				return -1;
		if (sc_layout_struct(st, p->err))
			return -1;
	}
	for (size_t i = 0; i < p->nrev; i++)
		if (resolve_event(p, &p->rev[i]))
			return -1;
	if (add_framework_events(p))
		return -1;
	qsort(s->ev, s->nev, sizeof(*s->ev), cmp_event);
	for (size_t i = 0; i < s->nenums; i++)
		qsort(s->enums[i]->v, s->enums[i]->n, sizeof(struct sc_value), cmp_value);
	for (size_t i = 0; i < s->nflags; i++)
		qsort(s->flags[i]->v, s->flags[i]->n, sizeof(struct sc_value), cmp_value);
	return sc_check_generated_names(s, p->err);
}

int sc_parse(const char *file, const char *buf, size_t len,
	     struct sc_schema **out, struct sc_error *err)
{
	*out = NULL;
	memset(err, 0, sizeof(*err));
	err->file = file;
	struct sc_arena *a = sc_arena_new();
	struct sc_schema *s = a ? sc_alloc(a, sizeof(*s)) : NULL;
	if (!s) {
		sc_arena_free(a);
		return sc_errorf(err, 0, 0, "out of memory");
	}
	s->arena = a;
	s->file = sc_strndup(a, file, strlen(file));
	if (!s->file) {
		sc_arena_free(a);
		return sc_errorf(err, 0, 0, "out of memory");
	}
	err->file = file;
	struct parser p = { s, a, err, NULL, 0, 0 };
	if (run(&p, buf, len)) {
		sc_arena_free(a);
		return -1;
	}
	*out = s;
	return 0;
}

void sc_schema_free(struct sc_schema *s)
{
	if (s)
		sc_arena_free(s->arena);
}
