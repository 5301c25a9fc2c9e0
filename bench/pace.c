// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/pace: drives the test provider at a fixed event rate (or flat out)
 * for a fixed time, so the benchmark can check that one subscriber keeps up
 * with it without drops, and that drops beyond that are counted exactly.
 *
 *   pace SESSION RATE SECONDS LEN KEYWORDS
 *     SESSION   test-provider session index (created and enabled by the caller)
 *     RATE      events per second; 0: as fast as the emitter goes
 *     SECONDS   duration (RATE > 0) or, with RATE 0, the number of events
 *     LEN       payload bytes per event (record = 32 + LEN)
 *     KEYWORDS  event keywords (the subscriber's filter must match them)
 *
 * Every 2 ms it emits what the schedule (RATE x elapsed) is owed, in one
 * BPF_PROG_TEST_RUN (bpf_loop in the kernel), but at most twice a tick's
 * share: a generator that was descheduled for a while (a busy shared
 * machine) catches up at twice the rate instead of in one burst, as a real
 * source would, and one stall does not become a burst larger than the ring.
 * What is still owed at the end is not emitted (the rate printed is what was
 * achieved). Prints one line:
 *   emitted N seconds S rate R behind_max B
 * (behind_max: the largest backlog, in events, seen at a tick). Exit 0, or 1
 * with a message on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt/rt.h"
#include "test_provider.h"

#define TICK_NS 2000000LL
#define CHUNK_MAX (1u << 23) /* bpf_loop limit per call */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int emit(struct elog_rt *rt, struct test_cmd *cmd, unsigned long long n,
		struct elog_error *err)
{
	while (n) {
		unsigned long long k = n > CHUNK_MAX ? CHUNK_MAX : n;

		cmd->count = (__u32)k;
		if (test_provider_run(rt, cmd, err) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct elog_error err = { 0 };
	struct elog_rt *rt = NULL;
	struct test_cmd cmd = { 0 };
	unsigned long long rate, emitted = 0, behind_max = 0;
	double seconds;
	long long t0, t1, next;
	int ret;

	if (argc != 6) {
		fprintf(stderr, "usage: pace SESSION RATE SECONDS LEN KEYWORDS\n");
		return 1;
	}
	cmd.op = TEST_OP_EMIT;
	cmd.session = (__u32)strtoul(argv[1], NULL, 0);
	rate = strtoull(argv[2], NULL, 0);
	seconds = strtod(argv[3], NULL);
	cmd.len = (__u32)strtoul(argv[4], NULL, 0);
	cmd.keywords = (__u32)strtoul(argv[5], NULL, 0);
	cmd.event_id = 1;
	cmd.level = 3; /* INFO */
	if (seconds <= 0 || cmd.len > TEST_PAYLOAD_MAX) {
		fprintf(stderr, "pace: bad SECONDS or LEN\n");
		return 1;
	}
	ret = elog_rt_open("test", ELOG_RT_LOAD, &rt, &err);
	if (ret) {
		fprintf(stderr, "pace: %s\n", err.msg);
		return 1;
	}
	t0 = now_ns();
	if (rate == 0) {
		emitted = (unsigned long long)seconds;
		ret = emit(rt, &cmd, emitted, &err);
	} else {
		long long end = t0 + (long long)(seconds * 1e9);
		unsigned long long per_tick = rate * (unsigned long long)TICK_NS / 1000000000ULL;

		if (per_tick == 0)
			per_tick = 1;

		for (next = t0;; next += TICK_NS) {
			long long t = now_ns();
			unsigned long long due;
			struct timespec ts;

			if (t >= end)
				t = end;
			due = (unsigned long long)((double)(t - t0) * (double)rate / 1e9);
			if (due > emitted) {
				unsigned long long n = due - emitted;

				if (n > behind_max)
					behind_max = n;
				if (n > 2 * per_tick)
					n = 2 * per_tick;
				ret = emit(rt, &cmd, n, &err);
				if (ret)
					break;
				emitted += n;
			}
			if (t >= end)
				break;
			if (next + TICK_NS > now_ns()) {
				ts.tv_sec = (time_t)((next + TICK_NS) / 1000000000LL);
				ts.tv_nsec = (long)((next + TICK_NS) % 1000000000LL);
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			}
		}
	}
	t1 = now_ns();
	elog_rt_close(rt);
	if (ret) {
		fprintf(stderr, "pace: %s\n", err.msg[0] ? err.msg : strerror(errno));
		return 1;
	}
	printf("emitted %llu seconds %.3f rate %.0f behind_max %llu\n", emitted,
	       (double)(t1 - t0) / 1e9, (double)emitted * 1e9 / (double)(t1 - t0), behind_max);
	return 0;
}
