// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loading through elog_rt_load_object(): a refused program is named and the
 * reason given in words (too complex, with the instructions processed; or
 * the verifier's own message), and an accepted one comes with the
 * verifier's figures. Loads real programs (refused.bpf.o, the path is the
 * first argument): needs root, as every eventlog load does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "harness.h"
#include "rt/rt.h"

static const char *object_path;

/* Loads only program `name` of the test object. */
static int load_one(const char *name, struct elog_prog_stats *st, size_t *n,
		    struct elog_error *err)
{
	struct bpf_object *obj = bpf_object__open_file(object_path, NULL);
	struct bpf_program *prog;
	int ret;

	if (!obj) {
		TH_FAIL("open %s: %s", object_path, strerror(errno));
		return -1;
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), name));
	ret = elog_rt_load_object("verifytest", obj, st, 4, n, err);
	bpf_object__close(obj);
	return ret;
}

static void test_accepted_program_has_figures(void)
{
	struct elog_prog_stats st[4];
	struct elog_error err = { 0 };
	size_t n = 0;

	CHECK_EQ_U(load_one("fine", st, &n, &err), 0);
	CHECK_EQ_U(n, 1);
	CHECK_STR(st[0].name, "fine");
	CHECK(st[0].loaded);
	CHECK(st[0].insns > 0 && st[0].insns < 100);
	CHECK(st[0].insn_limit >= 1000000);
	CHECK(st[0].peak_states > 0);
	CHECK(st[0].verify_us >= 0);
}

static void test_refused_program_is_named_with_the_reason(void)
{
	const char *want = "verifytest: program bad_access was refused by this kernel's verifier: ";
	struct elog_prog_stats st[4];
	struct elog_error err = { 0 };
	size_t n = 0;

	CHECK(load_one("bad_access", st, &n, &err) < 0);
	CHECK(!strncmp(err.msg, want, strlen(want)));
	CHECK(strstr(err.msg, "map value") != NULL);
	CHECK(strstr(err.msg, "Permission denied") == NULL);
	if (strncmp(err.msg, want, strlen(want)) || !strstr(err.msg, "map value"))
		TH_FAIL("message: %s", err.msg);
	CHECK_EQ_U(n, 1);
	CHECK(!st[0].loaded);
}

static void test_too_complex_program_says_so(void)
{
	const char *want = "verifytest: program too_complex is too complex for this kernel's "
			   "verifier (";
	struct elog_prog_stats st[4];
	struct elog_error err = { 0 };
	size_t n = 0;

	CHECK(load_one("too_complex", st, &n, &err) < 0);
	CHECK_EQ_U(err.code, E2BIG);
	CHECK(!strncmp(err.msg, want, strlen(want)));
	CHECK(strstr(err.msg, " instructions processed, limit ") != NULL);
	if (strncmp(err.msg, want, strlen(want)))
		TH_FAIL("message: %s", err.msg);
	CHECK(n == 1 && st[0].insns > st[0].insn_limit);
}

/* The parser on a log as the kernel writes it for a refused program. */
static void test_parse_log(void)
{
	struct elog_prog_stats st;
	struct elog_error err = { 0 };

	memset(&st, 0, sizeof(st));
	snprintf(st.name, sizeof(st.name), "test_cmd");
	elog_rt_parse_verifier_log("Func#4 ('x') is global and assumed valid.\n"
				   "BPF program is too large. Processed 1000001 insn\n"
				   "verification time 8400000 usec\n"
				   "stack depth 72+120+0+0\n"
				   "processed 1000001 insns (limit 1000000) max_states_per_insn 31 "
				   "total_states 32421 peak_states 106839 mark_read 0\n",
				   &st);
	CHECK_EQ_U(st.insns, 1000001);
	CHECK_EQ_U(st.insn_limit, 1000000);
	CHECK_EQ_U(st.peak_states, 106839);
	CHECK_EQ_U(st.total_states, 32421);
	CHECK_EQ_U(st.verify_us, 8400000);
	CHECK_STR(st.reason, "BPF program is too large. Processed 1000001 insn");
	elog_rt_describe_refusal("test", &st, &err);
	CHECK_STR(err.msg, "test: program test_cmd is too complex for this kernel's verifier "
			   "(1000001 instructions processed, limit 1000000)");

	memset(&st, 0, sizeof(st));
	elog_rt_parse_verifier_log("", &st);
	CHECK(st.insns == -1 && st.insn_limit == -1 && st.reason[0] == '\0');
}

int main(int argc, char **argv)
{
	static const struct th_test tests[] = {
		TH_TEST(test_parse_log),
		TH_TEST(test_accepted_program_has_figures),
		TH_TEST(test_refused_program_is_named_with_the_reason),
		TH_TEST(test_too_complex_program_says_so),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test_verify refused.bpf.o\n");
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "test_verify: needs root (it loads BPF programs)\n");
		return 1;
	}
	object_path = argv[1];
	return th_run(tests, sizeof(tests) / sizeof(tests[0]));
}
