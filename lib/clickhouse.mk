# SPDX-License-Identifier: BSD-2-Clause
# lib: the ClickHouse sink (elog --clickhouse), over libcurl.
LIB_SRCS += lib/sink_clickhouse.c
LDLIBS += -lcurl
