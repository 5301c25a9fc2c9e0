// SPDX-License-Identifier: BSD-2-Clause
/*
 * What elog-schemac writes: golden copies of the test schema's outputs, the
 * committed docs/events-*.md being current, the command line,
 * and the producer headers compiling as BPF C.
 */
#include <stdlib.h>
#include <string.h>

#include "t.h"

static void same_file(const char *got, const char *want, const char *hint)
{
	size_t gl = 0, wl = 0;
	char *g = t_slurp(got, &gl), *w = t_slurp(want, &wl);
	size_t line = 1, i = 0;
	if (g && w)
		for (; i < gl && i < wl && g[i] == w[i]; i++)
			line += g[i] == '\n';
	CHECK_MSG(g && w && gl == wl && i == gl, "%s differs from %s (first difference on line %zu); %s",
	      got, want, line, hint);
	free(g);
	free(w);
}

static void golden(const struct t_env *env)
{
	const char *a = t_fmt("%s/test_eventlog.h", env->tmp);
	const char *b = t_fmt("%s/test_eventlog_tables.c", env->tmp);
	const char *c = t_fmt("%s/events-test.md", env->tmp);
	const char *j = t_fmt("%s/test_events.json", env->tmp);
	const char *cmd = t_fmt("%s --header %s --tables %s --markdown %s --json %s schemas/test.src",
				env->schemac, a, b, c, j);
	CHECK_MSG(t_run(cmd) == 0, "%s failed", cmd);
	const char *hint = "if the change is intended, copy the new output into tests/schemac/golden/";
	same_file(a, "tests/schemac/golden/test_eventlog.h", hint);
	same_file(b, "tests/schemac/golden/test_eventlog_tables.c", hint);
	same_file(c, "tests/schemac/golden/events-test.md", hint);
	same_file(j, "tests/schemac/golden/test_events.json", hint);
	/* The committed event reference must match what the schema says now. */
	same_file(c, "docs/events-test.md", "run `make schemac-docs` and commit docs/");
	a = t_fmt("%s/events-tcp.md", env->tmp);
	cmd = t_fmt("%s --markdown %s schemas/tcp.src", env->schemac, a);
	CHECK_MSG(t_run(cmd) == 0, "%s failed", cmd);
	same_file(a, "docs/events-tcp.md", "run `make schemac-docs` and commit docs/");
	/* ClickHouse DDL, on one server and sharded. */
	a = t_fmt("%s/test_clickhouse.sql", env->tmp);
	b = t_fmt("%s/test_clickhouse_cluster.sql", env->tmp);
	cmd = t_fmt("%s --clickhouse %s schemas/test.src && "
		    "%s --clickhouse %s --clickhouse-database fleetdb --clickhouse-cluster fleet "
		    "schemas/test.src",
		    env->schemac, a, env->schemac, b);
	CHECK_MSG(t_run(cmd) == 0, "%s failed", cmd);
	same_file(a, "tests/schemac/golden/test_clickhouse.sql", hint);
	same_file(b, "tests/schemac/golden/test_clickhouse_cluster.sql", hint);
	same_file(t_fmt("%s/test_clickhouse.sql", env->gen), "tests/schemac/golden/test_clickhouse.sql",
		  "rebuild: make");
	/* The build's own copies come from the same compiler and schema. */
	same_file(t_fmt("%s/test_eventlog.h", env->gen), "tests/schemac/golden/test_eventlog.h", "rebuild: make");
}

static void expect_cli(const struct t_env *env, const char *args, int status, const char *stderr_has)
{
	const char *errf = t_fmt("%s/cli.err", env->tmp);
	const char *cmd = t_fmt("%s %s 2>%s >/dev/null", env->schemac, args, errf);
	int st = t_run(cmd);
	char *e = t_slurp(errf, NULL);
	CHECK_MSG(st == status && e && strstr(e, stderr_has),
	      "elog-schemac %s: status %d (want %d), stderr '%s' (want '%s')", args, st, status,
	      e ? e : "", stderr_has);
	free(e);
}

/* Exit 0, nothing on stderr, stdout starting with `want`. */
static void expect_stdout(const struct t_env *env, const char *args, const char *want)
{
	const char *outf = t_fmt("%s/cli.out", env->tmp), *errf = t_fmt("%s/cli.err", env->tmp);
	int st = t_run(t_fmt("%s %s >%s 2>%s", env->schemac, args, outf, errf));
	char *o = t_slurp(outf, NULL), *e = t_slurp(errf, NULL);

	CHECK_MSG(st == 0 && o && !strncmp(o, want, strlen(want)) && e && !*e,
	      "elog-schemac %s: status %d (want 0), stdout '%s' (want '%s...'), stderr '%s'", args, st,
	      o ? o : "", want, e ? e : "");
	free(o);
	free(e);
}

static void cli(const struct t_env *env)
{
	expect_cli(env, "", 1, "usage: elog-schemac");
	/* Asked for: on stdout, exit 0. */
	expect_stdout(env, "-h", "usage: elog-schemac");
	expect_stdout(env, "--help", "usage: elog-schemac");
	expect_stdout(env, "--version", "elog-schemac " ELOG_VERSION "\n");
	expect_cli(env, "--bogus schemas/test.src", 1, "unknown option --bogus");
	expect_cli(env, "--header", 1, "--header needs a file name");
	expect_cli(env, "--check /nonexistent/x.src", 1, "/nonexistent/x.src: No such file");
	expect_cli(env, "--check schemas/test.src", 0, "");
	expect_cli(env, "--header - schemas/test.src", 0, "");
	expect_cli(env, t_fmt("--header %s/no/such/dir/x.h schemas/test.src", env->tmp), 1, "No such file or directory");
	expect_cli(env, "--clickhouse-cluster c schemas/test.src", 1,
		   "--clickhouse-cluster needs --clickhouse");
	expect_cli(env, "--clickhouse-database d schemas/test.src", 1,
		   "--clickhouse-database needs --clickhouse");
	expect_cli(env, "--clickhouse - --clickhouse-database 'x;y' schemas/test.src", 1,
		   "--clickhouse-database: not an identifier: x;y");
	expect_cli(env, "--clickhouse - --clickhouse-cluster 'a b' schemas/test.src", 1,
		   "--clickhouse-cluster: not an identifier: a b");
	expect_cli(env, "--clickhouse - schemas/test.src", 0, "");
	/* An alias column may not shadow a field of the same table. */
	const char *src = t_fmt("%s/ch_collide.src", env->tmp);
	FILE *f = fopen(src, "w");
	CHECK_MSG(f != NULL, "cannot write %s", src);
	if (f) {
		fputs("PROVIDER t\nKEYWORD K 1\nENUM e 0:A\nSTRUCT S a:uint8_t:enum_e a_name:uint8_t\n"
		      "EVENT E 1 INFO K S \"e\"\n", f);
		fclose(f);
		expect_cli(env, t_fmt("--clickhouse - %s", src), 1,
			   "event E: ClickHouse column a_name would be defined twice");
	}
}

/* The header must compile as BPF C, against vmlinux.h-style typedefs. */
static void bpf(const struct t_env *env)
{
	const char *cmd = t_fmt("%s -target bpf -O2 -Wall -Wextra -Werror -Iinclude -I%s -c "
				"tests/schemac/bpf_check.c -o %s/bpf_check.o", env->clang, env->gen, env->tmp);
	CHECK_MSG(t_run(cmd) == 0, "%s failed", cmd);
}

void t_outputs(const struct t_env *env)
{
	golden(env);
	cli(env);
	bpf(env);
}
