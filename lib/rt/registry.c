/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The runtime's view of the provider registry (registry.h): the
 * registrations that have runtime ops, so adding a provider touches no
 * runtime code.
 */
#include <string.h>

#include "registry.h"
#include "rt_internal.h"

const struct elog_provider_ops *elog_rt_find_provider(const char *name)
{
	const struct elog_provider_reg *r = elog_registry_find(name);

	return r ? r->rt : NULL;
}

size_t elog_rt_provider_count(void)
{
	size_t i, n = 0;

	for (i = 0; i < elog_registry_count; i++)
		n += elog_registry[i]->rt != NULL;
	return n;
}

const struct elog_provider_ops *elog_rt_provider_at(size_t i)
{
	size_t k;

	for (k = 0; k < elog_registry_count; k++)
		if (elog_registry[k]->rt && i-- == 0)
			return elog_registry[k]->rt;
	return NULL;
}
