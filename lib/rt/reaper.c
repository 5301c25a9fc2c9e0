/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The reaper: what a process holds in the kernel through eventlog follows
 * it, SIGKILL included, with no other eventlog command run; and a change
 * it dies in the middle of is finished or undone.
 *
 * A slot's rings are installed in the provider's pinned elog_rings, which
 * holds a reference to each, so the kernel cannot free them when their
 * subscriber dies, and no BPF program can delete from an outer map. So
 * every struct elog_rt that may change its provider (opened with
 * ELOG_RT_LOAD, subscribing, unloading, setting the default) starts a
 * reaper first: a process of its own session (out of reach of the terminal
 * and of the caller's process group) that holds nothing of eventlog (every
 * inherited fd is closed, so it keeps no ring, link or lock alive), waits
 * on a pidfd of the caller and, once the caller is gone, attaches to the
 * provider as every entry point does, which repairs it under the lock
 * (dead owners' slots freed with their rings, aggregate and per-packet
 * hooks updated; a load or unload cut short removed; a default walk cut
 * short finished: attach.c), then exits. It never calls back into rt.c's
 * entry points: elog_rt_open() starts it, it runs what elog_rt_open()
 * runs after that. It is orphaned at birth (double fork), so
 * the caller never waits for it.
 *
 * Its life is bounded by its caller's: elog_rt_close() with no
 * subscription left open says "bye" on a pipe and it exits at once; a
 * caller that exits without closing (or dies) is waited for and repaired
 * after. Termination signals are ignored: a service manager's SIGTERM to
 * the whole group stops the caller, which the reaper then follows. Killed
 * together with its caller (SIGKILL to a whole cgroup), the repair waits
 * for the next eventlog command, as it did before reapers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_internal.h"

#define REAPER_COMM "eventlog-reaper" /* its /proc/PID/comm: 15 chars, the limit */
#define REAPER_BYE 'q'

/* fd moved to >= 3 (so that 0-2 can be /dev/null), or -1. */
static int above_stdio(int fd)
{
	int nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD, 3);
	close(fd);
	return nfd;
}

/* Keeps a and b (a < b, both > 2), closes every other fd, and puts
 * /dev/null on 0-2 (nothing here prints, but a sanitizer might). */
static int keep_only(int a, int b)
{
	int fd;

	if ((a > 3 && close_range(3, (unsigned)a - 1, 0)) ||
	    (b > a + 1 && close_range((unsigned)a + 1, (unsigned)b - 1, 0)) ||
	    close_range((unsigned)b + 1, ~0u, 0) || close_range(0, 2, 0))
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd != 0 || dup(0) != 1 || dup(0) != 2)
		return -1;
	return 0;
}

/* The caller is gone: repair the provider, unless it is not loaded or is
 * now another build's (whose own commands repair it: its maps may not be
 * laid out as this build's). */
static void reclaim(const struct elog_provider_ops *ops)
{
	struct elog_rt *rt;

	if (elog_rt_new(ops, &rt, NULL) == 0) {
		elog_rt_attach(rt, ELOG_RT_RECLAIM_ONLY, NULL);
		elog_rt_free(rt);
	}
}

static void __attribute__((noreturn)) reaper_main(const struct elog_provider_ops *ops, int pidfd,
						    int byefd)
{
	static const int ignored[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGALRM,
				       SIGUSR1, SIGUSR2 };
	struct pollfd pf[2];
	struct sigaction sa;
	sigset_t none;
	nfds_t n = 2;
	size_t i;
	char c;

	pidfd = above_stdio(pidfd);
	byefd = above_stdio(byefd);
	if (pidfd < 0 || byefd < 0 ||
	    keep_only(pidfd < byefd ? pidfd : byefd, pidfd < byefd ? byefd : pidfd))
		_exit(1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		sigaction(ignored[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, REAPER_COMM, 0, 0, 0);
	if (chdir("/")) /* keeps no mount busy */
		_exit(1);

	pf[0].fd = pidfd;
	pf[0].events = POLLIN;
	pf[1].fd = byefd;
	pf[1].events = POLLIN;
	for (;;) {
		pf[0].revents = pf[1].revents = 0;
		if (poll(pf, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pf[0].revents)
			break; /* the caller is gone */
		if (n == 2 && pf[1].revents) {
			ssize_t r = read(byefd, &c, 1);

			if (r == 1 && c == REAPER_BYE)
				_exit(0); /* closed cleanly: nothing of it is left */
			if (r < 0 && errno == EINTR)
				continue;
			/* End of file without a word: the caller is exiting
			 * (its fds close before it is gone) or exec'd. */
			n = 1;
		}
	}
	reclaim(ops);
	_exit(0);
}

int elog_rt_reaper_start(struct elog_rt *rt, struct elog_error *err)
{
	int pidfd, p[2], st = 0, e;
	pid_t pid;

	if (rt->reaper_fd >= 0)
		return 0;
	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0)
		return elog_rt_errf(err, errno, "%s: pidfd_open: %s", rt->ops->name,
				    strerror(errno));
	if (pipe2(p, O_CLOEXEC)) {
		e = errno;
		close(pidfd);
		return elog_rt_errf(err, e, "%s: pipe: %s", rt->ops->name, strerror(e));
	}
	pid = fork();
	if (pid == 0) {
		/* The middle process: a session of its own, then the reaper
		 * as its child, orphaned when it exits at once. */
		close(p[1]);
		if (setsid() < 0)
			_exit(1);
		pid = fork();
		if (pid == 0)
			reaper_main(rt->ops, pidfd, p[0]);
		_exit(pid < 0);
	}
	e = errno;
	close(pidfd);
	close(p[0]);
	if (pid > 0) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		close(p[1]);
		if (pid > 0)
			e = EAGAIN;
		return elog_rt_errf(err, e, "%s: start the reaper process: %s", rt->ops->name,
				    strerror(e));
	}
	rt->reaper_fd = p[1];
	return 0;
}

int elog_rt_lock_watched(struct elog_rt *rt, struct elog_error *err)
{
	int ret = elog_rt_reaper_start(rt, err);

	return ret ? ret : elog_rt_lock(rt, err);
}

void elog_rt_reaper_stop(struct elog_rt *rt)
{
	char c = REAPER_BYE;

	if (rt->reaper_fd < 0)
		return;
	/* With a subscription still open, no bye: the reaper waits for this
	 * process to exit and then frees the slot. */
	if (!rt->subs_open && write(rt->reaper_fd, &c, 1) != 1) {
		/* Not told: it exits with this process all the same. */
	}
	close(rt->reaper_fd);
	rt->reaper_fd = -1;
}
