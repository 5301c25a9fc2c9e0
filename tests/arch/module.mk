# SPDX-License-Identifier: BSD-2-Clause
# tests/arch: the library's files call each other one way (test-calls): no
# cycle among lib/rt's files, nor among the whole library's, read from the
# objects' symbol tables.

.PHONY: test-calls
TEST_TARGETS += test-calls
# $(LIB) (defined before this file), not LIB_OBJS (after it): the library
# builds every object; the recipe, expanded late, names them.
test-calls: $(LIB)
	@echo "== tests/arch/calls.py lib/rt"
	@python3 tests/arch/calls.py $(filter $(OBJ)/lib/rt/%,$(LIB_OBJS))
	@echo "== tests/arch/calls.py lib"
	@python3 tests/arch/calls.py $(LIB_OBJS)
