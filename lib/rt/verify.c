// SPDX-License-Identifier: BSD-2-Clause
/*
 * Opening a provider's BPF object from its registration, and loading it
 * with the verifier's own account of each program: how many instructions
 * it processed, its peak states and its verification time (the kernel's
 * statistics log level), and, when a program is refused, which one and
 * why, in words.
 *
 * The statistics level costs nothing measurable and keeps the log small
 * (the verifier's error message and the statistics, no instruction trace),
 * so every load runs with it: a buffer that overflows would make the kernel
 * refuse an otherwise good program (-ENOSPC).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rt_internal.h"

#define VERIFY_LOG_LEVEL 4 /* BPF_LOG_STATS */
#define VERIFY_LOG_SIZE (64 * 1024)

static long field_after(const char *log, const char *key)
{
	const char *p = strstr(log, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

void elog_rt_parse_verifier_log(const char *log, struct elog_prog_stats *st)
{
	const char *line, *next, *msg[2] = { NULL, NULL };
	size_t msg_len[2] = { 0, 0 }, at = 0;

	st->insns = field_after(log, "processed ");
	st->insn_limit = field_after(log, "insns (limit ");
	st->peak_states = field_after(log, "peak_states ");
	st->total_states = field_after(log, "total_states ");
	st->verify_us = field_after(log, "verification time ");
	/* The reason: the last two lines that are neither statistics nor the
	 * verifier's progress notes (a refusal is often a finding and then
	 * its consequence, e.g. the access, then the register's range). */
	for (line = log; *line; line = next) {
		size_t len;

		next = strchr(line, '\n');
		len = next ? (size_t)(next - line) : strlen(line);
		next = next ? next + 1 : line + len;
		if (!len || !strncmp(line, "verification time ", 18) ||
		    !strncmp(line, "stack depth ", 12) || !strncmp(line, "processed ", 10) ||
		    !strncmp(line, "Validating ", 11) || strstr(line, "is global and assumed valid"))
			continue;
		msg[0] = msg[1];
		msg_len[0] = msg_len[1];
		msg[1] = line;
		msg_len[1] = len;
	}
	st->reason[0] = '\0';
	for (int k = 0; k < 2; k++) {
		size_t room = sizeof(st->reason) - 1 - at, len = msg_len[k];

		if (!msg[k] || room < 3)
			continue;
		if (at) {
			memcpy(st->reason + at, "; ", 2);
			at += 2;
			room -= 2;
		}
		if (len > room)
			len = room;
		memcpy(st->reason + at, msg[k], len);
		at += len;
		st->reason[at] = '\0';
	}
}

int elog_rt_describe_refusal(const char *provider, const struct elog_prog_stats *st,
			     struct elog_error *err)
{
	if (st->insn_limit > 0 && st->insns > st->insn_limit)
		return elog_rt_errf(err, E2BIG,
				    "%s: program %s is too complex for this kernel's verifier "
				    "(%ld instructions processed, limit %ld)",
				    provider, st->name, st->insns, st->insn_limit);
	if (st->reason[0])
		return elog_rt_errf(err, EINVAL,
				    "%s: program %s was refused by this kernel's verifier: %s",
				    provider, st->name, st->reason);
	return elog_rt_errf(err, st->error ? st->error : EINVAL,
			    "%s: program %s could not be loaded: %s", provider, st->name,
			    strerror(st->error ? st->error : EINVAL));
}

int elog_rt_load_object(const char *provider, struct bpf_object *obj, struct elog_prog_stats *stats,
			size_t max, size_t *n, struct elog_error *err)
{
	struct elog_prog_stats one, *st;
	struct bpf_program *prog;
	size_t nprogs = 0, i;
	long last;
	char **logs;
	int ret;

	elog_rt_init();
	bpf_object__for_each_program(prog, obj)
		nprogs++;
	logs = calloc(nprogs ? nprogs : 1, sizeof(*logs));
	if (!logs)
		return elog_rt_errf(err, ENOMEM, "%s: out of memory", provider);
	i = 0;
	bpf_object__for_each_program(prog, obj) {
		logs[i] = calloc(1, VERIFY_LOG_SIZE);
		if (!logs[i]) {
			ret = elog_rt_errf(err, ENOMEM, "%s: out of memory", provider);
			goto out;
		}
		if (bpf_program__autoload(prog)) {
			bpf_program__set_log_buf(prog, logs[i], VERIFY_LOG_SIZE);
			bpf_program__set_log_level(prog, VERIFY_LOG_LEVEL);
		}
		i++;
	}
	ret = bpf_object__load(obj);
	if (n)
		*n = 0;
	/* libbpf loads the programs in this order, stops at the first it
	 * cannot load and then closes every program: the one refused is the
	 * last with a log (the kernel wrote one for each program it saw). */
	last = -1;
	for (i = 0; i < nprogs; i++)
		if (logs[i][0])
			last = (long)i;
	i = 0;
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog) || !logs[i][0]) {
			i++;
			continue;
		}
		st = n && *n < max ? &stats[(*n)++] : &one;
		memset(st, 0, sizeof(*st));
		snprintf(st->name, sizeof(st->name), "%s", bpf_program__name(prog));
		elog_rt_parse_verifier_log(logs[i], st);
		/* The last log is the refused program's only if it says so: a
		 * program libbpf gave up on before the kernel saw it has none. */
		st->loaded = !ret || (long)i != last ||
			     (st->reason[0] == '\0' && st->insns <= st->insn_limit);
		if (!st->loaded) {
			st->error = -ret;
			ret = elog_rt_describe_refusal(provider, st, err);
			goto out;
		}
		i++;
	}
	if (ret) {
		/* Refused before the verifier: the first program after the
		 * last one the kernel took. */
		const char *name = "?";

		i = 0;
		bpf_object__for_each_program(prog, obj) {
			if ((long)i++ > last && bpf_program__autoload(prog)) {
				name = bpf_program__name(prog);
				break;
			}
		}
		ret = elog_rt_errf(err, -ret, "%s: program %s could not be loaded: %s", provider, name,
				   strerror(-ret));
	}
out:
	/* libbpf keeps the buffer pointers: they must not dangle. */
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_log_buf(prog, NULL, 0);
	for (i = 0; i < nprogs; i++)
		free(logs[i]);
	free(logs);
	return ret;
}

int elog_rt_open_object(const struct elog_provider_ops *ops, struct bpf_object **obj,
			struct elog_error *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = ops->name);
	const void *bytes;
	size_t size = 0;
	int e;

	elog_rt_init();
	if (!ops->object_bytes)
		return elog_rt_errf(err, EINVAL, "%s: no BPF object built in", ops->name);
	bytes = ops->object_bytes(&size);
	*obj = bpf_object__open_mem(bytes, size, &opts);
	if (!*obj) {
		e = errno ? errno : EINVAL;
		return elog_rt_errf(err, e, "%s: open BPF object: %s", ops->name, strerror(e));
	}
	return 0;
}

int elog_rt_verify(const struct elog_provider_ops *ops, struct elog_prog_stats *stats, size_t max,
		   size_t *n, struct elog_error *err)
{
	struct bpf_object *obj;
	int ret;

	*n = 0;
	ret = elog_rt_open_object(ops, &obj, err);
	if (ret)
		return ret;
	/* Loaded, measured and closed: nothing is attached or pinned. */
	ret = elog_rt_load_object(ops->name, obj, stats, max, n, err);
	bpf_object__close(obj);
	return ret;
}
