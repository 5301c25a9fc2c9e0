# SPDX-License-Identifier: BSD-2-Clause
# Tests of the exporters and output layers:
#   test-export   C unit tests (JSON, pcapng, compressed files, series,
#                 per-session files), in both the normal and the SAN=1 build
#   tests/e2e/test_output*.py run with test-e2e; they need the capture
#   generator below (and tshark for the pcapng checks).
EXPORT_TEST_DIR := $(BUILD)/tests/export
EXPORT_UNIT := $(EXPORT_TEST_DIR)/test_export $(EXPORT_TEST_DIR)/test_export_files \
	$(EXPORT_TEST_DIR)/test_select_live
EXPORT_GEN := $(EXPORT_TEST_DIR)/test_export_gen

$(EXPORT_TEST_DIR)/%: $(OBJ)/tests/unit/%.o $(OBJ)/tests/unit/harness.o $(ELOG_LIBS)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ELOG_LINK) $(LDLIBS)

# The packet layout tests reach the tcp provider's packet synthesis.
$(OBJ)/tests/unit/test_export.o: CFLAGS += -Iproviders/tcp
$(OBJ)/tests/unit/test_select_live.o: CFLAGS += -Iproviders/tcp

.PHONY: test-export
TEST_TARGETS += test-export
test-export: $(EXPORT_UNIT) $(EXPORT_GEN)
	$(Q)for t in $(EXPORT_UNIT); do $$t || exit 1; done

# The pcapng/JSON end-to-end tests run the generator from ELOG_BIN/../tests/export.
test-e2e: $(EXPORT_GEN)
