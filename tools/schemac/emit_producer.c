// SPDX-License-Identifier: BSD-2-Clause
/*
 * Producer header: <p>_eventlog.h, included by the BPF half (after
 * vmlinux.h) and by userspace (which gets <linux/types.h>).
 *
 * It only uses __u8..__s64, char[N] and fixed arrays, so both compilers lay
 * the payloads out identically; _Static_assert pins every offset to the one
 * the consumer tables were generated with. The macros talk to the framework
 * only through the four ELOG_* macros each half defines, which is what lets
 * the same header drive a BPF ring buffer and a userspace test capture.
 */
#include <string.h>

#include "schemac.h"

static const char *lower(const struct sc_schema *s, const char *x)
{
	const char *r = sc_lower(s->arena, x);
	return r ? r : x;
}

static const char *upper(const struct sc_schema *s, const char *x)
{
	const char *r = sc_upper(s->arena, x);
	return r ? r : x;
}

/* A constant spelled so that C gives it an unsigned type wide enough. */
static void put_const(FILE *out, uint64_t v, int hex)
{
	const char *sfx = v > UINT32_MAX ? "ull" : v > INT32_MAX ? "u" : "";
	if (hex)
		fprintf(out, "0x%llx%s", (unsigned long long)v, sfx);
	else
		fprintf(out, "%llu%s", (unsigned long long)v, sfx);
}

static void field_decl(FILE *out, const struct sc_field *f)
{
	char note[200] = "";
	size_t n = 0;
#define NOTE(...) (n += (size_t)snprintf(note + n, n < sizeof(note) ? sizeof(note) - n : 0, __VA_ARGS__))
	if (f->type == ELOG_T_CHARS)
		fprintf(out, "\tchar %s[%u];", f->name, f->size);
	else if (f->type == ELOG_T_IN6_ADDR)
		fprintf(out, "\t__u32 %s%s[4];", f->name, f->is_tail ? "[]" : "");
	else
		fprintf(out, "\t%s %s%s;", sc_type_c_name(f->type), f->name, f->is_tail ? "[]" : "");
	if (f->type == ELOG_T_PTR)
		NOTE(" void*");
	else if (f->type == ELOG_T_IN_ADDR)
		NOTE(" in_addr_t, network order");
	else if (f->type == ELOG_T_IN6_ADDR)
		NOTE(" in6_addr_t, network order");
	switch (f->annot) {
	case ELOG_A_HEX: NOTE(" hex"); break;
	case ELOG_A_NTOHS: NOTE(" network order (ntohs)"); break;
	case ELOG_A_ENUM: NOTE(" enum %.64s", f->values->name); break;
	case ELOG_A_FLAG: NOTE(" flag %.64s", f->values->name); break;
	case ELOG_A_NONE: break;
	}
	if (f->is_tail)
		NOTE(" at most %u, count in field %d", f->max_count, f->count_field + 1);
#undef NOTE
	if (n)
		fprintf(out, " /*%s */", note);
	fputc('\n', out);
}

static void emit_struct(const struct sc_schema *s, FILE *out, const struct sc_struct *st)
{
	const char *lo = lower(s, st->name);
	fprintf(out, "/* STRUCT %s: %u bytes */\nstruct %s_eventlog_%s {\n", st->name, st->size,
		s->provider, lo);
	for (size_t i = 0; i < st->n; i++)
		field_decl(out, &st->f[i]);
	fprintf(out, "};\n_Static_assert(sizeof(struct %s_eventlog_%s) == %u, \"%s_eventlog_%s: size\");\n",
		s->provider, lo, st->size, s->provider, lo);
	for (size_t i = 0; i < st->n; i++)
		fprintf(out, "_Static_assert(__builtin_offsetof(struct %s_eventlog_%s, %s) == %u, "
			"\"%s_eventlog_%s: offset of %s\");\n",
			s->provider, lo, st->f[i].name, st->f[i].offset, s->provider, lo, st->f[i].name);
	for (size_t i = 0; i < st->n; i++)
		if (st->f[i].is_tail)
			fprintf(out, "#define %s_EVENTLOG_%s_%s_MAX %u\n", s->PROVIDER, upper(s, st->name),
				upper(s, st->f[i].name), st->f[i].max_count);
	fputc('\n', out);
}

static void param_list(FILE *out, const struct sc_struct *st)
{
	fputs("_elog_s", out);
	for (size_t i = 0; st && i < st->n; i++)
		fprintf(out, ", _elog_a_%s", st->f[i].name);
}

/* Human-readable signature above each macro. */
static void param_doc(FILE *out, const struct sc_struct *st)
{
	fputs("session", out);
	for (size_t i = 0; st && i < st->n; i++) {
		const struct sc_field *f = &st->f[i];
		if (f->is_tail)
			fprintf(out, ", const %s *%s%s", sc_type_c_name(f->type), f->name,
				f->type == ELOG_T_IN6_ADDR ? " (4 per address)" : "");
		else if (f->type == ELOG_T_CHARS)
			fprintf(out, ", const char *%s", f->name);
		else if (f->type == ELOG_T_IN6_ADDR)
			fprintf(out, ", const void *%s (16 bytes)", f->name);
		else if (f->type == ELOG_T_PTR)
			fprintf(out, ", const void *%s", f->name);
		else
			fprintf(out, ", %s %s", sc_type_c_name(f->type), f->name);
	}
}

static void emit_event(const struct sc_schema *s, FILE *out, const struct sc_event *ev)
{
	const char *P = s->PROVIDER, *E = upper(s, ev->name);
	const struct sc_struct *st = ev->st;
	fprintf(out, "/* EVENT %s %u %s", ev->name, ev->id, sc_level_name(ev->level));
	fprintf(out, " %s %s%s */\n", ev->kw_text, st ? st->name : "NONE", ev->implicit ? " (implicit)" : "");
	fprintf(out, "#define %s_EVENTLOG_%s_ID %uu\n", P, E, ev->id);
	fprintf(out, "#define %s_EVENTLOG_%s_LEVEL %d /* %s */\n", P, E, (int)ev->level,
		sc_level_name(ev->level));
	fprintf(out, "#define %s_EVENTLOG_%s_KEYWORDS 0x%08xu\n", P, E, ev->keywords);
	fprintf(out, "#define %s_EVENTLOG_%s_FORMAT \"", P, E);
	sc_put_c_string(out, ev->format, ev->format_len);
	fputs("\"\n", out);
	fprintf(out, "#define %s_EVENTLOG_%s_ENABLED(_elog_s) \\\n\tELOG_SESSION_ENABLED((_elog_s), "
		"%s_EVENTLOG_%s_LEVEL, %s_EVENTLOG_%s_KEYWORDS)\n", P, E, P, E, P, E);

	fprintf(out, "/* %s_EVENTLOG_%s_LOG_ALWAYS(", P, E);
	param_doc(out, st);
	fprintf(out, ") */\n#define %s_EVENTLOG_%s_LOG_ALWAYS(", P, E);
	param_list(out, st);
	fputs(") do { \\\n", out);
	if (!st)
		fprintf(out, "\tELOG_EMIT((_elog_s), %s_EVENTLOG_%s_ID, %s_EVENTLOG_%s_LEVEL, "
			"%s_EVENTLOG_%s_KEYWORDS, (void *)0, 0); \\\n", P, E, P, E, P, E);
	const struct sc_field *tail = st && st->f[st->n - 1].is_tail ? &st->f[st->n - 1] : NULL;
	const char *ev_ = tail ? "_elog_u._elog_h." : "_elog_ev.";
	if (st) {
		const char *lo = lower(s, st->name);
		if (tail) {
			/* The union gives the tail its maximum room right where
			 * the flexible array starts. */
			fprintf(out, "\tunion { struct %s_eventlog_%s _elog_h; __u8 _elog_b[%u]; } _elog_u; \\\n"
				"\t__builtin_memset(&_elog_u, 0, sizeof(_elog_u)); \\\n"
				"\t__u64 _elog_n = (__u64)(_elog_a_%s); \\\n"
				"\tif (_elog_n > %u) \\\n\t\t_elog_n = %u; \\\n",
				s->provider, lo, tail->offset + tail->size * tail->max_count,
				st->f[tail->count_field].name, tail->max_count, tail->max_count);
		} else {
			fprintf(out, "\tstruct %s_eventlog_%s _elog_ev; \\\n"
				"\t__builtin_memset(&_elog_ev, 0, sizeof(_elog_ev)); \\\n", s->provider, lo);
		}
		for (size_t i = 0; i < st->n; i++) {
			const struct sc_field *f = &st->f[i];
			if (f->is_tail)
				fprintf(out, "\tELOG_MEMCPY(%s%s, (_elog_a_%s), _elog_n * %u); \\\n", ev_, f->name,
					f->name, f->size);
			else if (tail && (int)i == tail->count_field)
				fprintf(out, "\t%s%s = (%s)_elog_n; \\\n", ev_, f->name, sc_type_c_name(f->type));
			else if (f->type == ELOG_T_CHARS)
				fprintf(out, "\tELOG_STRCPY(%s%s, (_elog_a_%s), sizeof(%s%s)); \\\n", ev_, f->name,
					f->name, ev_, f->name);
			else if (f->type == ELOG_T_IN6_ADDR)
				fprintf(out, "\tELOG_MEMCPY(%s%s, (_elog_a_%s), 16); \\\n", ev_, f->name, f->name);
			else if (f->type == ELOG_T_PTR)
				fprintf(out, "\t%s%s = (__u64)(unsigned long)(_elog_a_%s); \\\n", ev_, f->name, f->name);
			else
				fprintf(out, "\t%s%s = (_elog_a_%s); \\\n", ev_, f->name, f->name);
		}
		if (tail)
			fprintf(out, "\tELOG_EMIT((_elog_s), %s_EVENTLOG_%s_ID, %s_EVENTLOG_%s_LEVEL, "
				"%s_EVENTLOG_%s_KEYWORDS, &_elog_u, %u + _elog_n * %u); \\\n",
				P, E, P, E, P, E, tail->offset, tail->size);
		else
			fprintf(out, "\tELOG_EMIT((_elog_s), %s_EVENTLOG_%s_ID, %s_EVENTLOG_%s_LEVEL, "
				"%s_EVENTLOG_%s_KEYWORDS, &_elog_ev, sizeof(_elog_ev)); \\\n", P, E, P, E, P, E);
	}
	fputs("} while (0)\n", out);

	fprintf(out, "#define %s_EVENTLOG_%s_LOG(", P, E);
	param_list(out, st);
	fprintf(out, ") do { \\\n\tif (%s_EVENTLOG_%s_ENABLED(_elog_s)) \\\n\t\t%s_EVENTLOG_%s_LOG_ALWAYS(",
		P, E, P, E);
	param_list(out, st);
	fputs("); \\\n} while (0)\n\n", out);
}

int sc_emit_producer(const struct sc_schema *s, FILE *out, struct sc_error *err)
{
	const char *P = s->PROVIDER;
	fprintf(out, "/* SPDX-License-Identifier: BSD-2-Clause */\n"
		"/*\n * %s_eventlog.h: generated by elog-schemac from %s, do not edit.\n *\n"
		" * Producer API of provider \"%s\". Before including it, define:\n"
		" *   ELOG_SESSION_ENABLED(s, level, keywords)  non-zero if s would deliver such an event\n"
		" *   ELOG_EMIT(s, id, level, keywords, payload, len)  write one event for s\n"
		" *   ELOG_STRCPY(dst, src, size)  bounded, NUL-terminated copy into zeroed char[size]\n"
		" *   ELOG_MEMCPY(dst, src, len)  copy len bytes (in6_addr_t fields, variable tails)\n"
		" * The _LOG macros evaluate the session argument more than once.\n */\n",
		s->provider, s->file, s->provider);
	fprintf(out, "#ifndef __ELOG_%s_EVENTLOG_H\n#define __ELOG_%s_EVENTLOG_H\n\n", P, P);
	fputs("#ifndef __VMLINUX_H__\n#include <linux/types.h>\n#endif\n\n", out);
	fprintf(out, "#define %s_EVENTLOG_PROVIDER_NAME \"%s\"\n\n/* Keywords */\n", P, s->provider);
	for (size_t i = 0; i < s->nkw; i++)
		fprintf(out, "#define %s_EVENTLOG_KEYWORD_%s 0x%08xu\n", P, upper(s, s->kw[i].name), s->kw[i].mask);
	fputc('\n', out);
	for (size_t i = 0; i < s->nenums; i++) {
		const struct sc_valueset *vs = s->enums[i];
		fprintf(out, "/* ENUM %s */\n", vs->name);
		for (size_t k = 0; k < vs->n; k++) {
			fprintf(out, "#define %s_EVENTLOG_%s_%s ", P, upper(s, vs->name), upper(s, vs->v[k].name));
			put_const(out, vs->v[k].value, 0);
			fputc('\n', out);
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < s->nflags; i++) {
		const struct sc_valueset *vs = s->flags[i];
		fprintf(out, "/* FLAG %s */\n", vs->name);
		for (size_t k = 0; k < vs->n; k++) {
			fprintf(out, "#define %s_EVENTLOG_FLAG_%s ", P, upper(s, vs->v[k].name));
			put_const(out, vs->v[k].value, 1);
			fputc('\n', out);
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < s->nstructs; i++)
		emit_struct(s, out, s->structs[i]);
	for (size_t i = 0; i < s->nev; i++)
		emit_event(s, out, &s->ev[i]);
	fprintf(out, "#endif /* __ELOG_%s_EVENTLOG_H */\n", P);
	if (fflush(out) || ferror(out))
		return sc_errorf(err, 0, 0, "write error");
	return 0;
}
