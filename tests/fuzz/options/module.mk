# SPDX-License-Identifier: BSD-2-Clause
# tests/fuzz/options: libFuzzer target for the command lines of elog(1) and
# elogctl(8) (bad input). Like the other fuzzers: always clang with
# ASan+UBSan+libFuzzer, whatever CC and SAN say.
#
#   make fuzz-options-replay   replay the committed corpus, then fuzz 20 s
#                              (new inputs go to a scratch corpus in $(BUILD),
#                              crashes and leaks to $(BUILD)/fuzz/)
OPTIONS_FUZZER := $(BUILD)/fuzz/fuzz_options
OPTIONS_FUZZ_SRCS := tests/fuzz/options/fuzz_options.c cmd/elog/options.c cmd/elogctl/args.c \
	lib/decode/format_schema.c lib/elog_error.c lib/consume/select.c lib/consume/session_map.c \
	$(SCHEMA_REGISTRY_SRCS)
OPTIONS_FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -Iinclude $(LIB_INCS) -I$(GEN) -Ibpf \
	-Icmd/elog -Icmd/elogctl \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

$(OPTIONS_FUZZER): $(OPTIONS_FUZZ_SRCS) cmd/elog/options.h cmd/elog/elog.h cmd/elogctl/args.h \
		| $(GEN_HDRS)
	$(call msg,FUZZ-CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(OPTIONS_FUZZ_FLAGS) $(OPTIONS_FUZZ_SRCS) -o $@

.PHONY: fuzz-options-replay
TEST_TARGETS += fuzz-options-replay
fuzz-options-replay: $(OPTIONS_FUZZER)
	$(OPTIONS_FUZZER) -artifact_prefix=$(BUILD)/fuzz/ -runs=0 tests/fuzz/options/corpus
	@rm -rf $(BUILD)/fuzz/options-work && mkdir -p $(BUILD)/fuzz/options-work
	$(OPTIONS_FUZZER) -artifact_prefix=$(BUILD)/fuzz/ -max_total_time=20 -max_len=512 -timeout=10 -rss_limit_mb=2048 \
		-dict=tests/fuzz/options/options.dict -print_final_stats=1 \
		$(BUILD)/fuzz/options-work tests/fuzz/options/corpus
