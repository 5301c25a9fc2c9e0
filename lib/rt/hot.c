/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The per-packet hooks (those of ops->hooks marked hot): attached while
 * somebody subscribes, and
 * held by the subscribers themselves rather than pinned. Every live
 * subscriber process holds an fd of each hot link: the first attaches
 * them, the others find them among the kernel's links by their program.
 * When the last holder exits, SIGKILL included, the kernel releases the
 * links and the hooks stop at once, so a dead capture leaves no per-packet
 * cost behind even before its slot is reclaimed. (Pinned links stay
 * attached until the next eventlog command reclaims the dead slot.)
 *
 * Finding another process's links (BPF_LINK_GET_NEXT_ID, _GET_FD_BY_ID)
 * takes CAP_SYS_ADMIN, which a subscriber with only CAP_BPF, CAP_PERFMON
 * and CAP_NET_ADMIN lacks. Such a subscriber falls back to pinned links
 * (hot_<name>, as before): attached and pinned when nobody else
 * subscribes, used as they are when pinned, and refused when the hooks are
 * held unpinned by other subscribers (it could not keep them alive should
 * those die). Pins are removed after the last subscriber whatever the mode.
 *
 * Everything here runs under the provider's lock, so two subscribers
 * never attach the same hook twice.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "rt_internal.h"

/* Hook i is one of the per-packet ones. */
static bool is_hot(const struct elog_rt *rt, size_t i)
{
	return rt->ops->hooks[i].when == ELOG_HOOK_HOT;
}

static bool any_hot(const struct elog_rt *rt)
{
	size_t i;

	for (i = 0; i < rt->ops->nhooks; i++)
		if (is_hot(rt, i))
			return true;
	return false;
}

/* ids[i]: the id of hot program i (prog_<name>), 0 for a hook that is not
 * hot; ids has ELOG_MAX_HOT. */
static int hot_prog_ids(struct elog_rt *rt, __u32 *ids, struct elog_error *err)
{
	size_t i;

	if (rt->ops->nhooks > ELOG_MAX_HOT)
		return elog_rt_errf(err, EINVAL, "%s: %zu hooks, at most %d",
				    rt->ops->name, rt->ops->nhooks, ELOG_MAX_HOT);
	for (i = 0; i < rt->ops->nhooks; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd;

		ids[i] = 0;
		if (!is_hot(rt, i))
			continue;
		fd = elog_rt_prog_fd(rt, rt->ops->hooks[i].pin, err);

		if (fd < 0)
			return fd;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			int e = errno;

			close(fd);
			return elog_rt_errf(err, e, "%s: program %s: %s", rt->ops->name,
					    rt->ops->hooks[i].pin, strerror(e));
		}
		close(fd);
		ids[i] = info.id;
	}
	return 0;
}

/*
 * Walks every BPF link of the host; for a link of hot program i, calls
 * fn(arg, i, link_fd), which takes the fd (closes or keeps it). A link
 * that goes away during the walk, or that another process is creating, is
 * skipped. HOT_LINKS_HIDDEN, err untouched, without CAP_SYS_ADMIN.
 */
#define HOT_LINKS_HIDDEN 1 /* not an error: positive, apart from -1 */
static int each_hot_link(struct elog_rt *rt, const __u32 *ids,
			 void (*fn)(void *arg, size_t i, int fd), void *arg, struct elog_error *err)
{
	__u32 id = 0;
	size_t i;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info;
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0) {
			/* ENOENT: gone meanwhile; EAGAIN: still being set up by
			 * its creator, so not one of ours (ours are attached
			 * under the provider's lock). */
			if (errno == ENOENT || errno == EAGAIN)
				continue;
			if (errno == EPERM)
				return HOT_LINKS_HIDDEN;
			return elog_rt_errf(err, errno, "%s: open link %u: %s", rt->ops->name, id,
					    strerror(errno));
		}
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		for (i = 0; i < rt->ops->nhooks && (!ids[i] || info.prog_id != ids[i]); i++)
			;
		if (i < rt->ops->nhooks)
			fn(arg, i, fd);
		else
			close(fd);
	}
	if (errno == EPERM)
		return HOT_LINKS_HIDDEN;
	if (errno != ENOENT)
		return elog_rt_errf(err, errno, "%s: list links: %s", rt->ops->name, strerror(errno));
	return 0;
}

/* Keeps the first link found of each hot program; detaches any second
 * one (the hook would run twice: cannot happen under the lock). */
static void keep_link(void *arg, size_t i, int fd)
{
	struct elog_rt *rt = arg;

	if (rt->hot_fd[i] < 0) {
		rt->hot_fd[i] = fd;
		return;
	}
	bpf_link_detach(fd);
	close(fd);
}

static int attach_hot(struct elog_rt *rt, size_t i, struct elog_error *err)
{
	const struct elog_hook *h = &rt->ops->hooks[i];
	int prog_fd, cg, fd, e;

	prog_fd = elog_rt_prog_fd(rt, h->pin, err);
	if (prog_fd < 0)
		return prog_fd;
	if (h->attach == ELOG_ATTACH_CGROUP) {
		cg = elog_rt_cgroup_root_fd(err);
		if (cg < 0) {
			close(prog_fd);
			return cg;
		}
		fd = bpf_link_create(prog_fd, cg, h->cgroup_type, NULL);
		e = errno;
		close(cg);
	} else { /* tp_btf: the attach point is in the program's BTF id */
		fd = bpf_raw_tracepoint_open(NULL, prog_fd);
		e = errno;
	}
	close(prog_fd);
	if (fd < 0)
		return elog_rt_errf(err, e, "%s: attach %s: %s", rt->ops->name, h->pin, strerror(e));
	rt->hot_fd[i] = fd;
	return 0;
}

/*
 * The next hot hook from *i on: 1 with *i its index and path its link's
 * pin in the fallback (hot_<pin>), 0 after the last one.
 */
static int next_hot_pin(struct elog_rt *rt, size_t *i, char *path, size_t size,
			struct elog_error *err)
{
	char pin[128];

	while (*i < rt->ops->nhooks && !is_hot(rt, *i))
		(*i)++;
	if (*i == rt->ops->nhooks)
		return 0;
	if (snprintf(pin, sizeof(pin), "hot_%s", rt->ops->hooks[*i].pin) >= (int)sizeof(pin) ||
	    elog_rt_pin_path(rt, pin, path, size))
		return elog_rt_errf(err, ENAMETOOLONG, "%s: hook name too long: %s", rt->ops->name,
				    rt->ops->hooks[*i].pin);
	return 1;
}

/*
 * The fallback without CAP_SYS_ADMIN: the hooks pinned. Those already
 * pinned are attached; the others are attached and pinned, unless other
 * subscribers hold them unpinned.
 */
static int hold_pinned(struct elog_rt *rt, int others, struct elog_error *err)
{
	char path[PATH_MAX];
	size_t i;
	int ret;

	for (i = 0; (ret = next_hot_pin(rt, &i, path, sizeof(path), err)) > 0; i++) {
		if (access(path, F_OK) == 0)
			continue;
		if (others > 0)
			return elog_rt_errf(err, EPERM, "%s: the per-packet hooks are held by "
					    "another capture, and sharing them needs CAP_SYS_ADMIN: "
					    "run as root", rt->ops->name);
		ret = attach_hot(rt, i, err);
		if (!ret && bpf_obj_pin(rt->hot_fd[i], path))
			ret = elog_rt_errf(err, errno, "pin %s: %s", path, strerror(errno));
		if (ret)
			return ret;
		close(rt->hot_fd[i]); /* the pin holds it */
		rt->hot_fd[i] = -1;
	}
	return ret;
}

static void close_held(struct elog_rt *rt)
{
	size_t i;

	for (i = 0; i < ELOG_MAX_HOT; i++) {
		if (rt->hot_fd[i] >= 0)
			close(rt->hot_fd[i]);
		rt->hot_fd[i] = -1;
	}
}

int elog_rt_hot_hold(struct elog_rt *rt, int others, struct elog_error *err)
{
	__u32 ids[ELOG_MAX_HOT];
	size_t i;
	int ret;

	if (rt->hot_held++ || !any_hot(rt))
		return 0;
	ret = hot_prog_ids(rt, ids, err);
	if (!ret)
		ret = each_hot_link(rt, ids, keep_link, rt, err);
	if (ret == HOT_LINKS_HIDDEN) {
		close_held(rt);
		ret = hold_pinned(rt, others, err);
		if (!ret)
			return 0;
	}
	for (i = 0; !ret && i < rt->ops->nhooks; i++) {
		if (is_hot(rt, i) && rt->hot_fd[i] < 0)
			ret = attach_hot(rt, i, err);
	}
	if (!ret)
		return 0;
	/* What this call attached goes away with its fd, unless another
	 * subscriber holds it too. */
	close_held(rt);
	rt->hot_held = 0;
	return ret;
}

void elog_rt_hot_release(struct elog_rt *rt)
{
	if (!rt->hot_held || --rt->hot_held)
		return;
	close_held(rt);
}

void elog_rt_hot_close(struct elog_rt *rt)
{
	close_held(rt);
	rt->hot_held = 0;
}

static void detach_link(void *arg, size_t i, int fd)
{
	(void)arg;
	(void)i;
	/* Links whose kind cannot be detached (EOPNOTSUPP) end with their
	 * last fd: the subscribers', closed as they leave. */
	bpf_link_detach(fd);
	close(fd);
}

int elog_rt_hot_detach_all(struct elog_rt *rt, struct elog_error *err)
{
	char path[PATH_MAX];
	__u32 ids[ELOG_MAX_HOT];
	size_t i;
	int ret;

	if (!any_hot(rt))
		return 0;
	/* The fallback's pins first: a pin of a detached link would pass
	 * for attached hooks. */
	for (i = 0; (ret = next_hot_pin(rt, &i, path, sizeof(path), err)) > 0; i++) {
		if (unlink(path) && errno != ENOENT)
			return elog_rt_errf(err, errno, "unpin %s: %s", path, strerror(errno));
	}
	if (ret)
		return ret;
	ret = hot_prog_ids(rt, ids, err);
	if (!ret)
		ret = each_hot_link(rt, ids, detach_link, NULL, err);
	/* Without CAP_SYS_ADMIN the links are not found: the unpinned ones
	 * are their holders', who leave with them. */
	return ret == HOT_LINKS_HIDDEN ? 0 : ret;
}
