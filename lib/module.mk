# SPDX-License-Identifier: BSD-2-Clause
# lib: libeventlog's capture file reader/writer, payload formatter and text
# line (the provider runtime lives in lib/rt/module.mk).
LIB_SRCS += lib/elog_error.c lib/capture_write.c lib/outfile.c lib/capture_read.c \
	lib/format.c lib/format_schema.c lib/textline.c lib/utc.c
