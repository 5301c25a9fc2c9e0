/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ClickHouse sink (`elog --clickhouse URL`): events inserted in batches
 * over the server's HTTP interface, in the Native format, into the tables
 * `elog-schemac --clickhouse` creates (include/eventlog/clickhouse.h: one
 * table per event, every field a typed column). Every value is decoded by
 * the field reader (payload.h), as for the text and JSON outputs.
 *
 * Nothing is lost, nothing is inserted twice. Every row carries the run's
 * stream id and its sequence number in the run (ins_stream, ins_seq, with
 * host: the row's identity). While the server cannot be reached (refused,
 * reset, timed out), the batch that failed and every later event go to
 * spill files, ELOG captures in the spill directory, and the sink retries
 * with exponential backoff (0.25 s doubling up to 8 s). When the server
 * answers again, the sink asks it which sequence numbers between the
 * first spilled one and the last one ever sent are already there (a batch
 * cut by the failure may have been stored in part, or whole with its
 * answer lost; the read-back first waits until that batch's INSERT, known
 * by its query_id, no longer runs on the server), replays the spill files
 * without those, and removes them. So every row is stored once without FINAL; the tables are
 * ReplacingMergeTree on a key that contains the identity all the same, so
 * a duplicate made outside the sink (the same capture loaded twice: `elog
 * -r` derives the stream from the capture) is collapsed by merges.
 *
 * A batch is sent by a thread of the sink while the next one is encoded
 * (one batch out at a time); its result is taken before the next is sent,
 * so acknowledgements, spills and replays keep the order of the seqs.
 *
 * Memory: two batches: the one being filled (batch_bytes of values, a sort
 * key per row, the raw records it came from) and the one being sent (its
 * tables' blocks as sent, about batch_bytes, and its raw records); one
 * sequence bitmap during a replay (a bit per spilled event), and the
 * connection facts of live sessions.
 *
 * Errors are -1 with err filled, one sentence each: a URL that is not
 * http(s)://, credentials in the URL, a server that cannot be reached at
 * open, credentials refused, a table missing or with other columns than
 * the schema's, a server refusing an insert. A refused insert (not an
 * unreachable server) is final; its rows are then kept in a spill file,
 * and the message names it.
 */
#ifndef ELOG_SINK_CLICKHOUSE_H
#define ELOG_SINK_CLICKHOUSE_H

#include <stddef.h>
#include <stdint.h>

#include <eventlog/record.h>
#include <eventlog/schema.h>

#include "elog_error.h"

struct elog_ch;

struct elog_ch_config {
	const char *url;       /* http[s]://host[:port]/[?database=...&setting=...] */
	const char *user;      /* NULL: the server's default user */
	const char *password;  /* NULL: none */
	const char *host;      /* the host column; NULL: gethostname() */
	uint8_t boot_id[16];   /* the boot_id column (zero: unknown) */
	uint64_t stream;       /* this run's stream id (see above) */
	const char *spill_dir; /* NULL: $TMPDIR, else /var/tmp */
	size_t batch_bytes;    /* 0: 8 MiB of values per batch */
	uint32_t batch_ms;     /* 0: 1000; a batch is sent at least this often */
	uint32_t give_up_s;    /* at close, retry this long (0: 30 s) */
};

/*
 * The credentials from the environment, never the command line:
 * ELOG_CLICKHOUSE_USER, and ELOG_CLICKHOUSE_PASSWORD or the first line of
 * the file ELOG_CLICKHOUSE_PASSWORD_FILE (not both). The password is kept
 * in buf (size bytes). Returns 0 or -1 with err.
 */
int elog_ch_config_from_env(struct elog_ch_config *cfg, char *buf, size_t size,
			    struct elog_error *err);

/* The kernel's boot id (/proc/sys/kernel/random/boot_id) into out. */
int elog_ch_local_boot_id(uint8_t out[16], struct elog_error *err);

/* A stream id from bytes (FNV-1a), e.g. a capture's header. */
uint64_t elog_ch_stream_of(const void *bytes, size_t n);

/* Checks the URL and the credentials with one query; no table is read yet
 * (each provider's tables are checked before its first insert). */
int elog_ch_open(struct elog_ch **out, const struct elog_ch_config *cfg, struct elog_error *err);

/*
 * One event. provider_name: from the capture's provider table; desc: its
 * compiled-in tables (NULL: unknown provider). An event no table holds (an
 * unknown provider or event id) is counted, not inserted. May send a batch.
 */
int elog_ch_add(struct elog_ch *ch, const struct elog_event_hdr *hdr, const char *provider_name,
		const struct elog_provider_desc *desc, int64_t utc_us, const void *payload,
		size_t payload_len, struct elog_error *err);

/* Sends the batch when it is batch_ms old, retries and replays when due.
 * Call it now and then (a live capture: every poll). */
int elog_ch_poll(struct elog_ch *ch, struct elog_error *err);

struct elog_ch_stats {
	uint64_t inserted;  /* rows the server acknowledged */
	uint64_t unknown;   /* events no table holds: not inserted */
	uint64_t spilled;   /* events that went through spill files */
	uint64_t retries;   /* failed attempts to reach the server */
	uint64_t kept;      /* events left in spill files at the end */
};

/*
 * Sends what is left (retrying up to give_up_s if the server is away) and
 * frees ch (even on error). If events could not be sent they are kept in
 * the spill files, which the error names. st may be NULL.
 */
int elog_ch_close(struct elog_ch *ch, struct elog_ch_stats *st, struct elog_error *err);

#endif /* ELOG_SINK_CLICKHOUSE_H */
