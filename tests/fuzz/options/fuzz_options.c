// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the command lines of elog(1) and elogctl(8): the
 * same parsing functions the tools run (cmd/elog/options.c,
 * cmd/elogctl/args.c), over arbitrary argument vectors.
 *
 * Input: byte 0 selects the tool (even: elog, odd: elogctl); the rest is
 * the argument list, arguments separated by NUL bytes (at most 64). Each
 * argument is copied into its own allocation so ASan sees any read past its
 * end, and so a parser keeping pointers into a previous argv is caught.
 *
 * Beyond "no crash, no undefined behaviour, no leak", every accepted
 * command line must satisfy what the capture and decode modes rely on
 * (the invariants below); a violation aborts.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/schema.h>

#include "args.h"
#include "elog.h"
#include "eventlog_abi.h"
#include "format.h"
#include "options.h"

#define MAX_ARGS 64

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__);                             \
			abort();                                                 \
		}                                                                \
	} while (0)

static int in_argv(int argc, char **argv, const char *p)
{
	for (int i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

static void check_elog(int argc, char **argv)
{
	struct elog_options o;
	struct elog_error err = { 0, "" };
	int rc = elog_parse_options(argc, argv, &o, &err);

	if (rc == -1) {
		/* Every refusal says why (the message may quote the
		 * argument, newlines included: that is the user's input). */
		CHECK(err.msg[0] != '\0' && strlen(err.msg) < sizeof(err.msg));
	} else if (rc == 0) {
		CHECK(o.mode == ELOG_MODE_CAPTURE || o.mode == ELOG_MODE_READ ||
		      o.mode == ELOG_MODE_BB_DUMP);
		if (o.mode == ELOG_MODE_BB_DUMP) {
			/* --dump takes nothing of another mode. */
			CHECK(o.bb_dump_provider != NULL &&
			      in_argv(argc, argv, o.bb_dump_provider));
			CHECK(o.subscription_count == 0 && o.read_path == NULL &&
			      o.record_dir == NULL && o.output_kind == ELOG_OUT_TEXT);
			CHECK(o.bb_dump_scope == ELOG_BB_DUMP_ALL ||
			      o.bb_dump_scope == ELOG_BB_DUMP_SESSION ||
			      o.bb_dump_scope == ELOG_BB_DUMP_GROUP);
			if (o.bb_dump_scope == ELOG_BB_DUMP_GROUP)
				CHECK(o.bb_dump_log_id != NULL && o.bb_dump_log_id[0] != '\0' &&
				      strlen(o.bb_dump_log_id) < ELOG_BB_GROUP_NAME_MAX);
		} else if (o.mode == ELOG_MODE_READ) {
			CHECK(o.read_path != NULL && o.read_path_count >= 1);
			CHECK(o.read_paths[0] == o.read_path);
			CHECK(o.read_path_count <= (size_t)argc);
			for (size_t i = 0; i < o.read_path_count; i++)
				CHECK(in_argv(argc, argv, o.read_paths[i]));
			CHECK(o.subscription_count == 0 && o.output_kind == ELOG_OUT_TEXT);
			CHECK(!o.rotate_size && !o.rotate_events);
			CHECK(!(o.json && o.pcapng_path != NULL));
		} else {
			CHECK(o.subscription_count >= 1 &&
			      o.subscription_count <= ELOG_MAX_SUBSCRIPTIONS);
			CHECK(o.pcapng_path == NULL);
			CHECK(o.buffer_size >= ELOG_BUFFER_MIN && o.buffer_size <= ELOG_BUFFER_MAX);
			for (size_t i = 0; i < o.subscription_count; i++) {
				const struct elog_subscription *s = &o.subscriptions[i];

				CHECK(memchr(s->provider, '\0', sizeof(s->provider)) != NULL);
				CHECK(elog_schema_provider(s->provider) != NULL);
				CHECK(s->level <= 5);
				CHECK(s->keywords & ELOG_KEYWORD_SESSION);
				for (size_t j = 0; j < i; j++)
					CHECK(strcmp(s->provider, o.subscriptions[j].provider) != 0);
			}
			if (o.output_kind != ELOG_OUT_TEXT)
				CHECK(o.output_path != NULL && o.output_path[0] != '\0' &&
				      in_argv(argc, argv, o.output_path));
			if (o.rotate_size || o.rotate_events)
				CHECK(o.output_kind == ELOG_OUT_FILE || o.output_kind == ELOG_OUT_DIR);
			if (o.rotate_size)
				CHECK(o.rotate_size >= 4096);
			if (o.json)
				CHECK(o.output_kind == ELOG_OUT_TEXT);
			if (o.file_format == ELOG_FMT_TCP)
				CHECK(o.output_kind == ELOG_OUT_DIR);
		}
	} else {
		CHECK(rc == ELOG_PARSE_HELP || rc == ELOG_PARSE_BAD_OPTION ||
		      rc == ELOG_PARSE_VERSION);
	}
	elog_free_options(&o);
}

static void check_elogctl(int argc, char **argv)
{
	struct elogctl_args a;
	int rc = elogctl_parse_args(argc, argv, &a);

	if (rc == -2) {
		CHECK(a.too_many == 'L' || a.too_many == 'U');
		return;
	}
	if (rc != 0)
		return;
	CHECK(a.first >= 1 && a.first <= argc);
	CHECK(a.nload <= ELOGCTL_MAX_LOADS && a.nunload <= ELOGCTL_MAX_LOADS);
	CHECK(a.all || a.list || a.verify || a.nload || a.nunload || a.first < argc);
	for (int i = 0; i < a.nload; i++)
		CHECK(in_argv(argc, argv, a.load[i]));
	for (int i = 0; i < a.nunload; i++)
		CHECK(in_argv(argc, argv, a.unload[i]));
	for (int i = a.first; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		char name[128];
		long long v;
		bool ok;

		if (!eq)
			continue;
		if (elogctl_parse_assignment(argv[i], name, sizeof(name), &v, &ok)) {
			CHECK((size_t)(eq - argv[i]) >= sizeof(name) && name[0] == '\0');
			continue;
		}
		CHECK(strlen(name) == (size_t)(eq - argv[i]));
		CHECK(memcmp(name, argv[i], strlen(name)) == 0);
		if (ok) /* the value elogctl writes is the one typed */
			CHECK(strtoll(eq + 1, NULL, 10) == v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0, tool;
	size_t i = 1, start;

	if (size < 1)
		return 0;
	tool = data[0] & 1;
	argv[argc++] = strdup(tool ? "elogctl" : "elog");
	while (i <= size && argc <= MAX_ARGS) {
		start = i;
		while (i < size && data[i] != '\0')
			i++;
		if (i == size && start == size)
			break;
		argv[argc] = malloc(i - start + 1);
		memcpy(argv[argc], data + start, i - start);
		argv[argc][i - start] = '\0';
		argc++;
		i++;
	}
	argv[argc] = NULL;
	opterr = 0; /* getopt's own diagnostics are noise here */
	if (tool)
		check_elogctl(argc, argv);
	else
		check_elog(argc, argv);
	for (int k = 0; k < argc; k++)
		free(argv[k]);
	return 0;
}
