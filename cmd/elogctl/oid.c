// SPDX-License-Identifier: BSD-2-Clause
/*
 * elogctl OIDs over the provider runtime. Reads never load a provider (an
 * unloaded provider reads as its load-time values); writes load it,
 * because the value lives in the provider's pinned state.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "oid.h"
#include "rt/rt.h"

static const char *const suffix[] = {
	[OID_DEFAULT] = "default",
	[OID_SESSIONS_CREATED] = "sessions_created",
	[OID_SESSIONS_ACTIVE] = "sessions_active",
	[OID_SESSIONS_ENABLED] = "sessions_enabled",
	[OID_SKIPPED_RUNS] = "skipped_runs",
};

/* The black box's controls, every provider's, under its control prefix;
 * the runtime writes the same values at load (elog_bb_knob_default). */
static const struct elog_provider_control bb_controls[] = {
	{ "mode", ELOG_KNOB_BB_MODE, 0, ELOG_BB_MODE_MAX,
	  "use 0 OFF, 1 TAIL, 2 HEAD, 3 HEAD_AUTO, 4 CONTINUAL or 5 TAIL_AUTO", NULL,
	  ELOG_BB_DEFAULT_MODE },
	{ "session_limit", ELOG_KNOB_BB_SESSION_LIMIT, 1, 1 << 20,
	  "use 1 to 1048576 events a session keeps", NULL, ELOG_BB_DEFAULT_SESSION_LIMIT },
	{ "global_limit", ELOG_KNOB_BB_GLOBAL_LIMIT, 0, 1 << 20,
	  "use 0 to 1048576 records all buffers may hold, 128 bytes each", NULL,
	  ELOG_BB_DEFAULT_GLOBAL_LIMIT },
	{ "auto_ratio", ELOG_KNOB_BB_AUTO_RATIO, 0, INT32_MAX,
	  "use 0 or 1 for every new session, N for 1 in N", NULL, 0 },
	{ "auto_mode", ELOG_KNOB_BB_AUTO_MODE, -1, ELOG_BB_MODE_MAX,
	  "use -1 for the mode control's value, or a mode 0 to 5", NULL,
	  ELOG_BB_DEFAULT_AUTO_MODE },
	{ "trigger.end", ELOG_KNOB_BB_TRIG_END, 0, 1, "use 0 or 1", NULL, ELOG_BB_DEFAULT_TRIGGER },
	{ "trigger.full", ELOG_KNOB_BB_TRIG_FULL, 0, 1, "use 0 or 1", NULL, ELOG_BB_DEFAULT_TRIGGER },
	{ "trigger.request", ELOG_KNOB_BB_TRIG_REQUEST, 0, 1, "use 0 or 1", NULL,
	  ELOG_BB_DEFAULT_TRIGGER },
	{ "linger", ELOG_KNOB_BB_LINGER_S, 0, 86400, "use 0 to 86400 seconds", NULL,
	  ELOG_BB_DEFAULT_LINGER_S },
};

static const char *const bb_stat_names[] = {
	"sessions", "refused", "trimmed", "records", "dumps",
	"dumped", "overwritten", "undelivered", "too_big", "merged",
};
_Static_assert(sizeof(bb_stat_names) / sizeof(bb_stat_names[0]) ==
		       sizeof(struct elog_bb_stats) / sizeof(__u64),
	       "a name for every black box counter");

/* "<control prefix>.<suffix>" of provider ops. */
static void prefixed(char *buf, size_t size, const struct elog_provider_ops *ops, const char *suffix)
{
	if (ops->control_prefix)
		snprintf(buf, size, "%s.%s", ops->control_prefix, suffix);
	else
		snprintf(buf, size, "kern.eventlog.%s.%s", ops->name, suffix);
}

size_t oid_list(struct oid *v, size_t max)
{
	size_t n = 0, i, c;
	int k;

	for (i = 0; i < elog_rt_provider_count(); i++) {
		const char *p = elog_rt_provider_at(i)->name;

		for (k = OID_DEFAULT; k <= OID_SKIPPED_RUNS && n < max; k++, n++) {
			snprintf(v[n].name, sizeof(v[n].name), "kern.eventlog.%s.%s", p, suffix[k]);
			v[n].provider = p;
			v[n].kind = (enum oid_kind)k;
			v[n].control = NULL;
			v[n].writable = k == OID_DEFAULT;
			v[n].text = false;
		}
	}
	/* The providers' own controls come after every kern.eventlog name. */
	for (i = 0; i < elog_rt_provider_count(); i++) {
		const struct elog_provider_ops *ops = elog_rt_provider_at(i);

		for (c = 0; c < ops->ncontrols && n < max; c++, n++) {
			snprintf(v[n].name, sizeof(v[n].name), "%s", ops->controls[c].name);
			v[n].provider = ops->name;
			v[n].kind = OID_CONTROL;
			v[n].control = &ops->controls[c];
			v[n].writable = true;
			v[n].text = ops->controls[c].text != NULL;
		}
		for (c = 0; c < sizeof(bb_controls) / sizeof(bb_controls[0]) && n < max; c++, n++) {
			prefixed(v[n].name, sizeof(v[n].name), ops, bb_controls[c].name);
			v[n].provider = ops->name;
			v[n].kind = OID_CONTROL;
			v[n].control = &bb_controls[c];
			v[n].writable = true;
			v[n].text = false;
		}
		for (c = 0; c < sizeof(bb_stat_names) / sizeof(bb_stat_names[0]) && n < max; c++, n++) {
			char suffix[64];

			snprintf(suffix, sizeof(suffix), "blackbox.%s", bb_stat_names[c]);
			prefixed(v[n].name, sizeof(v[n].name), ops, suffix);
			v[n].provider = ops->name;
			v[n].kind = OID_BB_STAT;
			v[n].control = NULL;
			v[n].stat = (unsigned int)c;
			v[n].writable = false;
			v[n].text = false;
		}
	}
	return n;
}

static int read_open(struct elog_rt *rt, const struct oid *o, int64_t *value,
		     struct elog_error *err)
{
	struct elog_state st;
	struct elog_conf conf;
	__s64 knob;
	int ret;

	if (o->control) {
		ret = elog_rt_knob_get(rt, o->control->knob, &knob, err);
		*value = knob;
		return ret;
	}
	if (o->kind == OID_SKIPPED_RUNS) {
		uint64_t runs;

		ret = elog_rt_skipped_runs(rt, &runs, err);
		*value = (int64_t)runs;
		return ret;
	}
	if (o->kind == OID_BB_STAT) {
		struct elog_bb_stats bb;
		__u64 f[sizeof(bb) / sizeof(__u64)];

		ret = elog_rt_bb_stats(rt, &bb, err);
		if (ret)
			return ret;
		memcpy(f, &bb, sizeof(f));
		*value = (int64_t)f[o->stat];
		return 0;
	}
	ret = elog_rt_read(rt, &st, &conf, err);
	if (ret)
		return ret;
	switch (o->kind) {
	case OID_DEFAULT: *value = conf.default_on; break;
	case OID_SESSIONS_CREATED: *value = (int64_t)st.sessions_created; break;
	case OID_SESSIONS_ACTIVE: *value = (int64_t)st.sessions_active; break;
	case OID_SESSIONS_ENABLED: *value = (int64_t)st.sessions_enabled; break;
	default: *value = 0; break;
	}
	return 0;
}

int oid_read(const struct oid *o, int64_t *value, struct elog_error *err)
{
	struct elog_rt *rt;
	int ret;

	*value = 0;
	ret = elog_rt_check_privilege(err);
	if (ret)
		return ret;
	ret = elog_rt_open(o->provider, 0, &rt, err);
	if (ret && err->code == ENODEV) {
		/* Not loaded: the load-time values, and stay unloaded. */
		if (o->control && !o->control->text)
			*value = o->control->initial;
		return 0;
	}
	if (ret)
		return ret;
	ret = read_open(rt, o, value, err);
	elog_rt_close(rt);
	return ret;
}

int oid_write(const struct oid *o, int64_t value, int64_t *old, int64_t *now,
	      struct elog_error *err)
{
	struct elog_rt *rt;
	int ret;

	if (!o->writable)
		return elog_rt_errf(err, EPERM, "oid '%s' is read only", o->name);
	if (value < INT32_MIN || value > INT32_MAX)
		return elog_rt_errf(err, EINVAL, "value %lld out of range", (long long)value);
	/* Reject before loading anything: a bad write must change nothing. */
	if (o->kind == OID_DEFAULT && (value < -1 || value > 2))
		return elog_rt_errf(err, EINVAL, "invalid default %lld (use -1, 0, 1 or 2)",
				    (long long)value);
	if (o->control && (value < o->control->min || value > o->control->max)) {
		const char *last = strrchr(o->name, '.');

		return elog_rt_errf(err, EINVAL, "invalid %s %lld (%s)", last ? last + 1 : o->name,
				    (long long)value, o->control->hint);
	}
	ret = elog_rt_open(o->provider, ELOG_RT_LOAD, &rt, err);
	if (ret)
		return ret;
	ret = read_open(rt, o, old, err);
	if (!ret) {
		if (o->kind == OID_DEFAULT)
			ret = elog_rt_set_default(rt, (int)value, NULL, err);
		else
			ret = elog_rt_knob_set(rt, o->control->knob, value, err);
	}
	if (!ret)
		ret = read_open(rt, o, now, err);
	elog_rt_close(rt);
	return ret;
}

int oid_read_text(const struct oid *o, char *buf, size_t size, struct elog_error *err)
{
	struct elog_rt *rt;
	int ret;

	if (size)
		buf[0] = '\0';
	ret = elog_rt_check_privilege(err);
	if (ret)
		return ret;
	ret = elog_rt_open(o->provider, 0, &rt, err);
	if (ret && err->code == ENODEV) /* not loaded: the load-time value, and stay unloaded */
		return elog_rt_control_get(NULL, o->control, buf, size, err);
	if (ret)
		return ret;
	ret = elog_rt_control_get(rt, o->control, buf, size, err);
	elog_rt_close(rt);
	return ret;
}

int oid_write_text(const struct oid *o, const char *value, char *old, char *now, size_t size,
		   struct elog_error *err)
{
	struct elog_rt *rt;
	int ret;

	if (!o->writable)
		return elog_rt_errf(err, EPERM, "oid '%s' is read only", o->name);
	/* Refused before loading anything: a bad write changes nothing. */
	ret = elog_rt_control_check(o->control, value, err);
	if (ret)
		return ret;
	ret = elog_rt_open(o->provider, ELOG_RT_LOAD, &rt, err);
	if (ret)
		return ret;
	ret = elog_rt_control_get(rt, o->control, old, size, err);
	if (!ret)
		ret = elog_rt_control_set(rt, o->control, value, err);
	if (!ret)
		ret = elog_rt_control_get(rt, o->control, now, size, err);
	elog_rt_close(rt);
	return ret;
}
