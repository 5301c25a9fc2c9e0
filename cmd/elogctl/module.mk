# SPDX-License-Identifier: BSD-2-Clause
# cmd/elogctl: elogctl(8), sysctl(8) for eventlog controls and provider load/unload.
ELOGCTL_OBJS := $(OBJ)/cmd/elogctl/main.o $(OBJ)/cmd/elogctl/oid.o $(OBJ)/cmd/elogctl/args.o

BINS += $(BIN)/elogctl
$(BIN)/elogctl: $(ELOGCTL_OBJS) $(ELOG_LIBS)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(ELOGCTL_OBJS) $(ELOG_LINK) $(LDLIBS)
