# SPDX-License-Identifier: BSD-2-Clause
# tests/plugin: elogctl with a third, fake provider registered (a registry of
# the test's own linked in place of the generated one).

$(TEST_BIN)/elogctl-fake: $(OBJ)/tests/plugin/fake_provider.o $(ELOGCTL_OBJS) $(call objs_of,$(PROVIDER_SRCS)) \
	$(OBJ)/gen/providers.o $(OBJ)/gen/conn_facts_list.o $(LIB)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: test-plugin
TEST_TARGETS += test-plugin
test-plugin: $(TEST_BIN)/elogctl-fake
	@echo "== tests/plugin/check.sh"
	@sh tests/plugin/check.sh $(TEST_BIN)/elogctl-fake
