# SPDX-License-Identifier: BSD-2-Clause
# lib/rt: provider runtime (load, pin, subscribe, controls), in libeventlog.a.
# The providers it runs register in providers/module.mk.

LIB_SRCS += lib/rt/bb.c lib/rt/control.c lib/rt/hooks.c lib/rt/hot.c lib/rt/lock.c lib/rt/pins.c lib/rt/proc.c lib/rt/reaper.c \
	lib/rt/registry.c lib/rt/rt.c lib/rt/attach.c lib/rt/skipped.c lib/rt/slots.c lib/rt/state.c lib/rt/subscribe.c lib/rt/reorder.c lib/rt/bb_block.c \
	lib/rt/verify.c
