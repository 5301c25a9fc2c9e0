// SPDX-License-Identifier: BSD-2-Clause
/*
 * elogctl OIDs over the provider runtime. Reads never load a provider (an
 * unloaded provider reads as its load-time values: all 0); writes load it,
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
};

/* The TCP provider's knobs (pinned elog_knobs entries), in -a order. */
static const struct {
	const char *name;
	enum oid_kind kind;
	enum elog_knob knob;
} tcp_knobs[] = {
	{ "log_id_limit", OID_LOG_ID_LIMIT, ELOG_KNOB_LOG_ID_LIMIT },
	{ "timer_restart_us", OID_TIMER_RESTART_US, ELOG_KNOB_TCP_TIMER_RESTART_US },
};

size_t oid_list(struct oid *v, size_t max)
{
	size_t n = 0, i;
	int k;

	for (i = 0; i < elog_rt_provider_count(); i++) {
		const char *p = elog_rt_provider_at(i)->name;

		for (k = OID_DEFAULT; k <= OID_SESSIONS_ENABLED && n < max; k++, n++) {
			snprintf(v[n].name, sizeof(v[n].name), "kern.eventlog.%s.%s", p, suffix[k]);
			v[n].provider = p;
			v[n].kind = (enum oid_kind)k;
			v[n].knob = -1;
			v[n].writable = k == OID_DEFAULT;
		}
	}
	/* FreeBSD keeps the TCP provider's own knobs under net.inet.tcp
	 * (timer_restart_us is ours). */
	if (!elog_rt_find_provider("tcp"))
		return n;
	for (i = 0; i < sizeof(tcp_knobs) / sizeof(tcp_knobs[0]) && n < max; i++) {
		snprintf(v[n].name, sizeof(v[n].name), "net.inet.tcp.eventlog.%s", tcp_knobs[i].name);
		v[n].provider = "tcp";
		v[n].kind = tcp_knobs[i].kind;
		v[n].knob = (int)tcp_knobs[i].knob;
		v[n].writable = true;
		n++;
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

	if (o->knob >= 0) {
		ret = elog_rt_knob_get(rt, (enum elog_knob)o->knob, &knob, err);
		*value = knob;
		return ret;
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
	if (ret == -ENODEV)
		return 0; /* not loaded: load-time values, and stay unloaded */
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
	if (o->kind == OID_LOG_ID_LIMIT && value < -1)
		return elog_rt_errf(err, EINVAL, "invalid log_id_limit %lld "
				    "(use -1 for unlimited, 0 for none, or a count)", (long long)value);
	if (o->kind == OID_TIMER_RESTART_US && value < 0)
		return elog_rt_errf(err, EINVAL, "invalid timer_restart_us %lld "
				    "(use 0 to log every timer start, or microseconds)", (long long)value);
	ret = elog_rt_open(o->provider, ELOG_RT_LOAD, &rt, err);
	if (ret)
		return ret;
	ret = read_open(rt, o, old, err);
	if (!ret) {
		if (o->kind == OID_DEFAULT)
			ret = elog_rt_set_default(rt, (int)value, NULL, err);
		else
			ret = elog_rt_knob_set(rt, (enum elog_knob)o->knob, value, err);
	}
	if (!ret)
		ret = read_open(rt, o, now, err);
	elog_rt_close(rt);
	return ret;
}
