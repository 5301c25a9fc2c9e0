/* SPDX-License-Identifier: BSD-2-Clause */
/* The tcp provider's connection analysis (lib/export/conn_analysis.h). */
#ifndef ELOG_TCP_SUMMARY_H
#define ELOG_TCP_SUMMARY_H

#include "conn_analysis.h"

extern const struct elog_conn_analysis_ops elog_tcp_analysis;

#endif /* ELOG_TCP_SUMMARY_H */
