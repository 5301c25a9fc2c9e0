# SPDX-License-Identifier: BSD-2-Clause
# providers: libeventlog-providers.a, every provider's user half, its
# schema's consumer tables and the registry that lists them; the library
# (libeventlog.a) names no provider.
#
# A provider in providers/<p>/ with its schema in schemas/<p>.src says in
# its own module.mk:
#   ELOG_PROVIDERS += <p>
#   PROVIDER_SRCS += providers/<p>/<p>.c ...
# and its user half registers it once (lib/registry.h):
#   ELOG_PROVIDER_REGISTER(<p>, &<its runtime ops or NULL>, &<its connection facts or NULL>);
# over its schema's tables (elog_provider_<p>, generated here); nothing else
# in the tree changes.

ELOG_PROVIDERS ?=
PROVIDER_SRCS += $(foreach p,$(ELOG_PROVIDERS),$(GEN)/$(p)_eventlog_tables.c)

# The registry: one registration per provider, read by everything that
# needs providers (the decoders, the runtime, elog and elogctl, the
# exports). tests/plugin makes its own by the same recipe with a third
# provider added.
PROVIDER_REGISTRY_OBJS := $(OBJ)/gen/registry.o
$(GEN)/registry.c: FORCE
	$(call gen_registry,ELOG_PROVIDERS)
