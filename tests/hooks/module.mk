# SPDX-License-Identifier: BSD-2-Clause
# tests/hooks: the docs' hook tables against the providers' registrations
# (test-hooks-docs), and their rewrite (make hooks-docs).

$(TEST_BIN)/hooks_doc: $(OBJ)/tests/hooks/hooks_doc.o $(ELOG_LIBS)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter-out %.a,$^) $(ELOG_LINK) $(LDLIBS)

.PHONY: test-hooks-docs hooks-docs
TEST_TARGETS += test-hooks-docs
test-hooks-docs: $(TEST_BIN)/hooks_doc
	@echo "== tests/hooks/check.sh"
	@sh tests/hooks/check.sh $(TEST_BIN)/hooks_doc

hooks-docs: $(TEST_BIN)/hooks_doc
	@sh tests/hooks/check.sh $(TEST_BIN)/hooks_doc --update
