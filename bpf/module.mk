# SPDX-License-Identifier: BSD-2-Clause
#
# bpf: the framework's kernel half (headers shared by every provider) and the
# BPF build pipeline providers reuse from their own module.mk.
#
# Variables for providers:
#   $(GEN)/vmlinux.h      CO-RE type dump of the running kernel's BTF
#                         (/sys/kernel/btf/vmlinux, override with VMLINUX_BTF=).
#   BPF_CFLAGS            clang flags for every *.bpf.c (target bpf, CO-RE,
#                         -I$(GEN) -Ibpf -Iinclude, -MMD for header deps).
#   BPF_HDRS              framework headers a provider's object depends on.
#   $(OBJ)/<dir>/<n>.bpf.o  built from <dir>/<n>.bpf.c by the pattern rule below;
#                         it waits for vmlinux.h and every $(GEN_HDRS) (so the
#                         generated <p>_eventlog.h exists).
#   $(GEN)/<n>.skel.h     `bpftool gen skeleton` of $(OBJ)/providers/<n>/<n>.bpf.o,
#                         with skeleton name <n>_bpf (struct <n>_bpf, <n>_bpf__open()).
#
# A provider's module.mk therefore only says, e.g. for providers/foo/:
#   $(OBJ)/providers/foo/foo.o: $(GEN)/foo.skel.h
#   PROVIDER_SRCS += providers/foo/foo.c
#   ELOG_PROVIDERS += foo             (lists its registration: providers/module.mk)
#
# The tests of this component (tests/e2e, framework + elogctl) run as the
# phony test-e2e, which is in TEST_TARGETS and receives the build's bin dir as
# ELOG_BIN so that `make SAN=1 test-e2e` exercises the sanitizer binaries.

VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) \
	-Wall -Werror -Wno-unused-function -Wno-compare-distinct-pointer-types \
	-I$(GEN) -Ibpf -Iinclude -MMD -MP
BPF_HDRS := bpf/eventlog.bpf.h bpf/eventlog_abi.h include/eventlog/record.h

# bpf/eventlog_abi.h (map layouts) is shared with the userspace runtime.
CFLAGS += -Ibpf

$(GEN)/vmlinux.h:
	@if [ ! -r "$(VMLINUX_BTF)" ]; then \
		echo "bpf/module.mk: $(VMLINUX_BTF) is missing: this kernel has no BTF" \
		     "(CONFIG_DEBUG_INFO_BTF=y is required to build the CO-RE programs)" >&2; \
		exit 1; fi
	$(call msg,BTF,$@)
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

# One pattern for every *.bpf.c in the tree.
$(OBJ)/%.bpf.o: %.bpf.c $(GEN)/vmlinux.h $(BPF_HDRS) | $(GEN_HDRS)
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -c $< -o $@

# Skeletons: the object's name is <n>_bpf so libbpf's internal map names and
# the skeleton type agree across providers.
.SECONDEXPANSION:
$(GEN)/%.skel.h: $$(OBJ)/providers/$$*/$$*.bpf.o
	$(call msg,SKEL,$@)
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# End-to-end tests (framework, elogctl, and the providers' own e2e files).
.PHONY: test-e2e
TEST_TARGETS += test-e2e
test-e2e: all
	$(Q)ELOG_BIN=$(abspath $(BIN)) /usr/bin/python3 -m pytest -q --durations=10 tests/e2e
