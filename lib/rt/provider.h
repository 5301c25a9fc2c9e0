/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Provider runtime, provider side: what a provider's user half implements
 * (struct elog_provider_ops) and the runtime services it may call.
 *
 * A loaded provider is a directory of bpffs pins, /sys/fs/bpf/eventlog/<p>/,
 * which outlives the command that loaded it (like a kernel module):
 *   elog_rings elog_subs elog_conf elog_state elog_knobs elog_stats
 *                       the framework maps of bpf/eventlog.bpf.h
 *   elog_dump_done      the DUMP_COMPLETE program
 *   <map>               the provider's own maps (ops->maps)
 *   link_<pin>          always-on hooks (ops->hooks)
 *   prog_<pin>          the per-packet hooks, attached later, so any process
 *                       can attach them, and the programs run on demand
 *   ready/              created last: the load is complete
 * The per-packet hooks' links are not pinned: every live subscriber
 * process holds them (lib/rt/hot.c), so they go away with the last one,
 * SIGKILL included (hot_<pin> pins them for subscribers without
 * CAP_SYS_ADMIN, which cannot find another process's links).
 * Every callback runs with the provider's lock held (a flock on
 * /run/eventlog/<p>.lock), so callbacks never race each other, slot
 * allocation or control changes, even across processes.
 *
 * Errors: callbacks fill err and return -1 (elog_rt_errf), never print; a
 * negative errno passed on as libbpf returned it is worded by the runtime.
 */
#ifndef ELOG_RT_PROVIDER_H
#define ELOG_RT_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/bpf.h>
#include <linux/types.h>

#include "elog_error.h"
#include "eventlog_abi.h"

struct bpf_object;
struct elog_rt;

/* When a provider's program runs (struct elog_hook). */
enum elog_hook_when {
	ELOG_HOOK_ALWAYS,  /* attached at load until unload: link pinned as link_<pin> */
	ELOG_HOOK_HOT,     /* per-packet: pinned as prog_<pin>, attached only while
			    * somebody subscribes (lib/rt/hot.c) */
	ELOG_HOOK_COMMAND, /* never attached: pinned as prog_<pin>, run on demand */
};

/* Where a provider's program is attached (struct elog_hook). */
enum elog_hook_attach {
	ELOG_ATTACH_NONE,    /* nowhere: a SEC("syscall") program (ELOG_HOOK_COMMAND) */
	ELOG_ATTACH_TRACING, /* the tracepoint its BTF names (SEC("tp_btf/...")) */
	ELOG_ATTACH_CGROUP,  /* the cgroup2 root, as .cgroup_type */
	ELOG_ATTACH_ITER,    /* an iterator (SEC("iter/...")), pinned always-on and
			      * read by the provider on demand */
};

/*
 * One program of the provider and where it goes: the one table the loader,
 * the pinning, the per-packet attach (lib/rt/hot.c) and the docs' hook
 * tables (tests/hooks/) read. The loader refuses an object whose programs
 * and this table disagree (a program missing from it, a kind that is not
 * the program's), so nothing else needs to list hooks.
 */
struct elog_hook {
	const char *prog;  /* the program's name in the BPF object */
	const char *pin;   /* its pin name (no '.'), e.g. "foo_ingress" */
	enum elog_hook_attach attach;
	enum bpf_attach_type cgroup_type; /* ELOG_ATTACH_CGROUP: how */
	enum elog_hook_when when;
	const char *doc;   /* what it is for, a line of the docs' table (Markdown) */
};

struct elog_provider_control;

/* The longest text a text control takes or shows, NUL included. */
#define ELOG_CONTROL_TEXT_MAX 4096

/*
 * A control whose value is text (a range, a list, a path) rather than one
 * integer: the provider parses, applies and formats it, wherever it keeps
 * it (its own maps, knobs). Callbacks fill err and return -1.
 */
struct elog_control_text_ops {
	/* Whether value is acceptable, with a message that says why not.
	 * Called before anything is loaded, so a bad value changes nothing. */
	int (*check)(const struct elog_provider_control *c, const char *value,
		     struct elog_error *err);
	/* Applies value (already checked) to the loaded provider, with the
	 * provider's lock held: the old value or the new one, never a mix. */
	int (*set)(struct elog_rt *rt, const struct elog_provider_control *c, const char *value,
		   struct elog_error *err);
	/* The current value into buf, as set would take it back; rt NULL:
	 * the provider is not loaded (the load-time value). */
	int (*get)(struct elog_rt *rt, const struct elog_provider_control *c, char *buf,
		   size_t size, struct elog_error *err);
};

/*
 * A control of the provider's own, under a name of its choice (elogctl(8)
 * lists and sets it like the framework's controls): one of its knobs, or,
 * with text set, a text control. Knob writes outside [min, max] are
 * refused, before anything is loaded, with "invalid <last part of the
 * name> <value> (<hint>)". The runtime keeps both kinds across a reload
 * from another build.
 */
struct elog_provider_control {
	const char *name;  /* e.g. "net.inet.foo.eventlog.limit" */
	unsigned int knob; /* its elog_knobs index, never ELOG_KNOB_HOT (knob controls) */
	__s64 min, max;
	const char *hint;  /* what the accepted values mean */
	const struct elog_control_text_ops *text; /* NULL: a knob control */
	__s64 initial;     /* a knob control's value at load (written by the runtime) */
};

struct elog_provider_ops {
	const char *name; /* e.g. "foo": pin directory and control names */
	__u16 id;         /* provider id stamped into events, unique on the host */
	/* Not for users (the test suite's provider): elogctl -a, -l and node
	 * queries above it leave it out unless it is loaded. */
	bool internal;

	/* Where its controls live in elogctl's names (e.g. "net.inet.foo.eventlog"):
	 * the framework's per-provider controls (the black box's) get names
	 * under it too. NULL: kern.eventlog.<name>. */
	const char *control_prefix;

	/* The provider's own controls (may be none), in elogctl -a order. */
	const struct elog_provider_control *controls;
	size_t ncontrols;

	/* Black box: the event ids whose latest record a buffered session
	 * keeps apart from its ring, so that every dump says which
	 * connection it is (at most ELOG_BB_STICKY_MAX; may be none). */
	const __u32 *bb_sticky;
	size_t nbb_sticky;

	/* Every program the provider attaches or runs, in load order (the
	 * hook that ends sessions before any that begins one). The runtime
	 * attaches the per-packet ones for the first subscriber and detaches
	 * them after the last. */
	const struct elog_hook *hooks;
	size_t nhooks;

	/* Maps of its own that its callbacks open (elog_rt_obj_fd), pinned
	 * under their names (no '.'). */
	const char *const *maps;
	size_t nmaps;

	/*
	 * First subscriber arrived (true: the hot hooks are attached) / last
	 * one left (false: they are detached right after): whatever else the
	 * provider switches with them. May be NULL.
	 */
	int (*subscribers_changed)(struct elog_rt *rt, bool has_subscribers, struct elog_error *err);

	/*
	 * Re-emit every enabled live session's state (SESSION_CREATE and the
	 * state events) to `slot` only: emit from a struct elog_session copy
	 * whose target is slot. The runtime sends DUMP_COMPLETE afterwards.
	 * May be NULL (then only DUMP_COMPLETE is sent).
	 */
	int (*dump_state)(struct elog_rt *rt, int slot, struct elog_error *err);

	/*
	 * The default was written (already stored: 1 for 1 and 2, 0 for 0 and
	 * -1). value 2: enable every live session and emit its state to every
	 * subscriber; -1: disable every live session; 0/1: nothing to walk.
	 */
	int (*default_changed)(struct elog_rt *rt, int value, struct elog_error *err);

	/* Optional: provider-specific cleanup before the pins are removed. */
	void (*unload)(struct elog_rt *rt);

	/*
	 * The provider's BPF object as built into this binary (the skeleton's
	 * __elf_bytes). The runtime loads it (open, load, pin the framework's
	 * maps and programs and ops->maps, attach and pin ops->hooks, close:
	 * the pins keep everything alive; on failure it removes whatever was
	 * pinned), and stamps the loaded provider with its hash, so a provider
	 * pinned by another build (whose programs and maps may differ) is
	 * noticed and reloaded instead of half-used.
	 */
	const void *(*object_bytes)(size_t *size);
};

/* ---- services for the callbacks ---- */

/* Fills err (may be NULL) like elog_errorf() and returns -1, so a callback
 * can `return elog_rt_errf(err, errno, "...", ...);` (e <= 0 becomes EIO). */
int elog_rt_errf(struct elog_error *err, int e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *elog_rt_name(const struct elog_rt *rt);
const struct elog_provider_ops *elog_rt_ops(const struct elog_rt *rt);

/* "/sys/fs/bpf/eventlog/<p>/<name>" into buf; -1 (errno ENAMETOOLONG) if it does not fit. */
int elog_rt_pin_path(const struct elog_rt *rt, const char *name, char *buf, size_t size);

/* What the verifier said of one program (lib/rt/verify.c). */
struct elog_prog_stats {
	char name[64];
	int loaded;          /* 1: verified and loaded */
	int error;           /* errno of a refused program */
	long insns;          /* instructions processed (-1: not reported) */
	long insn_limit;     /* the verifier's limit on them */
	long peak_states;
	long total_states;
	long verify_us;      /* verification time */
	char reason[160];    /* the verifier's last message, for a refused program */
};

/*
 * Loads obj (opened, not loaded), with the verifier's statistics for each
 * program into stats (up to max of them; *n gets how many; stats and n may
 * be NULL/0). A refused program fails the load with a message that names it
 * and says why in words: too complex for this kernel's verifier (with the
 * instructions processed), or the verifier's own message.
 */
int elog_rt_load_object(const char *provider, struct bpf_object *obj, struct elog_prog_stats *stats,
			size_t max, size_t *n, struct elog_error *err);

/*
 * ops->hooks against obj (opened, loaded or not): every program of obj is
 * the framework's or in the table, once, and is of the kind the table
 * says; the table's entries are consistent (a per-packet hook is a
 * tracepoint or a cgroup hook, a command is attached nowhere, pin names
 * are unique and without '.').
 */
int elog_rt_check_hooks(const struct elog_provider_ops *ops, struct bpf_object *obj,
			struct elog_error *err);

/* ops's BPF object opened (not loaded) from ops->object_bytes into *obj;
 * close it with bpf_object__close(). */
int elog_rt_open_object(const struct elog_provider_ops *ops, struct bpf_object **obj,
			struct elog_error *err);

/* A new fd of pinned program prog_<name> (caller closes it). */
int elog_rt_prog_fd(struct elog_rt *rt, const char *name, struct elog_error *err);

/* A new fd of any pinned object <pin> (e.g. a provider map pinned in load). */
int elog_rt_obj_fd(struct elog_rt *rt, const char *pin, struct elog_error *err);

/* A new fd of the cgroup2 root the cgroup hooks attach to (caller closes it). */
int elog_rt_cgroup_root_fd(struct elog_error *err);

/* Runs pinned SEC("syscall") program <pin> with ctx; *retval gets its return. */
int elog_rt_run_syscall(struct elog_rt *rt, const char *pin, void *ctx, size_t ctx_size,
			int *retval, struct elog_error *err);

/* Knobs (elog_knobs, index < ELOG_KNOB_COUNT): the provider's controls. */
int elog_rt_knob_get(struct elog_rt *rt, unsigned int knob, __s64 *value, struct elog_error *err);
int elog_rt_knob_set(struct elog_rt *rt, unsigned int knob, __s64 value, struct elog_error *err);

/*
 * Text controls (elog_provider_control.text): check, then set under the
 * provider's lock (so two writers never interleave), and get; rt NULL in
 * get reads the load-time value.
 */
int elog_rt_control_check(const struct elog_provider_control *c, const char *value,
			  struct elog_error *err);
int elog_rt_control_set(struct elog_rt *rt, const struct elog_provider_control *c,
			const char *value, struct elog_error *err);
int elog_rt_control_get(struct elog_rt *rt, const struct elog_provider_control *c, char *buf,
			size_t size, struct elog_error *err);

/* The providers built in that have runtime ops (lib/registry.h), by name
 * or in registry order (NULL past the last). */
const struct elog_provider_ops *elog_rt_find_provider(const char *name);
size_t elog_rt_provider_count(void);
const struct elog_provider_ops *elog_rt_provider_at(size_t i);

#endif /* ELOG_RT_PROVIDER_H */
