# SPDX-License-Identifier: BSD-2-Clause
# tests/plugin: elogctl and elog with a third, fake provider registered:
# its registration (fake_provider.c) and its schema's tables (fake.src),
# listed with the real ones by registries made by the same recipe as
# theirs (providers/module.mk), in place of the generated ones.

PLUGIN_PROVIDERS = fake $(ELOG_PROVIDERS)
PLUGIN_OBJS := $(OBJ)/tests/plugin/fake_provider.o $(OBJ)/gen/fake_eventlog_tables.o \
	$(OBJ)/gen/plugin/providers.o $(OBJ)/gen/plugin/rt_providers.o \
	$(OBJ)/gen/conn_facts_list.o $(call objs_of,$(PROVIDER_SRCS))

$(GEN)/plugin/providers.c: FORCE
	$(call gen_registry,PLUGIN_PROVIDERS,struct elog_provider_desc,elog_provider_,,elog_providers,eventlog/schema.h,elog_provider_count)
$(GEN)/plugin/rt_providers.c: FORCE
	$(call gen_registry,PLUGIN_PROVIDERS,struct elog_provider_ops,elog_provider_,_ops,elog_rt_providers,rt/provider.h,elog_rt_providers_count)

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
