/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Process and clock facts the runtime needs: who owns a slot (pid plus
 * start time, because pids are reused), privilege, and the time base; and
 * the runtime's plumbing below everything else (libbpf's messages, errors).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "rt_internal.h"

static int verbose_libbpf;

/* libbpf prints warnings on its own (and a misleading "ulimit -l" hint on
 * EPERM); below main nothing prints unless ELOG_VERBOSE is set. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose_libbpf || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void elog_rt_init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	verbose_libbpf = getenv("ELOG_VERBOSE") != NULL;
	libbpf_set_print(libbpf_print);
}

int elog_rt_errf(struct elog_error *err, int e, const char *fmt, ...)
{
	va_list ap;

	if (e <= 0)
		e = EIO;
	if (err) {
		err->code = e;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

int elog_rt_cb_done(int ret, const struct elog_rt *rt, struct elog_error *err)
{
	/* -1 unworded: errno says why (libbpf sets it to what it returns). */
	int e = ret == -1 && errno ? errno : -ret;

	if (ret >= 0)
		return ret;
	if (err && !err->msg[0])
		elog_rt_errf(err, e, "%s: %s", rt->ops->name, strerror(e));
	return -1;
}

unsigned long long elog_rt_proc_start(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	size_t n;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields restart after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* p+2 is field 3 (state); starttime is field 22. A zombie still has
	 * its stat but can no longer consume: treat Z and X as gone. */
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return 0;
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		start = strtoull(p, NULL, 10);
	return start;
}

static int cap_effective(unsigned long long *caps)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	int found = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "CapEff:", 7)) {
			*caps = strtoull(line + 7, NULL, 16);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

/* The initial user namespace maps every uid onto itself. */
static int in_initial_userns(void)
{
	unsigned long a, b, c;
	FILE *f = fopen("/proc/self/uid_map", "re");
	int n, lines = 0, initial = 0;

	if (!f)
		return 1; /* no user namespaces in this kernel */
	while ((n = fscanf(f, "%lu %lu %lu", &a, &b, &c)) == 3) {
		lines++;
		if (a == 0 && b == 0 && c == 4294967295ul)
			initial = 1;
	}
	fclose(f);
	return lines == 1 && initial;
}

int elog_rt_check_privilege(struct elog_error *err)
{
	/* capability numbers from <linux/capability.h> (CAP_BPF and
	 * CAP_PERFMON are missing from older libc headers). */
	const int cap_net_admin = 12, cap_perfmon = 38, cap_bpf = 39;
	unsigned long long caps = 0;

	if (!in_initial_userns())
		return elog_rt_errf(err, EPERM,
				    "eventlog is not available inside a user namespace "
				    "(container): run it in the host's initial user namespace");
	if (cap_effective(&caps) ||
	    !(caps & (1ull << cap_net_admin)) || !(caps & (1ull << cap_perfmon)) ||
	    !(caps & (1ull << cap_bpf)))
		return elog_rt_errf(err, EPERM,
				    "permission denied: eventlog needs root "
				    "(CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)");
	return 0;
}

uint64_t elog_rt_boot_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t elog_rt_boot_to_utc_us(uint64_t boot_us)
{
	struct timespec b0, r, b1;
	uint64_t bmid, rus;

	/* Bracket the realtime read with two boottime reads and use their
	 * midpoint: the offset is then good to about a microsecond. */
	clock_gettime(CLOCK_BOOTTIME, &b0);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_BOOTTIME, &b1);
	bmid = ((uint64_t)b0.tv_sec * 1000000u + (uint64_t)b0.tv_nsec / 1000u +
		(uint64_t)b1.tv_sec * 1000000u + (uint64_t)b1.tv_nsec / 1000u) / 2;
	rus = (uint64_t)r.tv_sec * 1000000u + (uint64_t)r.tv_nsec / 1000u;
	return boot_us + (rus - bmid);
}
