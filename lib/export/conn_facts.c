// SPDX-License-Identifier: BSD-2-Clause
/* The registry of connection facts (conn_facts.h); the list is generated. */
#include <string.h>

#include "conn_facts.h"

extern const struct elog_conn_facts_ops *const elog_conn_facts[];

const struct elog_conn_facts_ops *elog_conn_facts_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; elog_conn_facts[i] != NULL; i++)
		if (strcmp(elog_conn_facts[i]->provider, name) == 0)
			return elog_conn_facts[i];
	return NULL;
}
