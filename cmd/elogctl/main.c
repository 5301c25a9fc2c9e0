// SPDX-License-Identifier: BSD-2-Clause
/*
 * elogctl(8): eventlog's sysctl(8). Reads and writes the eventlog controls
 * by name, and loads or unloads providers.
 *
 *   elogctl [-n] [-a] [name[=value] ...]
 *   elogctl [-L provider] ... [-U provider] ... [-l] [-V]
 *
 * main() is the only place that prints errors; each failing name gives one
 * message, the others are still processed, and the exit status is 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "oid.h"
#include "rt/rt.h"

#define MAX_OIDS 256

static struct oid oids[MAX_OIDS];
static size_t noids;
static int value_only;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: elogctl [-n] [-a] [name[=value] ...]\n"
		"       elogctl -L provider    load a provider\n"
		"       elogctl -U provider    unload a provider (detach and unpin everything)\n"
		"       elogctl -l             list providers and whether they are loaded\n"
		"       elogctl -V             verify every provider's BPF programs (nothing attached)\n"
		"       elogctl -h | --help    this text\n"
		"       elogctl --version      print the version\n");
}

static int show(const struct oid *o)
{
	struct elog_error err = { 0 };
	int64_t v;

	if (o->text) {
		static char buf[ELOG_CONTROL_TEXT_MAX];

		if (oid_read_text(o, buf, sizeof(buf), &err)) {
			fprintf(stderr, "elogctl: %s: %s\n", o->name, err.msg);
			return 1;
		}
		if (value_only)
			printf("%s\n", buf);
		else
			printf("%s: %s\n", o->name, buf);
		return 0;
	}
	if (oid_read(o, &v, &err)) {
		fprintf(stderr, "elogctl: %s: %s\n", o->name, err.msg);
		return 1;
	}
	if (value_only)
		printf("%lld\n", (long long)v);
	else
		printf("%s: %lld\n", o->name, (long long)v);
	return 0;
}

/*
 * Providers that are not for users (elog_provider_ops.internal: the
 * framework's test provider, which the tests and benchmarks drive): -l, -a
 * and a subtree query above them leave them out unless they are loaded;
 * their names and -L/-U still work when given.
 */
static bool internal(const char *provider)
{
	const struct elog_provider_ops *ops = elog_rt_find_provider(provider);

	return ops != NULL && ops->internal;
}

static bool hidden(const char *provider)
{
	return internal(provider) && elog_rt_is_loaded(provider) != 1;
}

/* Whether a query names provider p (kern.eventlog.p or below it). */
static bool names_provider(const char *name, const char *p)
{
	char node[96];

	snprintf(node, sizeof(node), "kern.eventlog.%s", p);
	return !strncmp(name, node, strlen(node)) &&
	       (name[strlen(node)] == '\0' || name[strlen(node)] == '.');
}

/* An exact name, or a node: every OID below it (sysctl(8) prints subtrees). */
static int query(const char *name)
{
	size_t i, len = strlen(name), hits = 0;
	int rc = 0;

	for (i = 0; i < noids; i++) {
		if (!strcmp(oids[i].name, name))
			return show(&oids[i]);
	}
	for (i = 0; i < noids; i++) {
		if (len && !strncmp(oids[i].name, name, len) && oids[i].name[len] == '.') {
			/* kern.eventlog names no provider: an internal one
			 * only when loaded; kern.eventlog.test names it. */
			if (!names_provider(name, oids[i].provider) && hidden(oids[i].provider))
				continue;
			rc |= show(&oids[i]);
			hits++;
		}
	}
	if (!hits) {
		fprintf(stderr, "elogctl: unknown oid '%s'\n", name);
		return 1;
	}
	return rc;
}

static int assign_text(const struct oid *o, const char *value)
{
	static char old[ELOG_CONTROL_TEXT_MAX], now[ELOG_CONTROL_TEXT_MAX];
	struct elog_error err = { 0 };

	if (oid_write_text(o, value, old, now, sizeof(old), &err)) {
		fprintf(stderr, "elogctl: %s: %s\n", o->name, err.msg);
		return 1;
	}
	if (value_only)
		printf("%s -> %s\n", old, now);
	else
		printf("%s: %s -> %s\n", o->name, old, now);
	return 0;
}

static int assign(const char *arg)
{
	struct elog_error err = { 0 };
	const char *eq = strchr(arg, '=');
	char name[128];
	int64_t old, now;
	long long v;
	bool v_ok;
	size_t i;

	if (elogctl_parse_assignment(arg, name, sizeof(name), &v, &v_ok)) {
		fprintf(stderr, "elogctl: unknown oid '%.*s'\n", (int)(eq - arg), arg);
		return 1;
	}
	for (i = 0; i < noids && strcmp(oids[i].name, name); i++)
		;
	if (i == noids) {
		fprintf(stderr, "elogctl: unknown oid '%s'\n", name);
		return 1;
	}
	if (!oids[i].writable) {
		fprintf(stderr, "elogctl: oid '%s' is read only\n", name);
		return 1;
	}
	if (oids[i].text)
		return assign_text(&oids[i], eq + 1);
	if (!v_ok) {
		fprintf(stderr, "elogctl: %s: invalid integer '%s'\n", name, eq + 1);
		return 1;
	}
	if (oid_write(&oids[i], v, &old, &now, &err)) {
		fprintf(stderr, "elogctl: %s: %s\n", name, err.msg);
		return 1;
	}
	if (value_only)
		printf("%lld -> %lld\n", (long long)old, (long long)now);
	else
		printf("%s: %lld -> %lld\n", name, (long long)old, (long long)now);
	return 0;
}

static int load(const char *p, int unload)
{
	struct elog_error err = { 0 };
	struct elog_rt *rt;
	int ret;

	if (unload)
		ret = elog_rt_unload(p, &err);
	else if (!(ret = elog_rt_open(p, ELOG_RT_LOAD, &rt, &err)))
		elog_rt_close(rt);
	if (ret) {
		fprintf(stderr, "elogctl: %s %s: %s\n", unload ? "unload" : "load", p, err.msg);
		return 1;
	}
	return 0;
}

/* Lists the providers; opening a loaded one also reclaims the slots of
 * captures that died, as every other runtime entry point does. Whether
 * one is loaded is in the pin directory, which only root may read: without
 * privilege that is said, not guessed. */
static int list(void)
{
	struct elog_error err;
	struct elog_rt *rt;
	int rc = 0;
	size_t i;

	if (elog_rt_check_privilege(&err)) {
		for (i = 0; i < elog_rt_provider_count(); i++) {
			const struct elog_provider_ops *ops = elog_rt_provider_at(i);

			if (!internal(ops->name))
				printf("%s id %u state unknown\n", ops->name, ops->id);
		}
		fprintf(stderr, "elogctl: -l: whether a provider is loaded cannot be read "
				"without privilege: %s\n", err.msg);
		return 1;
	}
	for (i = 0; i < elog_rt_provider_count(); i++) {
		const struct elog_provider_ops *ops = elog_rt_provider_at(i);
		int loaded = elog_rt_is_loaded(ops->name) == 1;

		if (!loaded && internal(ops->name))
			continue;
		printf("%s id %u %s\n", ops->name, ops->id, loaded ? "loaded" : "not loaded");
		if (!loaded)
			continue;
		if (elog_rt_open(ops->name, 0, &rt, &err)) {
			fprintf(stderr, "elogctl: %s\n", err.msg);
			rc = 1;
			continue;
		}
		elog_rt_close(rt);
	}
	return rc;
}

/*
 * What the kernel's verifier says of every program of every provider built
 * in: each object is loaded and closed again, nothing attached or pinned.
 * One row per program; a refused program is reported and makes the exit
 * status 1, the other providers are still verified.
 */
static int verify(void)
{
	struct elog_prog_stats st[64];
	struct elog_error err;
	int rc = 0;
	size_t i, j, n;

	printf("%-8s %-24s %8s %7s %8s %8s %9s\n", "provider", "program", "insns", "limit%",
	       "states", "peak", "verify_us");
	for (i = 0; i < elog_rt_provider_count(); i++) {
		const struct elog_provider_ops *ops = elog_rt_provider_at(i);
		int ret = elog_rt_verify(ops, st, sizeof(st) / sizeof(st[0]), &n, &err);

		for (j = 0; j < n; j++) {
			if (!st[j].loaded)
				continue;
			printf("%-8s %-24s %8ld %6.1f%% %8ld %8ld %9ld\n", ops->name, st[j].name,
			       st[j].insns,
			       st[j].insn_limit > 0 ? 100.0 * st[j].insns / st[j].insn_limit : 0.0,
			       st[j].total_states, st[j].peak_states, st[j].verify_us);
		}
		if (ret) {
			fprintf(stderr, "elogctl: verify %s\n", err.msg);
			rc = 1;
		}
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct elogctl_args a;
	int rc = 0, i;

	switch (elogctl_parse_args(argc, argv, &a)) {
	case 0:
		break;
	case -2:
		fprintf(stderr, "elogctl: too many -%c\n", a.too_many);
		return 1;
	case ELOGCTL_HELP:
		usage(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	case ELOGCTL_VERSION:
		printf("elogctl %s\n", ELOG_VERSION);
		return fflush(stdout) == 0 ? 0 : 1;
	default:
		usage(stderr);
		return 1;
	}
	value_only = a.value_only;
	noids = oid_list(oids, MAX_OIDS);
	for (i = 0; i < a.nload; i++)
		rc |= load(a.load[i], 0);
	for (i = 0; i < a.nunload; i++)
		rc |= load(a.unload[i], 1);
	if (a.list)
		rc |= list();
	if (a.verify)
		rc |= verify();
	if (a.all)
		for (i = 0; i < (int)noids; i++)
			if (!hidden(oids[i].provider))
				rc |= show(&oids[i]);
	for (i = a.first; i < argc; i++)
		rc |= strchr(argv[i], '=') ? assign(argv[i]) : query(argv[i]);
	return rc ? 1 : 0;
}
