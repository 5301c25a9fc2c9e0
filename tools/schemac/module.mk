# SPDX-License-Identifier: BSD-2-Clause
# tools/schemac: the schema compiler and everything generated from schemas/.

SCHEMAC := $(BIN)/elog-schemac
SCHEMAC_SRCS := $(addprefix tools/schemac/,util.c lexer.c layout.c parser.c names.c \
	emit_producer.c emit_tables.c emit_markdown.c emit_json.c emit_clickhouse.c)
SCHEMAC_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(SCHEMAC_SRCS))
SCHEMAS := tcp test

BINS += $(SCHEMAC)
GEN_HDRS += $(foreach p,$(SCHEMAS),$(GEN)/$(p)_eventlog.h)

# The compiler itself must not wait for GEN_HDRS (the generic rule's
# order-only prerequisite): those are what it generates.
$(OBJ)/tools/schemac/%.o: tools/schemac/%.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(SCHEMAC): $(SCHEMAC_OBJS) $(OBJ)/tools/schemac/main.o
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@

# One run writes both files (a grouped pattern rule).
# Schemas are in schemas/, and the plugin test's fake one in tests/plugin/.
vpath %.src schemas tests/plugin
$(GEN)/%_eventlog.h $(GEN)/%_eventlog_tables.c: %.src $(SCHEMAC)
	$(call msg,SCHEMAC,$<)
	@mkdir -p $(@D)
	$(Q)$(SCHEMAC) --header $(GEN)/$*_eventlog.h --tables $(GEN)/$*_eventlog_tables.c $<

# The event table as JSON per schema, for what is not C (bench/report.py).
EVENTS_JSON := $(foreach p,$(SCHEMAS),$(GEN)/$(p)_events.json)
all: $(EVENTS_JSON)
$(GEN)/%_events.json: schemas/%.src $(SCHEMAC)
	$(call msg,SCHEMAC,$@)
	@mkdir -p $(@D)
	$(Q)$(SCHEMAC) --json $@ $<

# ClickHouse DDL per schema (one server; the sharded variant is written
# by scripts/clickhouse-pair.sh with --clickhouse-cluster).
CLICKHOUSE_DDL := $(foreach p,$(SCHEMAS),$(GEN)/$(p)_clickhouse.sql)
all: $(CLICKHOUSE_DDL)
$(GEN)/%_clickhouse.sql: schemas/%.src $(SCHEMAC)
	$(call msg,SCHEMAC,$@)
	@mkdir -p $(@D)
	$(Q)$(SCHEMAC) --clickhouse $@ $<

# docs/events-<p>.md is committed (readable without a build); this
# regenerates it, and test-schemac fails while it is stale.
.PHONY: schemac-docs
schemac-docs: $(SCHEMAC)
	$(Q)for p in $(SCHEMAS); do \
		$(SCHEMAC) --markdown docs/events-$$p.md schemas/$$p.src || exit 1; done

# ---- tests: test-schemac ----
SCHEMAC_TEST := $(BUILD)/tests/schemac/test_schemac
SCHEMAC_TEST_SRCS := $(addprefix tests/schemac/,main.c outputs.c errors.c roundtrip.c tcp_interface.c)
SCHEMAC_TEST_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(SCHEMAC_TEST_SRCS)) $(OBJ)/tests/unit/harness.o \
	$(OBJ)/gen/tcp_eventlog_tables.o $(OBJ)/gen/test_eventlog_tables.o

$(SCHEMAC_TEST): $(SCHEMAC_TEST_OBJS)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@

.PHONY: test-schemac
TEST_TARGETS += test-schemac
test-schemac: $(SCHEMAC) $(SCHEMAC_TEST) $(GEN)/tcp_eventlog.h $(GEN)/test_eventlog.h \
	$(GEN)/test_clickhouse.sql
	@rm -rf $(BUILD)/tests/schemac/tmp && mkdir -p $(BUILD)/tests/schemac/tmp
	$(SCHEMAC_TEST) $(SCHEMAC) $(GEN) $(BUILD)/tests/schemac/tmp $(CLANG)

# ---- fuzzing: fuzz-schema-replay ----
# Always clang with ASan+UBSan+libFuzzer, whatever CC and SAN say: the
# fuzzer is only useful with the sanitizers, and libFuzzer needs clang.
SCHEMA_FUZZER := $(BUILD)/fuzz/fuzz_schema
SCHEMA_FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -Iinclude -Itools/schemac \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

$(SCHEMA_FUZZER): tests/fuzz/schema/fuzz_schema.c $(SCHEMAC_SRCS) tools/schemac/schemac.h
	$(call msg,FUZZ-CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(SCHEMA_FUZZ_FLAGS) tests/fuzz/schema/fuzz_schema.c $(SCHEMAC_SRCS) -o $@

# Replays every seed (both schemas, every error case), then fuzzes for a
# bounded 20 s; new inputs go to a scratch corpus, not the committed one.
.PHONY: fuzz-schema-replay
TEST_TARGETS += fuzz-schema-replay
fuzz-schema-replay: $(SCHEMA_FUZZER)
	$(SCHEMA_FUZZER) -runs=0 tests/fuzz/schema/corpus
	@mkdir -p $(BUILD)/fuzz/schema-work
	$(SCHEMA_FUZZER) -max_total_time=20 -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
		-dict=tests/fuzz/schema/schema.dict -print_final_stats=1 \
		$(BUILD)/fuzz/schema-work tests/fuzz/schema/corpus
