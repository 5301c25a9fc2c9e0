// SPDX-License-Identifier: BSD-2-Clause
/*
 * The docs' hook tables, made from the providers' registrations: for a
 * provider, one Markdown row per entry of its hook table (program, where
 * it attaches as its BPF object's section says, when, its pin, what it is
 * for), after the same check of the table against the object that every
 * load makes. tests/hooks/check.sh compares the tables in docs/ with this
 * output (make hooks-docs rewrites them).
 *   hooks_doc --list      the registered providers that have hooks
 *   hooks_doc PROVIDER    its table
 */
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "rt/provider.h"

static const char *when_words(const struct elog_hook *h)
{
	switch (h->when) {
	case ELOG_HOOK_ALWAYS:
		return "load → unload";
	case ELOG_HOOK_HOT:
		return "only while ≥ 1 subscriber";
	case ELOG_HOOK_COMMAND:
		return "never: run on demand";
	}
	return "?";
}

static int table(const struct elog_provider_ops *ops)
{
	struct elog_error err = { 0 };
	struct bpf_object *obj;
	size_t i;

	if (elog_rt_open_object(ops, &obj, &err) || elog_rt_check_hooks(ops, obj, &err)) {
		fprintf(stderr, "hooks_doc: %s\n", err.msg);
		return 1;
	}
	printf("| program | hook | attached | pin | job |\n|---|---|---|---|---|\n");
	for (i = 0; i < ops->nhooks; i++) {
		const struct elog_hook *h = &ops->hooks[i];
		const struct bpf_program *prog = bpf_object__find_program_by_name(obj, h->prog);

		printf("| `%s` | `%s`%s | %s | `%s%s` | %s |\n", h->prog,
		       bpf_program__section_name(prog),
		       h->attach == ELOG_ATTACH_CGROUP ? " on the cgroup2 root" : "", when_words(h),
		       h->when == ELOG_HOOK_ALWAYS ? "link_" : "prog_", h->pin, h->doc ? h->doc : "");
	}
	bpf_object__close(obj);
	return 0;
}

int main(int argc, char **argv)
{
	const struct elog_provider_ops *ops;
	size_t i;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; (ops = elog_rt_provider_at(i)); i++)
			if (ops->nhooks)
				printf("%s\n", ops->name);
		return 0;
	}
	if (argc != 2 || !(ops = elog_rt_find_provider(argv[1]))) {
		fprintf(stderr, "usage: hooks_doc --list | PROVIDER (a registered one)\n");
		return 1;
	}
	return table(ops);
}
