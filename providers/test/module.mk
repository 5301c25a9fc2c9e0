# SPDX-License-Identifier: BSD-2-Clause
# providers/test: the framework's test provider (schemas/test.src) and
# elog-testgen, the tool tests and benchmarks drive it with.
ELOG_PROVIDERS += test
PROVIDER_SRCS += providers/test/test.c
$(OBJ)/providers/test/test.o: $(GEN)/test.skel.h
$(OBJ)/providers/test/test.o: CFLAGS += -Iproviders/test
$(OBJ)/providers/test/test.bpf.o: BPF_CFLAGS += -Iproviders/test

TESTGEN_OBJS := $(OBJ)/providers/test/testgen.o
$(OBJ)/providers/test/testgen.o: CFLAGS += -Iproviders/test

BINS += $(BIN)/elog-testgen
$(BIN)/elog-testgen: $(TESTGEN_OBJS) $(ELOG_LIBS)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(TESTGEN_OBJS) $(ELOG_LINK) $(LDLIBS)
