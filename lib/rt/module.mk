# SPDX-License-Identifier: BSD-2-Clause
# lib/rt: provider runtime (load, pin, subscribe, controls), in libeventlog.a.
#
# Providers register by appending their name to ELOG_RT_PROVIDERS in their
# own module.mk and defining `const struct elog_provider_ops
# elog_provider_<name>_ops`; the registry table is generated from that list.

ELOG_RT_PROVIDERS ?=

LIB_SRCS += lib/rt/bb.c lib/rt/control.c lib/rt/hot.c lib/rt/lock.c lib/rt/pins.c lib/rt/proc.c lib/rt/reaper.c \
	lib/rt/registry.c lib/rt/rt.c lib/rt/skipped.c lib/rt/state.c lib/rt/subscribe.c lib/rt/reorder.c lib/rt/bb_block.c \
	lib/rt/verify.c $(GEN)/rt_providers.c

$(GEN)/rt_providers.c: FORCE
	$(call gen_registry,ELOG_RT_PROVIDERS,struct elog_provider_ops,elog_provider_,_ops,elog_rt_providers,rt/provider.h)
