// SPDX-License-Identifier: BSD-2-Clause
/*
 * elog-testgen: drives the test provider so tests and benchmarks can make
 * sessions and events on demand and know exactly what was emitted.
 *
 *   elog-testgen COMMAND [ARGS] [COMMAND [ARGS] ...]
 *     create S [ID]          start session index S (id ID, default 1000+S)
 *     destroy S              end it (SESSION_END if enabled)
 *     enable S 0|1           disable / enable it (SESSION_CREATE when enabled)
 *     emit S EVENT N         N events of schema event EVENT (name or id) via
 *                            the generated _LOG macros
 *     emitraw S ID LEVEL KEYWORDS N [LEN]
 *                            N events with an explicit header (LEN payload bytes)
 *     bench S N [LEN]        like emitraw (id 1, INFO, BASIC), prints the rate
 *     late S MS N            N events like bench's, stamped MS ms before now: as
 *                            if each had reached its ring that late
 *     bbdump ID|all          black box: dump session id ID's buffer (or every
 *                            buffered session's) into the subscribers' streams
 *     events                 the schema's events: NAME ID LEVEL KEYWORDS
 *     status                 provider counters and hook state
 *     sleep MS
 * Loads the provider when needed. Exit 0, or 1 with one message on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <eventlog/schema.h>

#include "rt/rt.h"
#include "test_provider.h"

extern const struct elog_provider_desc elog_provider_test;

static int parse_u64(const char *s, unsigned long long max, unsigned long long *v,
		     struct elog_error *err)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *v > max || s[0] == '-')
		return elog_errorf(err, EINVAL, "bad number '%s' (0..%llu)", s, max);
	return 0;
}

static int event_id(const char *s, uint32_t *id, struct elog_error *err)
{
	unsigned long long v;
	uint32_t i;

	for (i = 0; i < elog_provider_test.event_count; i++) {
		if (!strcasecmp(elog_provider_test.events[i].name, s)) {
			*id = elog_provider_test.events[i].id;
			return 0;
		}
	}
	if (parse_u64(s, UINT32_MAX, &v, NULL))
		return elog_errorf(err, EINVAL, "unknown test event '%s'", s);
	*id = (uint32_t)v;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Large N is split: bpf_loop runs at most 1 << 23 iterations per call. */
static int emit_many(struct elog_rt *rt, struct test_cmd *cmd, unsigned long long n,
		     struct elog_error *err)
{
	while (n) {
		unsigned long long chunk = n > (1u << 23) ? (1u << 23) : n;
		int ret;

		cmd->count = (uint32_t)chunk;
		ret = test_provider_run(rt, cmd, err);
		if (ret < 0)
			return ret;
		n -= chunk;
	}
	return 0;
}

static int status(struct elog_rt *rt, struct elog_error *err)
{
	struct elog_state st;
	struct elog_conf conf;
	__s64 hot, runs;
	int ret;

	ret = elog_rt_read(rt, &st, &conf, err);
	if (!ret)
		ret = elog_rt_knob_get(rt, ELOG_KNOB_HOT, &hot, err);
	if (!ret)
		ret = elog_rt_knob_get(rt, TEST_KNOB_HOT_RUNS, &runs, err);
	if (ret)
		return ret;
	printf("created %llu active %llu enabled %llu default %d subscribers %u "
	       "level %u keywords 0x%x hot %lld hot_runs %lld\n",
	       (unsigned long long)st.sessions_created, (unsigned long long)st.sessions_active,
	       (unsigned long long)st.sessions_enabled, conf.default_on, conf.nsubs,
	       conf.agg_level, conf.agg_keywords, (long long)hot, (long long)runs);
	return 0;
}

#define NEED(k)                                                                    \
	do {                                                                       \
		if (argc - i < (k) + 1)                                            \
			return elog_errorf(err, EINVAL, "%s: missing arguments", argv[i]); \
	} while (0)

static int run(int argc, char **argv, struct elog_rt **rtp, struct elog_error *err)
{
	unsigned long long a, b, c, d, e = 0;
	int i, ret;

	for (i = 1; i < argc;) {
		struct test_cmd cmd = { 0 };
		const char *op = argv[i];

		if (!strcmp(op, "events")) {
			uint32_t k;

			for (k = 0; k < elog_provider_test.event_count; k++) {
				const struct elog_event_desc *ev = &elog_provider_test.events[k];

				printf("%s %u %u 0x%x\n", ev->name, ev->id, ev->level, ev->keywords);
			}
			i++;
			continue;
		}
		if (!strcmp(op, "sleep")) {
			NEED(1);
			if (parse_u64(argv[i + 1], 3600000, &a, err))
				return -EINVAL;
			usleep((useconds_t)(a * 1000));
			i += 2;
			continue;
		}
		if (!*rtp) {
			ret = elog_rt_open("test", ELOG_RT_LOAD, rtp, err);
			if (ret)
				return ret;
		}
		if (!strcmp(op, "status")) {
			ret = status(*rtp, err);
			i++;
		} else if (!strcmp(op, "create")) {
			NEED(1);
			if (parse_u64(argv[i + 1], TEST_MAX_SESSIONS - 1, &a, err))
				return -EINVAL;
			b = 1000 + a;
			if (argc - i > 2 && argv[i + 2][0] >= '0' && argv[i + 2][0] <= '9') {
				if (parse_u64(argv[i + 2], UINT64_MAX, &b, err))
					return -EINVAL;
				i++;
			}
			cmd.op = TEST_OP_CREATE;
			cmd.session = (uint32_t)a;
			cmd.session_id = b;
			ret = test_provider_run(*rtp, &cmd, err);
			i += 2;
		} else if (!strcmp(op, "destroy") || !strcmp(op, "enable")) {
			int enable = !strcmp(op, "enable");

			NEED(enable ? 2 : 1);
			if (parse_u64(argv[i + 1], TEST_MAX_SESSIONS - 1, &a, err) ||
			    (enable && parse_u64(argv[i + 2], 1, &b, err)))
				return -EINVAL;
			cmd.op = enable ? TEST_OP_ENABLE : TEST_OP_DESTROY;
			cmd.session = (uint32_t)a;
			cmd.value = enable ? (int)b : 0;
			ret = test_provider_run(*rtp, &cmd, err);
			i += enable ? 3 : 2;
		} else if (!strcmp(op, "emit")) {
			NEED(3);
			if (parse_u64(argv[i + 1], TEST_MAX_SESSIONS - 1, &a, err) ||
			    event_id(argv[i + 2], &cmd.event_id, err) ||
			    parse_u64(argv[i + 3], UINT64_MAX, &b, err))
				return -EINVAL;
			cmd.op = TEST_OP_EMIT_SCHEMA;
			cmd.session = (uint32_t)a;
			ret = emit_many(*rtp, &cmd, b, err);
			i += 4;
		} else if (!strcmp(op, "bbdump")) {
			uint64_t dumped = 0;
			int all;

			NEED(1);
			all = !strcmp(argv[i + 1], "all");
			if (!all && parse_u64(argv[i + 1], UINT64_MAX, &a, err))
				return -EINVAL;
			ret = elog_rt_bb_dump(*rtp, all ? ELOG_BB_DUMP_ALL : ELOG_BB_DUMP_SESSION,
					      all ? 0 : a, ELOG_BB_REASON_DEMAND, &dumped, err);
			if (!ret)
				printf("dumped %llu\n", (unsigned long long)dumped);
			i += 2;
		} else if (!strcmp(op, "late")) {
			NEED(3);
			if (parse_u64(argv[i + 1], TEST_MAX_SESSIONS - 1, &a, err) ||
			    parse_u64(argv[i + 2], 2000000, &b, err) || /* us fit in value */
			    parse_u64(argv[i + 3], UINT64_MAX, &e, err))
				return -EINVAL;
			cmd.op = TEST_OP_EMIT;
			cmd.session = (uint32_t)a;
			cmd.event_id = 1;
			cmd.level = ELOG_LEVEL_INFO;
			cmd.keywords = 0x1;
			cmd.len = 32;
			cmd.value = b ? (int)(b * 1000) : 1; /* us; 0 would mean "now" */
			ret = emit_many(*rtp, &cmd, e, err);
			i += 4;
		} else if (!strcmp(op, "emitraw") || !strcmp(op, "bench")) {
			int bench = !strcmp(op, "bench");
			int used = bench ? 3 : 6; /* words consumed, LEN excluded */
			double t0;

			NEED(used - 1);
			cmd.op = TEST_OP_EMIT;
			cmd.len = 32;
			if (parse_u64(argv[i + 1], TEST_MAX_SESSIONS - 1, &a, err))
				return -EINVAL;
			cmd.session = (uint32_t)a;
			if (bench) {
				cmd.event_id = 1;
				cmd.level = ELOG_LEVEL_INFO;
				cmd.keywords = 0x1;
				if (parse_u64(argv[i + 2], UINT64_MAX, &e, err))
					return -EINVAL;
			} else {
				if (event_id(argv[i + 2], &cmd.event_id, err) ||
				    parse_u64(argv[i + 3], 5, &c, err) ||
				    parse_u64(argv[i + 4], UINT32_MAX, &d, err) ||
				    parse_u64(argv[i + 5], UINT64_MAX, &e, err))
					return -EINVAL;
				cmd.level = (uint32_t)c;
				cmd.keywords = (uint32_t)d;
			}
			/* Optional LEN: the next word, when it is a number. */
			if (argc > i + used && argv[i + used][0] >= '0' && argv[i + used][0] <= '9') {
				if (parse_u64(argv[i + used], TEST_PAYLOAD_MAX, &b, err))
					return -EINVAL;
				cmd.len = (uint32_t)b;
				used++;
			}
			t0 = now_s();
			ret = emit_many(*rtp, &cmd, e, err);
			if (!ret && bench) {
				double dt = now_s() - t0;

				printf("emitted %llu events of %u bytes in %.3f s: %.0f events/s\n", e,
				       cmd.len, dt, dt > 0 ? (double)e / dt : 0.0);
			}
			i += used;
		} else {
			return elog_errorf(err, EINVAL, "unknown command '%s' (see the header of "
					   "providers/test/testgen.c)", op);
		}
		if (ret < 0)
			return ret;
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct elog_error err = { 0 };
	struct elog_rt *rt = NULL;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: elog-testgen COMMAND [ARGS] ... (create destroy enable "
				"emit emitraw bench late events status sleep)\n");
		return 1;
	}
	ret = run(argc, argv, &rt, &err);
	elog_rt_close(rt);
	if (ret < 0) {
		fprintf(stderr, "elog-testgen: %s\n", err.msg[0] ? err.msg : strerror(-ret));
		return 1;
	}
	return 0;
}
