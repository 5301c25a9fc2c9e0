/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loading a provider from its registration: its BPF object opened from
 * ops->object_bytes and loaded (verify.c), published (the framework's maps
 * and programs, pins.c), its own maps pinned, and its hook table
 * (ops->hooks) checked against the object's programs, then attached and
 * pinned. The table is the only list of a provider's hooks, so it is
 * checked here rather than trusted: a program it leaves out, or a kind of
 * attach that is not the program's, fails the load with a message that
 * names the program.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rt_internal.h"

static const char *const framework_progs[] = ELOG_RT_FRAMEWORK_PROGS;

/* Whether prog is what hook h says it is. */
static bool kind_matches(const struct elog_hook *h, const struct bpf_program *prog)
{
	enum bpf_prog_type type = bpf_program__type(prog);
	enum bpf_attach_type at = bpf_program__expected_attach_type(prog);

	switch (h->attach) {
	case ELOG_ATTACH_NONE:
		return type == BPF_PROG_TYPE_SYSCALL;
	case ELOG_ATTACH_TRACING:
		return type == BPF_PROG_TYPE_TRACING && at == BPF_TRACE_RAW_TP;
	case ELOG_ATTACH_ITER:
		return type == BPF_PROG_TYPE_TRACING && at == BPF_TRACE_ITER;
	case ELOG_ATTACH_CGROUP:
		return at == h->cgroup_type;
	}
	return false;
}

/* The entry's own consistency, whatever the object. */
static int check_entry(const struct elog_provider_ops *ops, size_t i, struct elog_error *err)
{
	const struct elog_hook *h = &ops->hooks[i];
	size_t k;

	if (!h->prog || !h->pin || !h->pin[0] || strchr(h->pin, '.'))
		return elog_rt_errf(err, EINVAL, "%s: hook %zu: a program and a pin name "
				    "(no '.') are needed", ops->name, i);
	if ((h->when == ELOG_HOOK_COMMAND) != (h->attach == ELOG_ATTACH_NONE) ||
	    (h->when == ELOG_HOOK_HOT && h->attach != ELOG_ATTACH_TRACING &&
	     h->attach != ELOG_ATTACH_CGROUP) ||
	    (h->attach == ELOG_ATTACH_ITER && h->when != ELOG_HOOK_ALWAYS))
		return elog_rt_errf(err, EINVAL, "%s: hook %s: its attach and when do not go "
				    "together", ops->name, h->prog);
	for (k = 0; k < i; k++) {
		if (!strcmp(ops->hooks[k].prog, h->prog) || !strcmp(ops->hooks[k].pin, h->pin))
			return elog_rt_errf(err, EINVAL, "%s: hook %s: program or pin %s listed "
					    "twice", ops->name, h->prog, h->pin);
	}
	return 0;
}

int elog_rt_check_hooks(const struct elog_provider_ops *ops, struct bpf_object *obj,
			struct elog_error *err)
{
	struct bpf_program *prog;
	size_t i, k;
	int ret;

	for (i = 0; i < ops->nhooks; i++) {
		const struct elog_hook *h = &ops->hooks[i];

		ret = check_entry(ops, i, err);
		if (ret)
			return ret;
		prog = bpf_object__find_program_by_name(obj, h->prog);
		if (!prog)
			return elog_rt_errf(err, ENOENT, "%s: BPF object has no program %s",
					    ops->name, h->prog);
		if (!kind_matches(h, prog))
			return elog_rt_errf(err, EINVAL, "%s: program %s (SEC(\"%s\")) is not "
					    "what its hook table entry says", ops->name, h->prog,
					    bpf_program__section_name(prog));
	}
	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);

		for (i = 0; i < ops->nhooks && strcmp(ops->hooks[i].prog, name); i++)
			;
		for (k = 0; k < sizeof(framework_progs) / sizeof(framework_progs[0]) &&
			    strcmp(framework_progs[k], name); k++)
			;
		if (i == ops->nhooks && k == sizeof(framework_progs) / sizeof(framework_progs[0]))
			return elog_rt_errf(err, EINVAL, "%s: program %s is in no entry of the "
					    "provider's hook table", ops->name, name);
	}
	return 0;
}

static int pin_fd_as(struct elog_rt *rt, int fd, const char *prefix, const char *name,
		     struct elog_error *err)
{
	char pin[128], path[PATH_MAX];

	if (snprintf(pin, sizeof(pin), "%s%s", prefix, name) >= (int)sizeof(pin) ||
	    strchr(name, '.') || elog_rt_pin_path(rt, pin, path, sizeof(path)))
		return elog_rt_errf(err, EINVAL, "bad pin name '%s%s' (no '.', < 128 chars)",
				    prefix, name);
	if (bpf_obj_pin(fd, path))
		return elog_rt_errf(err, errno, "pin %s: %s", path, strerror(errno));
	return 0;
}

/* Attaches (cgroup_fd >= 0: to that cgroup) and pins one always-on hook. */
static int attach_pin(struct elog_rt *rt, const struct elog_hook *h, struct bpf_program *prog,
		      int cgroup_fd, struct elog_error *err)
{
	struct bpf_link *link;
	int ret;

	if (h->attach == ELOG_ATTACH_CGROUP)
		link = bpf_program__attach_cgroup(prog, cgroup_fd);
	else if (h->attach == ELOG_ATTACH_ITER)
		link = bpf_program__attach_iter(prog, NULL);
	else
		link = bpf_program__attach(prog);
	if (!link) {
		ret = -errno;
		return elog_rt_errf(err, -ret, "%s: attach %s: %s", rt->ops->name, h->pin,
				    strerror(-ret));
	}
	ret = pin_fd_as(rt, bpf_link__fd(link), "link_", h->pin, err);
	/* The pin holds the link; our reference can go. */
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	return ret;
}

/* Every hook, in the table's order: the always-on ones attached and their
 * links pinned, the others' programs pinned. */
static int attach_hooks(struct elog_rt *rt, struct bpf_object *obj, struct elog_error *err)
{
	int cg = -1, ret = 0;
	size_t i;

	for (i = 0; !ret && i < rt->ops->nhooks; i++) {
		const struct elog_hook *h = &rt->ops->hooks[i];
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, h->prog);

		if (h->when != ELOG_HOOK_ALWAYS) {
			ret = pin_fd_as(rt, bpf_program__fd(prog), "prog_", h->pin, err);
			continue;
		}
		if (h->attach == ELOG_ATTACH_CGROUP && cg < 0) {
			cg = elog_rt_cgroup_root_fd(err);
			if (cg < 0) {
				ret = cg;
				break;
			}
		}
		ret = attach_pin(rt, h, prog, cg, err);
	}
	if (cg >= 0)
		close(cg);
	return ret;
}

static int pin_maps(struct elog_rt *rt, struct bpf_object *obj, struct elog_error *err)
{
	char path[PATH_MAX];
	size_t i;
	int ret;

	for (i = 0; i < rt->ops->nmaps; i++) {
		const char *name = rt->ops->maps[i];
		struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

		if (!m)
			return elog_rt_errf(err, ENOENT, "%s: BPF object has no map %s",
					    rt->ops->name, name);
		if (strchr(name, '.') || elog_rt_pin_path(rt, name, path, sizeof(path)))
			return elog_rt_errf(err, EINVAL, "%s: bad pin name '%s'", rt->ops->name,
					    name);
		ret = bpf_map__pin(m, path);
		if (ret)
			return elog_rt_errf(err, -ret, "pin %s: %s", path, strerror(-ret));
	}
	return 0;
}

int elog_rt_load_provider(struct elog_rt *rt, struct elog_error *err)
{
	struct bpf_object *obj;
	int ret = elog_rt_open_object(rt->ops, &obj, err);

	if (ret)
		return ret;
	ret = elog_rt_check_hooks(rt->ops, obj, err);
	if (!ret)
		ret = elog_rt_load_object(rt->ops->name, obj, NULL, 0, NULL, err);
	if (!ret)
		ret = elog_rt_publish_object(rt, obj, err);
	if (!ret)
		ret = pin_maps(rt, obj, err);
	if (!ret)
		ret = attach_hooks(rt, obj, err);
	/* Pins keep maps, programs and links alive after the object. */
	bpf_object__close(obj);
	return ret;
}
