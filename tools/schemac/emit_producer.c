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
 * Every event leaves as one record laid out in one piece (header, then
 * payload) and handed to ELOG_EMIT_REC: on BPF one ring write per
 * subscriber copies it whole.
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

/* The longest payload event ev can have (a tail at its maximum). */
static uint32_t payload_max(const struct sc_event *ev)
{
	const struct sc_struct *st = ev->st;
	const struct sc_field *tail;

	if (!st || !st->n)
		return 0;
	tail = &st->f[st->n - 1];
	return tail->is_tail ? tail->offset + tail->size * tail->max_count : st->size;
}

static void emit_event(const struct sc_schema *s, FILE *out, const struct sc_event *ev)
{
	const char *P = s->PROVIDER, *E = upper(s, ev->name);
	const struct sc_struct *st = ev->st;
	const struct sc_field *tail = st && st->n && st->f[st->n - 1].is_tail ? &st->f[st->n - 1] : NULL;
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

	/* _MSG: the record in one piece, header then payload, with room for
	 * the provider's longest payload (so that one emit function, with
	 * one buffer type, takes every event). */
	fprintf(out, "/* %s_EVENTLOG_%s_MSG(m): declares m, the zeroed record: m.hdr (event_id set)%s */\n",
		P, E, st ? ", m.ev" : "");
	fprintf(out, "#define %s_EVENTLOG_%s_MSG(_elog_m) \\\n\tunion { \\\n", P, E);
	if (st)
		fprintf(out, "\t\tstruct { struct elog_event_hdr hdr; struct %s_eventlog_%s ev; }; \\\n",
			s->provider, lower(s, st->name));
	else
		fputs("\t\tstruct elog_event_hdr hdr; \\\n", out);
	fprintf(out, "\t\t__u8 _elog_room[sizeof(struct elog_event_hdr) + %s_EVENTLOG_PAYLOAD_MAX]; \\\n"
		"\t} _elog_m; \\\n\t__builtin_memset(&_elog_m, 0, sizeof(_elog_m)); \\\n"
		"\t_elog_m.hdr.event_id = %s_EVENTLOG_%s_ID\n", P, P, E);
	fprintf(out, "/* %s_EVENTLOG_%s_SEND(session, m): writes m, declared by _MSG */\n", P, E);
	fprintf(out, "#define %s_EVENTLOG_%s_SEND(_elog_s, _elog_m) \\\n\tELOG_EMIT_REC((_elog_s), "
		"%s_EVENTLOG_%s_LEVEL, %s_EVENTLOG_%s_KEYWORDS, &(_elog_m).hdr, ", P, E, P, E, P, E);
	if (!st)
		fputs("0", out);
	else if (tail)
		fprintf(out, "%u + ((_elog_m).ev.%s > %u ? %u : (_elog_m).ev.%s) * %u", tail->offset,
			st->f[tail->count_field].name, tail->max_count, tail->max_count,
			st->f[tail->count_field].name, tail->size);
	else
		fputs("sizeof((_elog_m).ev)", out);
	fprintf(out, ", %s_EVENTLOG_PAYLOAD_MAX)\n", P);

	fprintf(out, "/* %s_EVENTLOG_%s_LOG_ALWAYS(", P, E);
	param_doc(out, st);
	fprintf(out, ") */\n#define %s_EVENTLOG_%s_LOG_ALWAYS(", P, E);
	param_list(out, st);
	fprintf(out, ") do { \\\n\t%s_EVENTLOG_%s_MSG(_elog_m); \\\n", P, E);
	if (tail)
		fprintf(out, "\t__u64 _elog_n = (__u64)(_elog_a_%s); \\\n"
			"\tif (_elog_n > %u) \\\n\t\t_elog_n = %u; \\\n",
			st->f[tail->count_field].name, tail->max_count, tail->max_count);
	for (size_t i = 0; st && i < st->n; i++) {
		const struct sc_field *f = &st->f[i];
		const char *ev_ = "_elog_m.ev.";
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
	/* A tail's length from the clamped count as the macro holds it (the
	 * verifier bounds the copy and the length by the same register). */
	if (tail)
		fprintf(out, "\tELOG_EMIT_REC((_elog_s), %s_EVENTLOG_%s_LEVEL, %s_EVENTLOG_%s_KEYWORDS, "
			"&_elog_m.hdr, %u + _elog_n * %u, %s_EVENTLOG_PAYLOAD_MAX); \\\n",
			P, E, P, E, tail->offset, tail->size, P);
	else
		fprintf(out, "\t%s_EVENTLOG_%s_SEND((_elog_s), _elog_m); \\\n", P, E);
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
		" * Producer API of provider \"%s\". Before using its macros, make\n"
		" * struct elog_event_hdr (eventlog/record.h) visible and define:\n"
		" *   ELOG_SESSION_ENABLED(s, level, keywords)  non-zero if s would deliver such an event\n"
		" *   ELOG_EMIT_REC(s, level, keywords, rec, len, room)  write one record for s: rec\n"
		" *     (struct elog_event_hdr *, event_id set, timestamp 0 or preset) followed by len\n"
		" *     payload bytes, in a buffer of room bytes after the header\n"
		" *   ELOG_STRCPY(dst, src, size)  bounded, NUL-terminated copy into zeroed char[size]\n"
		" *   ELOG_MEMCPY(dst, src, len)  copy len bytes (in6_addr_t fields, variable tails)\n"
		" * Per event, _MSG(m) declares the record and _SEND(s, m) writes it; _LOG_ALWAYS\n"
		" * does both with its arguments as the fields. The _LOG macros evaluate the\n"
		" * session argument more than once.\n */\n",
		s->provider, s->file, s->provider);
	fprintf(out, "#ifndef __ELOG_%s_EVENTLOG_H\n#define __ELOG_%s_EVENTLOG_H\n\n", P, P);
	fputs("#ifndef __VMLINUX_H__\n#include <linux/types.h>\n#endif\n\n", out);
	uint32_t room = 0;
	for (size_t i = 0; i < s->nev; i++)
		if (payload_max(&s->ev[i]) > room)
			room = payload_max(&s->ev[i]);
	fprintf(out, "#define %s_EVENTLOG_PROVIDER_NAME \"%s\"\n", P, s->provider);
	fprintf(out, "/* The longest payload of any event (tails at their maximum): the room\n"
		" * after the header of every record _MSG declares. */\n"
		"#define %s_EVENTLOG_PAYLOAD_MAX %u\n\n/* Keywords */\n", P, room);
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
