// SPDX-License-Identifier: BSD-2-Clause
/*
 * TCP provider, user half: running iter/tcp over every network namespace.
 *
 * An iter/tcp reader walks the sockets of the network namespace its creator
 * is in when bpf_iter_create() runs, and captures are usually started from
 * the host while connections live in containers (or, in the tests, in a
 * namespace of their own). So the command is run once per namespace: the
 * calling thread enters each one, creates and drains an iterator, and comes
 * back. Namespaces are found from /proc/<pid>/ns/net and /run/netns (named
 * namespaces without a process); each is visited once (by inode).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "tcp_iter.h"

struct tcp_netns_set {
	dev_t *dev;
	ino_t *ino;
	size_t n, cap;
};

/* 1: added (a namespace not seen before), 0: seen, <0: -errno. */
static int netns_add(struct tcp_netns_set *set, const struct stat *st)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->dev[i] == st->st_dev && set->ino[i] == st->st_ino)
			return 0;
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		dev_t *dev = realloc(set->dev, cap * sizeof(*dev));

		if (!dev)
			return -ENOMEM;
		set->dev = dev;
		ino_t *ino = realloc(set->ino, cap * sizeof(*ino));
		if (!ino)
			return -ENOMEM;
		set->ino = ino;
		set->cap = cap;
	}
	set->dev[set->n] = st->st_dev;
	set->ino[set->n] = st->st_ino;
	set->n++;
	return 1;
}

/* Creates and drains one iterator in the current network namespace. */
static int iter_once(int link_fd, struct elog_error *err)
{
	char buf[4096];
	ssize_t n;
	int fd = bpf_iter_create(link_fd);

	if (fd < 0) {
		int e = errno;

		elog_errorf(err, e, "tcp: create socket iterator: %s", strerror(e));
		return -e;
	}
	/* The program prints nothing; reading drives it over every socket. */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0) {
		int e = errno;

		close(fd);
		elog_errorf(err, e, "tcp: walk sockets: %s", strerror(e));
		return -e;
	}
	close(fd);
	return 0;
}

/* Enters the namespace at path (if not visited yet) and iterates there. */
static int visit(struct tcp_netns_set *seen, const char *path, int link_fd, struct elog_error *err)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* the process exited or the name went away: nothing to walk */
	if (fstat(fd, &st)) {
		close(fd);
		return 0;
	}
	ret = netns_add(seen, &st);
	if (ret <= 0) {
		close(fd);
		if (ret < 0)
			elog_errorf(err, -ret, "tcp: %s", strerror(-ret));
		return ret;
	}
	if (setns(fd, CLONE_NEWNET)) {
		ret = -errno;
		close(fd);
		/* /run/netns/<name> is an empty file until `ip netns add` has
		 * bind-mounted the namespace on it (and after a failed add):
		 * not a namespace, nothing to walk. */
		if (ret == -EINVAL)
			return 0;
		elog_errorf(err, -ret, "tcp: enter network namespace %s: %s%s", path, strerror(-ret),
			    ret == -EPERM ? " (walking the sockets of every network namespace "
					    "needs CAP_SYS_ADMIN: run as root)" : "");
		return ret;
	}
	close(fd);
	return iter_once(link_fd, err);
}

static int visit_dir(struct tcp_netns_set *seen, const char *dir, const char *suffix, int pids_only,
		     int link_fd, struct elog_error *err)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d)
		return 0; /* /run/netns exists only once a named namespace was made */
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.' || (pids_only && (de->d_name[0] < '0' || de->d_name[0] > '9')))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s%s", dir, de->d_name, suffix) >= (int)sizeof(path))
			continue;
		ret = visit(seen, path, link_fd, err);
	}
	closedir(d);
	return ret;
}

static int set_cmd(struct elog_rt *rt, const struct tcp_elog_iter_cmd *cmd, struct elog_error *err)
{
	__u32 zero = 0;
	int fd = elog_rt_obj_fd(rt, TCP_ELOG_PIN_ITER_CMD, err);
	int ret = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, &zero, cmd, BPF_ANY)) {
		ret = -errno;
		elog_errorf(err, -ret, "tcp: write iterator command: %s", strerror(-ret));
	}
	close(fd);
	return ret;
}

int tcp_iter_run(struct elog_rt *rt, const struct tcp_elog_iter_cmd *cmd, struct elog_error *err)
{
	static const struct tcp_elog_iter_cmd none = { .op = TCP_ELOG_ITER_NONE };
	struct tcp_netns_set seen = { 0 };
	struct elog_error ignored;
	int link_fd, home, ret;

	link_fd = elog_rt_obj_fd(rt, "link_" TCP_ELOG_PIN_ITER_LINK, err);
	if (link_fd < 0)
		return link_fd;
	/* Where this thread comes back to, whatever happens. */
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		ret = -errno;
		close(link_fd);
		elog_errorf(err, -ret, "tcp: open own network namespace: %s", strerror(-ret));
		return ret;
	}
	ret = set_cmd(rt, cmd, err);
	/* Our own namespace first, so it is walked even if /proc is odd. */
	if (!ret)
		ret = visit(&seen, "/proc/thread-self/ns/net", link_fd, err);
	if (!ret)
		ret = visit_dir(&seen, "/proc", "/ns/net", 1, link_fd, err);
	if (!ret)
		ret = visit_dir(&seen, "/run/netns", "", 0, link_fd, err);
	if (setns(home, CLONE_NEWNET) && !ret) {
		ret = -errno;
		elog_errorf(err, -ret, "tcp: return to own network namespace: %s", strerror(-ret));
	}
	/* A stale command must never be replayed by somebody else's read. */
	if (ret)
		set_cmd(rt, &none, &ignored);
	else
		ret = set_cmd(rt, &none, err);
	close(home);
	close(link_fd);
	free(seen.dev);
	free(seen.ino);
	return ret;
}
