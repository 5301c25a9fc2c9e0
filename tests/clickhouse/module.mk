# SPDX-License-Identifier: BSD-2-Clause
# tests/clickhouse: the ClickHouse sink and DDL against real servers
# (clickhouse-server started by the tests, as an unprivileged user).

$(TEST_BIN)/clickhouse/gen_all: $(OBJ)/tests/clickhouse/gen_all.o $(TEST_LIBA)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter-out %.a,$^) $(ELOG_LINK) $(LDLIBS)

.PHONY: test-clickhouse
TEST_TARGETS += test-clickhouse
test-clickhouse: $(BIN)/elog $(BIN)/elogctl $(BIN)/elog-schemac $(TEST_BIN)/clickhouse/gen_all
	@echo "== tests/clickhouse"
	$(Q)ELOG_BUILD=$(BUILD) /usr/bin/python3 -m pytest -q -p no:cacheprovider --durations=10 tests/clickhouse
