// SPDX-License-Identifier: BSD-2-Clause
/*
 * Runs of a provider's programs the kernel skipped: a program already
 * running on a CPU (a softirq hook interrupting the same program in process
 * context, say) is not run again there, and whatever it would have logged
 * is lost. The kernel counts these per program (recursion_misses); this
 * adds them up over the provider's pinned programs, so that a capture can
 * say so instead of losing events silently.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "rt_internal.h"

#define MAX_PROGS 256

/* The program id behind pin `name` (a link or a program), or 0. */
static __u32 pin_prog_id(struct elog_rt *rt, const char *name)
{
	struct bpf_link_info li;
	struct bpf_prog_info pi;
	__u32 len, id = 0;
	int fd = elog_rt_obj_fd(rt, name, NULL);

	if (fd < 0)
		return 0;
	memset(&li, 0, sizeof(li));
	len = sizeof(li);
	if (!strncmp(name, "link_", 5) || !strncmp(name, "hot_", 4)) {
		if (!bpf_obj_get_info_by_fd(fd, &li, &len))
			id = li.prog_id;
	} else {
		memset(&pi, 0, sizeof(pi));
		len = sizeof(pi);
		if (!bpf_obj_get_info_by_fd(fd, &pi, &len))
			id = pi.id;
	}
	close(fd);
	return id;
}

int elog_rt_skipped_runs(struct elog_rt *rt, uint64_t *runs, struct elog_error *err)
{
	__u32 ids[MAX_PROGS];
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;

	*runs = 0;
	d = opendir(rt->dir);
	if (!d)
		return elog_rt_errf(err, errno, "open %s: %s", rt->dir, strerror(errno));
	while ((de = readdir(d)) && n < MAX_PROGS) {
		__u32 id;

		if (strncmp(de->d_name, "link_", 5) && strncmp(de->d_name, "prog_", 5) &&
		    strncmp(de->d_name, "hot_", 4))
			continue;
		id = pin_prog_id(rt, de->d_name);
		/* A hot hook is pinned as a program and (for unprivileged
		 * subscribers) as a link to it: count each program once. */
		for (i = 0; i < n && ids[i] != id; i++)
			;
		if (id && i == n)
			ids[n++] = id;
	}
	closedir(d);
	for (i = 0; i < n; i++) {
		struct bpf_prog_info pi;
		__u32 len = sizeof(pi);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue; /* detached and freed since: nothing more to count */
		memset(&pi, 0, sizeof(pi));
		if (!bpf_obj_get_info_by_fd(fd, &pi, &len))
			*runs += pi.recursion_misses;
		close(fd);
	}
	return 0;
}
