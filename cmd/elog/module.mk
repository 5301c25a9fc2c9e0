# SPDX-License-Identifier: BSD-2-Clause
# cmd/elog: elog(1). capture.c (live capture, another owner) is compiled in
# when present; without it `elog -c` fails with "live capture is not built in".
ELOG_CAPTURE_SRC := $(wildcard cmd/elog/capture.c)
ELOG_SRCS := cmd/elog/main.c cmd/elog/options.c cmd/elog/usage.c cmd/elog/read.c \
	cmd/elog/report.c cmd/elog/clickhouse.c cmd/elog/blackbox.c $(ELOG_CAPTURE_SRC)
ELOG_OBJS := $(ELOG_SRCS:%.c=$(OBJ)/%.o)

ifneq ($(ELOG_CAPTURE_SRC),)
$(OBJ)/cmd/elog/main.o: CFLAGS += -DELOG_HAVE_CAPTURE
# Rebuild main.o when capture.c appears, so the fallback goes away.
$(OBJ)/cmd/elog/main.o: cmd/elog/capture.c
endif

BINS += $(BIN)/elog
$(BIN)/elog: $(ELOG_OBJS) $(ELOG_LIBS)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(ELOG_OBJS) $(ELOG_LINK) $(LDLIBS)
