# SPDX-License-Identifier: BSD-2-Clause
# tests/verifier: the verifier's margin on every program of every provider
# (elogctl -V, check.sh), and the load path's account of a refused program
# (test_verify with the programs of refused.bpf.c).

$(TEST_BIN)/test_verify: $(OBJ)/tests/verifier/test_verify.o $(TEST_HARNESS) $(TEST_LIBA)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter-out %.a,$^) $(ELOG_LINK) $(LDLIBS)
$(OBJ)/tests/verifier/test_verify.o: CFLAGS += -Itests/unit $(LIB_INCS)

.PHONY: test-verifier
TEST_TARGETS += test-verifier
test-verifier: $(BIN)/elogctl $(TEST_BIN)/test_verify $(OBJ)/tests/verifier/refused.bpf.o
	@echo "== tests/verifier/check.sh"
	@sh tests/verifier/check.sh $(BIN)
	@echo "== $(TEST_BIN)/test_verify"
	@$(TEST_BIN)/test_verify $(OBJ)/tests/verifier/refused.bpf.o
