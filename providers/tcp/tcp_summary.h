/* SPDX-License-Identifier: BSD-2-Clause */
/* The tcp provider's connection facts (lib/export/conn_facts.h, tcp_facts.c)
 * and connection analysis (lib/export/conn_analysis.h, tcp_summary.c). */
#ifndef ELOG_TCP_SUMMARY_H
#define ELOG_TCP_SUMMARY_H

#include "conn_analysis.h"
#include "conn_facts.h"

extern const struct elog_conn_facts_ops tcp_conn_facts;
extern const struct elog_conn_analysis_ops elog_tcp_analysis;

#endif /* ELOG_TCP_SUMMARY_H */
