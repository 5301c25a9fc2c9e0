// SPDX-License-Identifier: BSD-2-Clause
/*
 * ClickHouse DDL (elog-schemac --clickhouse): one table per event with a
 * typed column per payload field after the common columns
 * (include/eventlog/clickhouse.h holds the rules the sink shares), and a
 * Merge table <provider>_events over all of them for questions that span
 * events. With a cluster name (--clickhouse-cluster) every event gets a
 * <table>_local MergeTree on each shard and a Distributed <table> sharded
 * by host, so one host's events live on one shard.
 *
 * One table per event rather than one wide table: a row carries only its
 * own fields, so an insert sends and the server parses a few dozen bytes
 * per event instead of every field of every event, and a query about RTOs
 * reads only RTO rows. Everything is valid on the 18.16 server.
 */
#include <string.h>

#include <eventlog/clickhouse.h>

#include "schemac.h"

static const char *cluster;
/* Named in every statement: a Merge or Distributed table that said
 * currentDatabase() would look in the server's default database once it
 * is re-attached at the next start. */
static const char *database = "eventlog";

void sc_clickhouse_options(const char *db, const char *cluster_name)
{
	database = db ? db : "eventlog";
	cluster = cluster_name;
}

/* A ClickHouse string literal. */
static void sql_str(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('\'', out);
}

static void table_name(FILE *out, const struct sc_schema *s, const struct sc_event *ev)
{
	fprintf(out, "%s.%s", database, s->provider);
	fputc('_', out);
	for (const char *p = ev->name; *p; p++)
		fputc(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p, out);
}

static void field_type(FILE *out, const struct sc_field *f)
{
	const char *t = elog_ch_scalar_type(f->type);

	if (f->is_tail && elog_ch_tail_is_text(f->type, (uint16_t)f->size))
		fputs("String", out);
	else if (f->is_tail)
		fprintf(out, "Array(%s)", t);
	else
		fputs(t, out);
}

/* The ALIAS columns of an ENUM or FLAG scalar field, if any. */
static void field_aliases(FILE *out, const char *col, const struct sc_field *f)
{
	const struct sc_valueset *vs = f->values;
	uint64_t known = 0;

	if (f->is_tail || vs == NULL)
		return;
	if (f->annot == ELOG_A_ENUM) {
		/* Values are listed as 64-bit patterns (a negative one
		 * sign-extended), which toUInt64() of the column matches. */
		fprintf(out, ",\n    %s_name String ALIAS transform(toUInt64(%s), [", col, col);
		for (size_t i = 0; i < vs->n; i++)
			fprintf(out, "%s%llu", i ? ", " : "", (unsigned long long)vs->v[i].value);
		fputs("], [", out);
		for (size_t i = 0; i < vs->n; i++) {
			fputs(i ? ", " : "", out);
			sql_str(out, vs->v[i].name);
		}
		fprintf(out, "], toString(%s))", col);
	} else if (f->annot == ELOG_A_FLAG) {
		fprintf(out, ",\n    %s_names Array(String) ALIAS arrayFilter(x -> x != '', [", col);
		for (size_t i = 0; i < vs->n; i++) {
			unsigned long long m = (unsigned long long)vs->v[i].value;

			known |= m;
			fputs(i ? ", " : "", out);
			/* A zero mask is never shown as set (as elog_flags_next). */
			if (m == 0) {
				fputs("''", out);
				continue;
			}
			fprintf(out, "if(bitAnd(toUInt64(%s), %llu) = %llu, ", col, m, m);
			sql_str(out, vs->v[i].name);
			fputs(", '')", out);
		}
		fprintf(out, "])");
		fprintf(out, ",\n    %s_unknown UInt64 ALIAS bitAnd(toUInt64(%s), %llu)", col, col,
			(unsigned long long)~known);
	}
}

/* Every column name of an event's table is distinct, aliases included. */
static int check_names(const struct sc_schema *s, const struct sc_event *ev, struct sc_error *err)
{
	const struct sc_struct *st = ev->st;
	char (*names)[80];
	size_t n = 0, cap;
	int rc = 0;

	if (st == NULL)
		return 0;
	cap = ELOG_CH_COMMON_COUNT + 3 * st->n;
	names = sc_alloc(s->arena, cap * sizeof(*names));
	if (names == NULL)
		return sc_errorf(err, 0, 0, "out of memory");
	for (size_t i = 0; i < ELOG_CH_COMMON_COUNT; i++)
		snprintf(names[n++], sizeof(names[0]), "%s", elog_ch_common[i].name);
	for (size_t i = 0; i < st->n; i++) {
		const struct sc_field *f = &st->f[i];
		const char *pre = elog_ch_field_prefix(f->name);

		snprintf(names[n++], sizeof(names[0]), "%s%s", pre, f->name);
		if (!f->is_tail && f->annot == ELOG_A_ENUM)
			snprintf(names[n++], sizeof(names[0]), "%s%s_name", pre, f->name);
		if (!f->is_tail && f->annot == ELOG_A_FLAG) {
			snprintf(names[n++], sizeof(names[0]), "%s%s_names", pre, f->name);
			snprintf(names[n++], sizeof(names[0]), "%s%s_unknown", pre, f->name);
		}
	}
	for (size_t i = 0; i < n && !rc; i++)
		for (size_t k = i + 1; k < n && !rc; k++)
			if (strcmp(names[i], names[k]) == 0)
				rc = sc_errorf(err, ev->loc.line, ev->loc.col,
					       "event %s: ClickHouse column %s would be defined twice",
					       ev->name, names[i]);
	return rc;
}

static void emit_columns(FILE *out, const struct sc_schema *s, const struct sc_event *ev)
{
	fputs("(\n", out);
	for (size_t i = 0; i < ELOG_CH_COMMON_COUNT; i++) {
		const struct elog_ch_column *c = &elog_ch_common[i];

		fprintf(out, "%s    %s %s", i ? ",\n" : "", c->name, c->type);
		if (c->fill == ELOG_CH_MATERIAL)
			/* DEFAULT, not MATERIALIZED: a Distributed table of
			 * 18.16 sends it to the shard, which refuses to be
			 * given a MATERIALIZED column. */
			fputs(" DEFAULT toDateTime(intDiv(time_us, 1000000))", out);
		else if (i == ELOG_CH_PROVIDER) {
			fputs(" DEFAULT ", out);
			sql_str(out, s->provider);
		} else if (i == ELOG_CH_EVENT) {
			fputs(" DEFAULT ", out);
			sql_str(out, ev->name);
		} else if (i == ELOG_CH_EVENT_ID)
			fprintf(out, " DEFAULT %u", ev->id);
	}
	for (size_t i = 0; ev->st && i < ev->st->n; i++) {
		const struct sc_field *f = &ev->st->f[i];
		char col[80];

		snprintf(col, sizeof(col), "%s%s", elog_ch_field_prefix(f->name), f->name);
		fprintf(out, ",\n    %s ", col);
		field_type(out, f);
		field_aliases(out, col, f);
	}
	fputs("\n)\n", out);
}

static void emit_event(FILE *out, const struct sc_schema *s, const struct sc_event *ev)
{
	fprintf(out, "-- %s (id %u)\nCREATE TABLE IF NOT EXISTS ", ev->name, ev->id);
	table_name(out, s, ev);
	if (cluster)
		fputs("_local", out);
	fputc('\n', out);
	emit_columns(out, s, ev);
	fputs("ENGINE = ReplacingMergeTree()\nPARTITION BY " ELOG_CH_PARTITION_BY
	      "\nORDER BY " ELOG_CH_ORDER_BY ";\n\n", out);
	if (!cluster)
		return;
	fputs("CREATE TABLE IF NOT EXISTS ", out);
	table_name(out, s, ev);
	fputs(" AS ", out);
	table_name(out, s, ev);
	fprintf(out, "_local\nENGINE = Distributed(%s, %s, %s_", cluster, database, s->provider);
	for (const char *p = ev->name; *p; p++)
		fputc(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p, out);
	fputs("_local, cityHash64(host));\n\n", out);
}

int sc_emit_clickhouse(const struct sc_schema *s, FILE *out, struct sc_error *err)
{
	for (size_t i = 0; i < s->nev; i++)
		if (check_names(s, &s->ev[i], err))
			return -1;
	fprintf(out, "-- ClickHouse tables of provider %s, generated by elog-schemac from %s;\n"
		"-- do not edit. One table per event: <provider>_<event>, the common columns\n"
		"-- then one typed column per field (include/eventlog/clickhouse.h), and\n"
		"-- %s_events, a Merge table of the common columns over all of them.\n", s->provider,
		s->file, s->provider);
	if (cluster)
		fprintf(out, "-- Sharded: <table>_local on every server of cluster %s, and a\n"
			"-- Distributed <table> over them, sharded by host.\n", cluster);
	fprintf(out, "\nCREATE DATABASE IF NOT EXISTS %s;\n\n", database);
	for (size_t i = 0; i < s->nev; i++)
		emit_event(out, s, &s->ev[i]);
	fprintf(out, "CREATE TABLE IF NOT EXISTS %s.%s_events\n(\n", database, s->provider);
	for (size_t i = 0; i < ELOG_CH_COMMON_COUNT; i++)
		fprintf(out, "%s    %s %s", i ? ",\n" : "", elog_ch_common[i].name, elog_ch_common[i].type);
	fprintf(out, "\n)\nENGINE = Merge(%s, '^%s_(", database, s->provider);
	for (size_t i = 0; i < s->nev; i++) {
		if (i)
			fputc('|', out);
		/* The table name less "<provider>_". */
		for (const char *p = s->ev[i].name; *p; p++)
			fputc(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p, out);
	}
	fputs(")$');\n", out);
	if (fflush(out) || ferror(out))
		return sc_errorf(err, 0, 0, "write error");
	return 0;
}
