// SPDX-License-Identifier: BSD-2-Clause
/*
 * elog-schemac: command line. The only place that prints or exits; the
 * stages below report through struct sc_error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schemac.h"

#define INPUT_MAX (16u << 20)

static void usage_to(FILE *f)
{
	fputs("usage: elog-schemac [--header FILE] [--tables FILE] [--markdown FILE]\n"
	      "                    [--json FILE] [--clickhouse FILE [--clickhouse-database DB]\n"
	      "                    [--clickhouse-cluster NAME]] SCHEMA.src\n"
	      "       elog-schemac --check SCHEMA.src\n"
	      "       elog-schemac -h | --help | --version\n"
	      "FILE may be - for standard output.\n", f);
}

/* After a usage error: on stderr. */
static void usage(void)
{
	usage_to(stderr);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "elog-schemac: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap >= INPUT_MAX) {
				fprintf(stderr, "elog-schemac: %s: larger than %u bytes\n", path, INPUT_MAX);
				free(buf);
				buf = NULL;
				break;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				fprintf(stderr, "elog-schemac: %s: read error\n", path);
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

typedef int (*emit_fn)(const struct sc_schema *, FILE *, struct sc_error *);

/* Output goes to a temporary file renamed into place, so an interrupted
 * build never leaves a half-written header behind for make to trust. */
static int write_output(const char *path, const struct sc_schema *s, emit_fn fn)
{
	struct sc_error err = { .file = path };
	if (!strcmp(path, "-")) {
		int r = fn(s, stdout, &err);
		if (r)
			fprintf(stderr, "elog-schemac: %s\n", err.msg);
		return r;
	}
	size_t len = strlen(path) + 16;
	char *tmp = malloc(len);
	if (!tmp)
		return -1;
	snprintf(tmp, len, "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "elog-schemac: %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	int r = fn(s, f, &err);
	if (fclose(f) && !r)
		r = sc_errorf(&err, 0, 0, "write error");
	if (!r && rename(tmp, path))
		r = sc_errorf(&err, 0, 0, "rename %s: %s", tmp, strerror(errno));
	if (r) {
		fprintf(stderr, "elog-schemac: %s: %s\n", path, err.msg);
		remove(tmp);
	}
	free(tmp);
	return r;
}

int main(int argc, char **argv)
{
	const char *header = NULL, *tables = NULL, *markdown = NULL, *input = NULL;
	const char *json = NULL;
	const char *clickhouse = NULL, *cluster = NULL, *database = NULL;
	int check = 0, i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = !strcmp(a, "--header") ? &header : !strcmp(a, "--tables") ? &tables
			: !strcmp(a, "--markdown") ? &markdown
			: !strcmp(a, "--json") ? &json
			: !strcmp(a, "--clickhouse") ? &clickhouse
			: !strcmp(a, "--clickhouse-cluster") ? &cluster
			: !strcmp(a, "--clickhouse-database") ? &database : NULL;
		if (dst) {
			if (++i == argc) {
				fprintf(stderr, "elog-schemac: %s needs a file name\n", a);
				return 1;
			}
			*dst = argv[i];
		} else if (!strcmp(a, "--check")) {
			check = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage_to(stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		} else if (!strcmp(a, "--version")) {
			printf("elog-schemac %s\n", ELOG_VERSION);
			return fflush(stdout) == 0 ? 0 : 1;
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "elog-schemac: unknown option %s\n", a);
			usage();
			return 1;
		} else {
			break;
		}
	}
	if (argc - i != 1) {
		usage();
		return 1;
	}
	if ((cluster || database) && !clickhouse) {
		fprintf(stderr, "elog-schemac: --clickhouse-%s needs --clickhouse\n",
			cluster ? "cluster" : "database");
		return 1;
	}
	if (database && !sc_is_ident(database, strlen(database))) {
		fprintf(stderr, "elog-schemac: --clickhouse-database: not an identifier: %s\n",
			database);
		return 1;
	}
	/* The name goes into the DDL as is: only an identifier. */
	if (cluster && !sc_is_ident(cluster, strlen(cluster))) {
		fprintf(stderr, "elog-schemac: --clickhouse-cluster: not an identifier: %s\n", cluster);
		return 1;
	}
	input = argv[i];
	size_t len;
	char *buf = read_file(input, &len);
	if (!buf)
		return 1;
	struct sc_schema *s;
	struct sc_error err;
	int r = sc_parse(input, buf, len, &s, &err);
	free(buf);
	if (r) {
		if (err.line)
			fprintf(stderr, "%s:%d:%d: %s\n", input, err.line, err.col, err.msg);
		else
			fprintf(stderr, "%s: %s\n", input, err.msg);
		return 1;
	}
	(void)check; /* parsing is the whole of --check */
	r = 0;
	if (header && write_output(header, s, sc_emit_producer))
		r = 1;
	if (tables && write_output(tables, s, sc_emit_tables))
		r = 1;
	if (markdown && write_output(markdown, s, sc_emit_markdown))
		r = 1;
	if (json && write_output(json, s, sc_emit_json))
		r = 1;
	sc_clickhouse_options(database, cluster);
	if (clickhouse && write_output(clickhouse, s, sc_emit_clickhouse))
		r = 1;
	sc_schema_free(s);
	return r;
}
