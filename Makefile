# SPDX-License-Identifier: BSD-2-Clause
#
# eventlog for Linux: one make invocation builds everything into $(BUILD).
# Each component describes itself in its own module.mk; this file only holds
# the shared variables, the pattern rules and the top-level targets.
#
#   make                 build everything (build/)
#   make SAN=1           ASan+UBSan build (build/san/)
#   make test            install missing packages, build, run every test
#   make run             install, build, capture a live loopback exchange
#   make install PREFIX=/usr/local
#   make V=1             show full commands

BUILD ?= build
ifeq ($(SAN),1)
BUILD := build/san
endif
GEN := $(BUILD)/gen
BIN := $(BUILD)/bin
OBJ := $(BUILD)/obj
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

WARN := -Wall -Wextra -Werror
CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -MMD -MP \
	-Iinclude -Ilib -I$(GEN)
LDLIBS := -lbpf -lelf -lz -lzstd
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all test check run install clean deps tests-here

all:

# Components append to these.
BINS :=
LIB_SRCS :=
GEN_HDRS :=
# Each component appends phony targets that run one group of its tests
# against the binaries in $(BUILD); `make test` runs them all twice: on the
# normal build and on the SAN=1 build.
TEST_TARGETS :=

include tools/schemac/module.mk
include lib/module.mk
include lib/export.mk
include lib/rt/module.mk
include bpf/module.mk
include providers/test/module.mk
include providers/tcp/module.mk
include cmd/elog/module.mk
include cmd/elogctl/module.mk
include tests/module.mk
include tests/verifier/module.mk
include tests/plugin/module.mk
include tests/fuzz/options/module.mk
include tests/export.mk

# libeventlog.a: every component's library sources, plus generated tables.
LIB := $(BUILD)/lib/libeventlog.a
LIB_OBJS := $(patsubst $(GEN)/%.c,$(OBJ)/gen/%.o,$(filter $(GEN)/%,$(LIB_SRCS))) \
	$(patsubst %.c,$(OBJ)/%.o,$(filter-out $(GEN)/%,$(LIB_SRCS)))
$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# The build installs what is missing first (a no-op when all is there).
all: | deps
all: $(BINS)

$(OBJ)/%.o: %.c | $(GEN_HDRS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OBJ)/gen/%.o: $(GEN)/%.c | $(GEN_HDRS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

deps:
	@./scripts/install-deps.sh

# The main job: a live capture of real loopback TCP traffic, decoded.
run: deps
	$(MAKE) --no-print-directory all
	./scripts/demo.sh $(BIN)

# What users get: the commands, the public headers (TCP_EVENTLOG, record and
# schema layouts, the generated tcp producer header) and the library's
# capture reader/writer, formatter and text line. Test tools stay in build/.
INSTALL_BINS = $(BIN)/elog $(BIN)/elogctl $(BIN)/elog-schemac
INSTALL_HDRS = $(filter-out %/test_eventlog.h,$(GEN_HDRS)) \
	lib/capture.h lib/elog_error.h lib/format.h lib/textline.h

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/eventlog \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(INSTALL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 include/eventlog/*.h $(INSTALL_HDRS) $(DESTDIR)$(PREFIX)/include/eventlog/
	install -m 0644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	for m in man/*.[1-8]; do \
		install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$${m##*.}/; done
	sed -e 's|@PREFIX@|$(PREFIX)|g' eventlog.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/eventlog.pc

# Runs every test group of this build variant; each group's outcome is
# appended to build/test-results for the summary of `make test`, and its
# output is kept in $(BUILD)/test-logs/GROUP.log (shown as it runs too).
tests-here: all
	@mkdir -p build $(BUILD)/test-logs; fail=0; for t in $(TEST_TARGETS); do \
		log=$(BUILD)/test-logs/$$t.log; \
		{ $(MAKE) --no-print-directory $$t 2>&1; echo $$? > $$log.rc; } | tee $$log; \
		if [ "$$(cat $$log.rc)" = 0 ]; then r=pass; else r=FAIL; fail=1; fi; \
		echo "$$r $(BUILD) $$t" >> build/test-results; \
	done; exit $$fail

# Both variants run even when the first fails. The end repeats what failed
# (the failing tests' lines of each failed group, or its last lines) so that
# the tail of a CI log names them; the last line sums up groups.
test check: deps
	@mkdir -p build; rm -f build/test-results; rc=0; \
	$(MAKE) --no-print-directory SAN=1 tests-here || rc=1; \
	$(MAKE) --no-print-directory tests-here || rc=1; \
	echo; grep ^FAIL build/test-results | while read -r r dir t; do \
		echo "FAIL $$dir $$t:"; \
		grep -E '^(FAIL|FAILED|ERROR) ' $$dir/test-logs/$$t.log | head -20 | grep . \
			|| tail -n 15 $$dir/test-logs/$$t.log; \
	done; \
	echo "test groups: $$(grep -c ^pass build/test-results) passed, $$(grep -c ^FAIL build/test-results) failed"; \
	exit $$rc

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
