/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elogctl's names (sysctl(8) style OIDs) and how each maps onto a provider's
 * pinned state. The table is built from the provider registry, so a new
 * provider gets its kern.eventlog.<p>.* names, and the names of the
 * controls it registers, without touching elogctl.
 */
#ifndef ELOGCTL_OID_H
#define ELOGCTL_OID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elog_error.h"

enum oid_kind {
	OID_DEFAULT,          /* kern.eventlog.<p>.default (rw) */
	OID_SESSIONS_CREATED, /* kern.eventlog.<p>.sessions_created (ro) */
	OID_SESSIONS_ACTIVE,  /* kern.eventlog.<p>.sessions_active (ro) */
	OID_SESSIONS_ENABLED, /* kern.eventlog.<p>.sessions_enabled (ro) */
	OID_SKIPPED_RUNS,     /* kern.eventlog.<p>.skipped_runs (ro) */
	OID_CONTROL,          /* a control (rw, one of its knobs): the provider's own
			       * or the framework's black box ones */
	OID_BB_STAT,          /* <prefix>.blackbox.<counter> (ro) */
};

struct elog_provider_control;

struct oid {
	char name[96];
	const char *provider;
	enum oid_kind kind;
	const struct elog_provider_control *control; /* OID_CONTROL */
	unsigned int stat;                           /* OID_BB_STAT: counter index */
	bool writable;
	bool text; /* a text control: oid_read_text / oid_write_text */
};

/* Every OID, in -a order. Returns the count (<= max). */
size_t oid_list(struct oid *v, size_t max);

/* Current value; 0 for a provider that is not loaded (nothing is loaded). */
int oid_read(const struct oid *o, int64_t *value, struct elog_error *err);

/* Writes (loading the provider if needed); *old gets the value before and
 * *now the value read back after, as sysctl(8) prints them. */
int oid_write(const struct oid *o, int64_t value, int64_t *old, int64_t *now,
	      struct elog_error *err);

/* The same for a text control (o->text); old and now hold size bytes.
 * A bad value is refused before anything is loaded. */
int oid_read_text(const struct oid *o, char *buf, size_t size, struct elog_error *err);
int oid_write_text(const struct oid *o, const char *value, char *old, char *now, size_t size,
		   struct elog_error *err);

#endif /* ELOGCTL_OID_H */
