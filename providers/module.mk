# SPDX-License-Identifier: BSD-2-Clause
# providers: libeventlog-providers.a, every provider's user half, its
# schema's consumer tables and the registries that list them; the library
# (libeventlog.a) names no provider.
#
# A provider in providers/<p>/ with its schema in schemas/<p>.src says in
# its own module.mk:
#   ELOG_PROVIDERS += <p>    it defines elog_provider_<p>_ops (lib/rt/provider.h);
#                            its tables (elog_provider_<p>) come from the schema
#   ELOG_CONN_FACTS += <p>   if it defines elog_conn_facts_<p> (lib/export/conn_facts.h)
#   PROVIDER_SRCS += providers/<p>/<p>.c ...
# and nothing else in the tree changes.

ELOG_PROVIDERS ?=
ELOG_CONN_FACTS ?=
PROVIDER_SRCS += $(foreach p,$(ELOG_PROVIDERS),$(GEN)/$(p)_eventlog_tables.c)

# The registries, one recipe for each list (tests/plugin makes its own with
# a third provider added). The schema's (elog_providers) is what the
# decoders read, the runtime's (elog_rt_providers) what elog and elogctl
# load and control, the connection facts' what the exports ask.
PROVIDER_REGISTRY_OBJS := $(OBJ)/gen/providers.o $(OBJ)/gen/rt_providers.o \
	$(OBJ)/gen/conn_facts_list.o
$(GEN)/providers.c: FORCE
	$(call gen_registry,ELOG_PROVIDERS,struct elog_provider_desc,elog_provider_,,elog_providers,eventlog/schema.h,elog_provider_count)
$(GEN)/rt_providers.c: FORCE
	$(call gen_registry,ELOG_PROVIDERS,struct elog_provider_ops,elog_provider_,_ops,elog_rt_providers,rt/provider.h,elog_rt_providers_count)
$(GEN)/conn_facts_list.c: FORCE
	$(call gen_registry,ELOG_CONN_FACTS,struct elog_conn_facts_ops,elog_conn_facts_,,elog_conn_facts,conn_facts.h,elog_conn_facts_count)
