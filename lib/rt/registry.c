/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Provider registry: the providers built in are listed by make
 * (ELOG_PROVIDERS in the providers' module.mk) into
 * build/gen/rt_providers.c, so adding a provider touches no runtime code.
 */
#include <string.h>

#include "rt_internal.h"

extern const struct elog_provider_ops *const elog_rt_providers[];
extern const size_t elog_rt_providers_count;

const struct elog_provider_ops *elog_rt_find_provider(const char *name)
{
	size_t i;

	for (i = 0; i < elog_rt_providers_count; i++)
		if (!strcmp(elog_rt_providers[i]->name, name))
			return elog_rt_providers[i];
	return NULL;
}

size_t elog_rt_provider_count(void)
{
	return elog_rt_providers_count;
}

const struct elog_provider_ops *elog_rt_provider_at(size_t i)
{
	return i < elog_rt_providers_count ? elog_rt_providers[i] : NULL;
}
