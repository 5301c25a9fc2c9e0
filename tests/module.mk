# SPDX-License-Identifier: BSD-2-Clause
# tests: unit tests (C harness, tests/unit/), golden captures (tests/golden/),
# CLI error paths, every-prefix truncation, the reader fuzzer replay and the
# bench report's verdicts (tests/bench/; the benchmark's smoke run is a
# target of its own, test-bench-quick, outside `make test`).
# Each group is a phony target in TEST_TARGETS; all of them work in both
# `make` (build/) and `make SAN=1` (build/san/, ASan+UBSan).

TEST_BIN := $(BUILD)/tests
TEST_LIBA := $(ELOG_LIBS)
TEST_HARNESS := $(OBJ)/tests/unit/harness.o

$(TEST_BIN)/test_capture: $(OBJ)/tests/unit/test_capture.o $(TEST_HARNESS) $(TEST_LIBA)
$(TEST_BIN)/test_format: $(OBJ)/tests/unit/test_format.o $(TEST_HARNESS) $(TEST_LIBA)
$(TEST_BIN)/test_options: $(OBJ)/tests/unit/test_options.o $(TEST_HARNESS) \
	$(OBJ)/cmd/elog/options.o $(OBJ)/cmd/elog/usage.o $(TEST_LIBA)
$(TEST_BIN)/test_reorder: $(OBJ)/tests/unit/test_reorder.o $(TEST_HARNESS) $(TEST_LIBA)
$(TEST_BIN)/test_bb_block: $(OBJ)/tests/unit/test_bb_block.o $(TEST_HARNESS) $(TEST_LIBA)
$(TEST_BIN)/test_recorder: $(OBJ)/tests/unit/test_recorder.o $(TEST_HARNESS) $(TEST_LIBA)
$(TEST_BIN)/test_writer_direct: $(OBJ)/tests/unit/test_writer_direct.o $(TEST_HARNESS) $(TEST_LIBA)
$(TEST_BIN)/test_tcp_filter: $(OBJ)/tests/unit/test_tcp_filter.o $(TEST_HARNESS) $(TEST_LIBA)
$(TEST_BIN)/test_sink: $(OBJ)/tests/unit/test_sink.o $(TEST_HARNESS) $(TEST_LIBA)
$(TEST_BIN)/test_ch_block: $(OBJ)/tests/unit/test_ch_block.o $(TEST_HARNESS) $(TEST_LIBA)
$(OBJ)/tests/unit/test_tcp_filter.o: CFLAGS += -Iproviders/tcp
$(TEST_BIN)/gen_golden: $(OBJ)/tests/golden/gen_golden.o $(TEST_LIBA)

$(TEST_BIN)/test_capture $(TEST_BIN)/test_format $(TEST_BIN)/test_options \
	$(TEST_BIN)/test_reorder $(TEST_BIN)/test_bb_block $(TEST_BIN)/test_recorder \
	$(TEST_BIN)/test_writer_direct $(TEST_BIN)/test_tcp_filter $(TEST_BIN)/test_sink \
	$(TEST_BIN)/test_ch_block $(TEST_BIN)/gen_golden:
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter-out %.a,$^) $(ELOG_LINK) $(LDLIBS)

.PHONY: test-unit test-golden test-truncation test-cli fuzz-reader-replay golden-update test-bench-report
TEST_TARGETS += test-unit test-golden test-truncation test-cli fuzz-reader-replay test-bench-report

test-unit: $(TEST_BIN)/test_capture $(TEST_BIN)/test_format $(TEST_BIN)/test_options \
	$(TEST_BIN)/test_reorder $(TEST_BIN)/test_bb_block $(TEST_BIN)/test_recorder \
	$(TEST_BIN)/test_writer_direct $(TEST_BIN)/test_tcp_filter $(TEST_BIN)/test_sink \
	$(TEST_BIN)/test_ch_block
	@fail=0; for t in $^; do echo "== $$t"; $$t || fail=1; done; exit $$fail

test-golden: $(BIN)/elog $(TEST_BIN)/gen_golden
	@echo "== tests/golden/run.sh"
	@sh tests/golden/run.sh $(BIN)/elog $(TEST_BIN)/gen_golden

# Rewrites tests/golden/*.elog and expected/ from the current build: review
# the diff before committing it.
golden-update: $(BIN)/elog $(TEST_BIN)/gen_golden
	@sh tests/golden/run.sh $(BIN)/elog $(TEST_BIN)/gen_golden --update

test-truncation: $(BIN)/elog
	@echo "== tests/golden/truncate.py sample.elog"
	@/usr/bin/python3 tests/golden/truncate.py $(BIN)/elog tests/golden/sample.elog

# The verdict logic of bench/report.py, the sample sorting of
# bench/profile.py, the A/B table of bench/ab_report.py and the black
# box's table of bench/bb_report.py, on made-up results (no benchmark is
# run).
test-bench-report:
	@echo "== tests/bench"
	$(Q)/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/bench

# bench/run.sh end to end (BENCH_QUICK=1, ~3 minutes, heavy on the CPU): a
# benchmark, so not part of `make test`; run it by hand after changing
# bench/ (it checks that every part runs and that the counts agree).
.PHONY: test-bench-quick
test-bench-quick: all
	@echo "== tests/bench/quick_run.sh"
	$(Q)sh tests/bench/quick_run.sh

test-cli: $(BIN)/elog
	@echo "== tests/unit/cli_errors.sh"
	@sh tests/unit/cli_errors.sh $(BIN)/elog

# The fuzz targets link no runtime (libbpf): their registry has every
# provider registered with its schema's tables alone, listed by the
# registry's own recipe (providers/module.mk).
SCHEMA_REGISTRY_SRCS := lib/registry.c $(GEN)/schema_only/regs.c $(GEN)/schema_only/registry.c \
	$(filter %_eventlog_tables.c,$(PROVIDER_SRCS))
$(GEN)/schema_only/regs.c: FORCE
	@mkdir -p $(@D)
	@{ echo '#include "registry.h"'; for p in $(sort $(ELOG_PROVIDERS)); do \
	  echo "ELOG_PROVIDER_REGISTER($$p, NULL, NULL);"; done; } > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(GEN)/schema_only/registry.c: FORCE
	$(call gen_registry,ELOG_PROVIDERS)

# libFuzzer needs clang and its own instrumentation, so the target is built
# from sources rather than from the gcc archive.
FUZZ_READER := $(BUILD)/fuzz/fuzz_reader
FUZZ_READER_SRCS := tests/fuzz/reader/fuzz_reader.c lib/elog_error.c lib/capture/capture_read.c \
	lib/decode/format.c lib/decode/format_schema.c lib/decode/textline.c lib/decode/utc.c \
	$(SCHEMA_REGISTRY_SRCS)
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -Iinclude $(LIB_INCS) -I$(GEN) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 20

$(FUZZ_READER): $(FUZZ_READER_SRCS) | $(GEN_HDRS)
	$(call msg,CLANG,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $(FUZZ_READER_SRCS) -lz

# Replays every seed, then fuzzes for a bounded time from them; new inputs
# go to a scratch directory, crashes to $(BUILD)/fuzz/ (and fail the target).
fuzz-reader-replay: $(FUZZ_READER)
	@echo "== fuzz-reader-replay ($(FUZZ_SECONDS) s)"
	@set -e; work=$$(mktemp -d /tmp/elog-fuzz.XXXXXX); log=$(BUILD)/fuzz/fuzz_reader.log; \
	trap 'rm -rf "$$work"' EXIT; \
	if ! $(FUZZ_READER) -artifact_prefix=$(BUILD)/fuzz/ tests/fuzz/reader/corpus/* >$$log 2>&1 || \
	   ! $(FUZZ_READER) -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=$(BUILD)/fuzz/ $$work tests/fuzz/reader/corpus >>$$log 2>&1; then \
		tail -40 $$log; echo "fuzz-reader-replay: FAILED (log: $$log)"; exit 1; fi; \
	echo "fuzz-reader-replay: $$(ls tests/fuzz/reader/corpus | wc -l) seeds replayed, $$(grep -o 'Done [0-9]* runs' $$log | tail -1), no crash"

# Man pages: mandoc lint, and every usage option documented in its page.
.PHONY: test-man
TEST_TARGETS += test-man
test-man: $(BIN)/elog $(BIN)/elogctl $(BIN)/elog-schemac
	@echo "== tests/man/check.sh"
	@sh tests/man/check.sh $(BIN)

# make install into a scratch DESTDIR, and a program built against it with
# pkg-config. Normal build only: the SAN=1 library needs the sanitizer
# runtimes, which an installed product does not link.
ifneq ($(SAN),1)
.PHONY: test-install
TEST_TARGETS += test-install
test-install: all
	@echo "== tests/install/check.sh"
	@sh tests/install/check.sh $(BUILD)
endif
