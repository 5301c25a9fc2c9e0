/* SPDX-License-Identifier: BSD-2-Clause */
/* Lookups over the provider registry (registry.h); the list is generated. */
#include <string.h>

#include "eventlog/schema.h"
#include "registry.h"

const struct elog_provider_reg *elog_registry_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < elog_registry_count; i++)
		if (strcmp(elog_registry[i]->schema->name, name) == 0)
			return elog_registry[i];
	return NULL;
}
