/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ClickHouse table layout, shared by the schema compiler (which writes
 * the DDL: elog-schemac --clickhouse) and the sink (lib/consume/sink_clickhouse.c,
 * which names the same columns in its INSERTs and checks them against the
 * server before sending anything). The rules live here once; the events
 * and fields come from the schema.
 *
 * One table per event, <provider>_<event in lower case>: the common columns
 * below, then one typed column per payload field. A field whose name is
 * taken by a common column is stored as field_<name>. An ENUM field also
 * gets <name>_name (ALIAS: its name, or the number as text), a FLAG field
 * <name>_names (ALIAS: the names of its set bits) and <name>_unknown
 * (ALIAS: the bits without a name). Types are those of the 18.16 server:
 * no DateTime64, no IPv4/IPv6 domains.
 */
#ifndef ELOG_CLICKHOUSE_H
#define ELOG_CLICKHOUSE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <eventlog/schema.h>

/* How a common column gets its value. */
enum elog_ch_fill {
	ELOG_CH_SENT,     /* in every INSERT, in this order */
	ELOG_CH_DEFAULT,  /* DEFAULT: a per-table constant (provider, event, id) */
	ELOG_CH_MATERIAL, /* DEFAULT computed from time_us */
};

struct elog_ch_column {
	const char *name;
	const char *type;
	enum elog_ch_fill fill;
};

/* Index of each common column in elog_ch_common[]. */
enum {
	ELOG_CH_HOST, ELOG_CH_BOOT_ID, ELOG_CH_STREAM, ELOG_CH_SEQ, ELOG_CH_TIME_US,
	ELOG_CH_BOOT_US, ELOG_CH_CPU, ELOG_CH_THREAD, ELOG_CH_SESSION, ELOG_CH_LOG_ID,
	ELOG_CH_SRC_ADDR, ELOG_CH_SRC_PORT, ELOG_CH_DST_ADDR, ELOG_CH_DST_PORT,
	ELOG_CH_TIME, ELOG_CH_PROVIDER, ELOG_CH_EVENT, ELOG_CH_EVENT_ID,
	ELOG_CH_COMMON_COUNT
};

/*
 * host: the sending host's name; boot_id: its kernel boot id; ins_stream +
 * ins_seq: the identity of the row (one stream per sink run, seq counting
 * its events from 0), what makes a replay exact and what ReplacingMergeTree
 * collapses on; time_us: UTC microseconds; boot_us: the record's
 * CLOCK_BOOTTIME microseconds; conn_*: the session's log id and 4-tuple as
 * its events told them so far (addresses as 16 bytes, IPv4 mapped into
 * IPv6: ::ffff:a.b.c.d), empty until then.
 */
static const struct elog_ch_column elog_ch_common[ELOG_CH_COMMON_COUNT] = {
	{ "host", "String", ELOG_CH_SENT },
	{ "boot_id", "UUID", ELOG_CH_SENT },
	{ "ins_stream", "UInt64", ELOG_CH_SENT },
	{ "ins_seq", "UInt64", ELOG_CH_SENT },
	{ "time_us", "Int64", ELOG_CH_SENT },
	{ "boot_us", "UInt64", ELOG_CH_SENT },
	{ "cpu", "UInt16", ELOG_CH_SENT },
	{ "thread", "Int32", ELOG_CH_SENT },
	{ "session", "UInt64", ELOG_CH_SENT },
	{ "conn_log_id", "String", ELOG_CH_SENT },
	{ "conn_src_addr", "FixedString(16)", ELOG_CH_SENT },
	{ "conn_src_port", "UInt16", ELOG_CH_SENT },
	{ "conn_dst_addr", "FixedString(16)", ELOG_CH_SENT },
	{ "conn_dst_port", "UInt16", ELOG_CH_SENT },
	{ "time", "DateTime", ELOG_CH_MATERIAL },
	{ "provider", "String", ELOG_CH_DEFAULT },
	{ "event", "String", ELOG_CH_DEFAULT },
	{ "event_id", "UInt32", ELOG_CH_DEFAULT },
};

/* Time ranges first, then one connection's events in order. */
#define ELOG_CH_PARTITION_BY "toYYYYMMDD(time)"
#define ELOG_CH_ORDER_BY "(toStartOfHour(time), host, session, time_us, ins_stream, ins_seq)"

/* Whether a field's own name would collide with a common column. */
static inline bool elog_ch_name_taken(const char *name)
{
	for (int i = 0; i < ELOG_CH_COMMON_COUNT; i++)
		if (strcmp(name, elog_ch_common[i].name) == 0)
			return true;
	return false;
}

/* The column prefix of a field: "field_" when its name is taken, else "". */
static inline const char *elog_ch_field_prefix(const char *name)
{
	return elog_ch_name_taken(name) ? "field_" : "";
}

/* The ClickHouse type of one value of a field (an element, for a tail). */
static inline const char *elog_ch_scalar_type(uint8_t type)
{
	switch (type) {
	case ELOG_T_U8: return "UInt8";
	case ELOG_T_U16: return "UInt16";
	case ELOG_T_U32: return "UInt32";
	case ELOG_T_U64: return "UInt64";
	case ELOG_T_I8: return "Int8";
	case ELOG_T_I16: return "Int16";
	case ELOG_T_I32: return "Int32";
	case ELOG_T_I64: return "Int64";
	case ELOG_T_PTR: return "UInt64";
	case ELOG_T_CHARS: return "String";
	case ELOG_T_IN_ADDR: return "UInt32";          /* host order: IPv4NumToString() */
	case ELOG_T_IN6_ADDR: return "FixedString(16)"; /* IPv6NumToString() */
	default: return NULL;
	}
}

/* A tail of single chars is text (a String), any other tail an Array. */
static inline bool elog_ch_tail_is_text(uint8_t type, uint16_t size)
{
	return type == ELOG_T_CHARS && size == 1;
}

#endif /* ELOG_CLICKHOUSE_H */
