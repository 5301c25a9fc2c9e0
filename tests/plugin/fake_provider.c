// SPDX-License-Identifier: BSD-2-Clause
/*
 * A third provider, registered by this test only: elogctl(8) and elog(1)
 * linked with a registry that lists it next to the real ones (made by the
 * same recipe as theirs, tests/plugin/module.mk) must show its controls,
 * check their values and decode its events (tests/plugin/fake.src) from
 * its registration alone. It has no BPF object: anything that would load
 * it fails, which the test relies on to see that a refused value loads
 * nothing.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "registry.h"
#include "rt/provider.h"

/* A text control: the provider alone says what it takes and how it reads. */
static int peers_check(const struct elog_provider_control *c, const char *value,
		       struct elog_error *err)
{
	const char *p;

	(void)c;
	for (p = value; *p; p++)
		if ((*p < 'a' || *p > 'z') && *p != ',')
			return elog_rt_errf(err, EINVAL, "invalid peers '%s' (use names of a to z, "
					    "comma-separated)", value);
	return 0;
}

static int peers_set(struct elog_rt *rt, const struct elog_provider_control *c, const char *value,
		     struct elog_error *err)
{
	(void)rt;
	(void)c;
	(void)value;
	return elog_rt_errf(err, ENOTSUP, "fake: never loaded, never set");
}

static int peers_get(struct elog_rt *rt, const struct elog_provider_control *c, char *buf,
		     size_t size, struct elog_error *err)
{
	(void)c;
	if (rt)
		return elog_rt_errf(err, ENOTSUP, "fake: never loaded, never read");
	snprintf(buf, size, "none,yet"); /* its load-time value */
	return 0;
}

static const struct elog_control_text_ops peers_ops = {
	.check = peers_check,
	.set = peers_set,
	.get = peers_get,
};

static const struct elog_provider_control fake_controls[] = {
	{ "net.fake.eventlog.window", 2, 0, 1000, "use 0 to 1000 packets", NULL, 0 },
	{ "net.fake.eventlog.budget", 3, -1, INT32_MAX, "use -1 for unlimited, or a count", NULL, 0 },
	{ "net.fake.eventlog.peers", 4, 0, 0, NULL, &peers_ops, 0 },
};

static const struct elog_provider_ops fake_ops = {
	.name = "fake",
	.id = 99,
	.controls = fake_controls,
	.ncontrols = sizeof(fake_controls) / sizeof(fake_controls[0]),
};

/* Registered as the real ones are: its schema's tables (fake.src) and the
 * ops above. */
ELOG_PROVIDER_REGISTER(fake, &fake_ops, NULL);
