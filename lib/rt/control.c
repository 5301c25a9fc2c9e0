/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Text controls (provider.h): the runtime's side is the provider's lock
 * around set, and keeping the values across a reload from another build
 * (rt.c), since they live in the provider's own pinned state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

static int not_text(const struct elog_provider_control *c, struct elog_error *err)
{
	return elog_rt_errf(err, EINVAL, "%s is not a text control", c->name);
}

int elog_rt_control_check(const struct elog_provider_control *c, const char *value,
			  struct elog_error *err)
{
	if (!c->text || !c->text->check)
		return not_text(c, err);
	if (strlen(value) >= ELOG_CONTROL_TEXT_MAX)
		return elog_rt_errf(err, EINVAL, "value too long (at most %d characters)",
				    ELOG_CONTROL_TEXT_MAX - 1);
	return c->text->check(c, value, err) < 0 ? -1 : 0;
}

int elog_rt_control_set(struct elog_rt *rt, const struct elog_provider_control *c,
			const char *value, struct elog_error *err)
{
	int ret = elog_rt_control_check(c, value, err);

	if (ret)
		return ret;
	ret = elog_rt_lock(rt, err);
	if (ret)
		return ret;
	ret = elog_rt_cb_done(c->text->set(rt, c, value, err), rt, err);
	elog_rt_unlock(rt);
	return ret;
}

int elog_rt_control_get(struct elog_rt *rt, const struct elog_provider_control *c, char *buf,
			size_t size, struct elog_error *err)
{
	if (!c->text || !c->text->get)
		return not_text(c, err);
	if (size)
		buf[0] = '\0';
	return rt ? elog_rt_cb_done(c->text->get(rt, c, buf, size, err), rt, err) :
		    c->text->get(rt, c, buf, size, err) < 0 ? -1 : 0;
}

int elog_rt_text_save(struct elog_rt *rt, char ***out, struct elog_error *err)
{
	const struct elog_provider_ops *ops = rt->ops;
	struct elog_error ignored;
	char **v;
	size_t i;

	*out = NULL;
	if (!ops->ncontrols)
		return 0;
	v = calloc(ops->ncontrols, sizeof(*v));
	if (!v)
		return elog_rt_errf(err, ENOMEM, "out of memory");
	for (i = 0; i < ops->ncontrols; i++) {
		if (!ops->controls[i].text)
			continue;
		v[i] = malloc(ELOG_CONTROL_TEXT_MAX);
		if (!v[i]) {
			elog_rt_text_free(rt, v);
			return elog_rt_errf(err, ENOMEM, "out of memory");
		}
		/* The other build may not have this control (or keep it
		 * elsewhere): then there is nothing of it to keep. */
		if (elog_rt_control_get(rt, &ops->controls[i], v[i], ELOG_CONTROL_TEXT_MAX,
					&ignored)) {
			free(v[i]);
			v[i] = NULL;
		}
	}
	*out = v;
	return 0;
}

int elog_rt_text_restore(struct elog_rt *rt, char **v, struct elog_error *err)
{
	const struct elog_provider_ops *ops = rt->ops;
	size_t i;
	int ret;

	for (i = 0; v && i < ops->ncontrols; i++) {
		if (!v[i])
			continue;
		ret = elog_rt_control_set(rt, &ops->controls[i], v[i], err);
		if (ret)
			return ret;
	}
	return 0;
}

void elog_rt_text_free(struct elog_rt *rt, char **v)
{
	size_t i;

	for (i = 0; v && i < rt->ops->ncontrols; i++)
		free(v[i]);
	free(v);
}
