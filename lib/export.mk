# SPDX-License-Identifier: BSD-2-Clause
# lib exporters and output layers (issue 5): JSON Lines, pcapng, per-session
# files, rotation and compressed capture files.
LIB_SRCS += lib/export_json.c lib/export_pcapng.c lib/pcapng_packet.c lib/series.c lib/zstd_pipe.c \
	lib/zfile.c lib/session_files.c
