# SPDX-License-Identifier: BSD-2-Clause
# tests/plugin: elogctl and elog with a third, fake provider registered:
# its registration (fake_provider.c) and its schema's tables (fake.src),
# listed with the real ones by a registry made by the same recipe as
# theirs (providers/module.mk), in place of the generated one.

PLUGIN_PROVIDERS = fake $(ELOG_PROVIDERS)
PLUGIN_OBJS := $(OBJ)/tests/plugin/fake_provider.o $(OBJ)/gen/fake_eventlog_tables.o \
	$(OBJ)/gen/plugin/registry.o $(call objs_of,$(PROVIDER_SRCS))

$(GEN)/plugin/registry.c: FORCE
	$(call gen_registry,PLUGIN_PROVIDERS)

$(OBJ)/tests/plugin/fake_capture.o: $(GEN)/fake_eventlog.h

$(TEST_BIN)/elogctl-fake: $(ELOGCTL_OBJS) $(PLUGIN_OBJS) $(LIB)
$(TEST_BIN)/elog-fake: $(ELOG_OBJS) $(PLUGIN_OBJS) $(LIB)
$(TEST_BIN)/fake_capture: $(OBJ)/tests/plugin/fake_capture.o $(LIB)
$(TEST_BIN)/elogctl-fake $(TEST_BIN)/elog-fake $(TEST_BIN)/fake_capture:
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: test-plugin
TEST_TARGETS += test-plugin
test-plugin: $(TEST_BIN)/elogctl-fake $(TEST_BIN)/elog-fake $(TEST_BIN)/fake_capture $(BIN)/elog
	@echo "== tests/plugin/check.sh"
	@sh tests/plugin/check.sh $(TEST_BIN)/elogctl-fake $(TEST_BIN)/elog-fake \
		$(TEST_BIN)/fake_capture $(BIN)/elog
