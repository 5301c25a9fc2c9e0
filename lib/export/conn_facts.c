// SPDX-License-Identifier: BSD-2-Clause
/* A provider's connection facts, from its registration (registry.h). */
#include <stddef.h>

#include "conn_facts.h"
#include "registry.h"

const struct elog_conn_facts_ops *elog_conn_facts_find(const char *name)
{
	const struct elog_provider_reg *r = elog_registry_find(name);

	return r ? r->conn_facts : NULL;
}
