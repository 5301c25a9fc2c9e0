# SPDX-License-Identifier: BSD-2-Clause
# lib exporters and output layers (issue 5): JSON Lines, pcapng, per-session
# files, rotation and compressed capture files.
LIB_SRCS += lib/export_json.c lib/export_pcapng.c lib/series.c lib/zstd_pipe.c \
	lib/session_map.c lib/select.c lib/summary.c \
	lib/zfile.c lib/session_files.c lib/conn_facts.c $(GEN)/conn_facts_list.c

# The providers that registered connection facts (ELOG_CONN_FACTS in their
# module.mk).
ELOG_CONN_FACTS ?=
$(GEN)/conn_facts_list.c: FORCE
	$(call gen_registry,ELOG_CONN_FACTS,struct elog_conn_facts_ops,elog_conn_facts_,,elog_conn_facts,conn_facts.h)
