/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elog(1): the parsed command line, shared by the option parser (options.c),
 * the file decoder (read.c) and the live capture (capture.c).
 *
 * Everything here is plain data filled in once by elog_parse_options(); the
 * modes never re-read argv, so capture.c and read.c see exactly the same
 * validated values.
 */
#ifndef ELOG_CMD_ELOG_H
#define ELOG_CMD_ELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <eventlog/record.h>

#include "textline.h"

#define ELOG_MAX_SUBSCRIPTIONS 32 /* up to 32 providers per subscriber (ELOG_MAX_PROVIDERS) */
#define ELOG_BUFFER_MIN (64u * 1024u)
#define ELOG_BUFFER_MAX ((1u << 30) - 1u)
#define ELOG_BUFFER_DEFAULT (512u * 1024u)

/* One `-c provider [level] [keywords]`. */
struct elog_subscription {
	char provider[ELOG_PROVIDER_NAME_MAX]; /* NUL-terminated, <= 31 chars */
	uint8_t level;     /* enum elog_level, default ELOG_LEVEL_VERBOSE */
	uint32_t keywords; /* always includes ELOG_KEYWORD_SESSION */
	bool level_set;    /* a level was given (else --record takes TRACE) */
};

enum elog_mode {
	ELOG_MODE_NONE,    /* nothing requested: an error, reported by main */
	ELOG_MODE_CAPTURE, /* -c ...: live capture (capture.c) */
	ELOG_MODE_READ,    /* -r FILE: decode a capture (read.c) */
	ELOG_MODE_BB_DUMP, /* --dump PROVIDER: black box dump request (blackbox.c) */
};

enum elog_output_kind {
	ELOG_OUT_TEXT, /* no -o: text lines on stdout */
	ELOG_OUT_FILE, /* -o FILE: one binary capture */
	ELOG_OUT_DIR,  /* -o dir=PATH: one binary capture per session */
	ELOG_OUT_STDOUT, /* -o -: one binary capture on stdout */
};

enum elog_file_format {
	ELOG_FMT_NONE, /* per-session files keep <provider>_<session>.elog */
	ELOG_FMT_TCP,  /* -f tcp: rename to <log_id>_<lport>_<rip>_<rport>.elog */
};

struct elog_options {
	enum elog_mode mode;

	/* -c, repeatable. */
	struct elog_subscription subscriptions[ELOG_MAX_SUBSCRIPTIONS];
	size_t subscription_count;

	uint32_t buffer_size;   /* -b: bytes per CPU, validated range */
	bool dump_state;        /* -D: set on every subscription */

	enum elog_output_kind output_kind;
	const char *output_path; /* -o FILE, or PATH of dir=PATH (points into argv) */
	bool force;              /* --force: an existing output file is replaced */
	enum elog_file_format file_format; /* -f */

	const char *read_path;   /* -r: path, "-" for stdin; gzip/zstd told by content */
	/* -r FILE [FILE...]: the whole series, read_paths[0] == read_path.
	 * Allocated once by the parser, lives until exit. */
	const char **read_paths;
	size_t read_path_count;
	const char *pcapng_path; /* --pcapng OUT: export -r input as pcapng */
	/* --rotate-size / --rotate-events: start the next file of a numbered
	 * series (-o FILE) before a file would exceed this; 0 = no limit. */
	uint64_t rotate_size;
	uint64_t rotate_events;

	/* Text rendering (-d -e -n -t --delta-time); shared with textline.h. */
	struct elog_text_opts text;

	bool providers;          /* -p: print [Providers] line to stderr */
	bool stats;              /* -s: print [Stats] block to stderr on exit */
	uint32_t duration_s;     /* --duration: 0 = until SIGINT/SIGTERM */
	bool json;               /* --json: JSON Lines instead of text lines */

	/* -r selectors (--session, --log-id, --port, --conn, --event,
	 * --keyword): NULL when none; freed by elog_free_options. */
	struct elog_select *sel;
	bool summary;            /* --summary: one row per connection */
	const char *report_path; /* --report FILE.html */
	const char *clickhouse_url; /* --clickhouse URL: insert into ClickHouse */
	/* The last value and the count of each selector kind as given
	 * (enum elog_select_kind), for --dump's --session and --log-id. */
	const char *sel_last[8];
	unsigned sel_count[8];

	/* --record DIR: the black box recorder (lib/export/recorder.h); retention
	 * --record-size / --record-files, 0 = no limit. */
	const char *record_dir;
	uint64_t record_max_bytes;
	uint64_t record_max_files;

	/* --dump PROVIDER [--session ID | --log-id NAME] */
	const char *bb_dump_provider;
	uint32_t bb_dump_scope;     /* enum elog_bb_dump_scope */
	uint64_t bb_dump_session;
	const char *bb_dump_log_id;
};

/*
 * Live capture (cmd/elog/capture.c): subscribes per o->subscriptions, writes
 * text lines (lib/decode/textline.h) to stdout or binary captures (lib/capture/capture.h)
 * per o->output_kind, until SIGINT/SIGTERM/--duration. Returns the process
 * exit status (0 on a clean stop); prints its own error message on stderr
 * before returning non-zero.
 */
int elog_capture_run(const struct elog_options *o);

/*
 * --dump (cmd/elog/blackbox.c): asks the provider to dump its black box
 * buffers to its subscribers. Returns the exit status; on failure the
 * message is in err (main prints it).
 */
struct elog_error;
int elog_bb_dump_run(const struct elog_options *o, struct elog_error *err);

/*
 * Decode o->read_path (cmd/elog/read.c). Returns the exit status; on failure
 * the message is in err (main prints it).
 */
struct elog_error;
int elog_read_run(const struct elog_options *o, struct elog_error *err);

/* --clickhouse (clickhouse.c): the sink opened from o and the environment
 * (live: this boot's id and a random stream), the -r loader, the report. */
struct elog_ch;
struct elog_ch_stats;
int elog_clickhouse_open(struct elog_ch **ch, const struct elog_options *o, bool live,
			 uint64_t stream, struct elog_error *err);
int elog_clickhouse_read(const struct elog_options *o, struct elog_error *err);
void elog_clickhouse_report(const struct elog_ch_stats *st, bool stats);

/*
 * The -s and -p reports (report.c), identical in both modes:
 *   "\n[Stats]\n  Providers: N\n  Events received: N\n  Dropped events: N\n"
 *   "[Providers] N registered: a b\n"
 */
void elog_print_stats(FILE *f, uint32_t providers, uint64_t received, uint64_t dropped);
void elog_print_providers(FILE *f, size_t count, const char *const *names);

/* Records the output could not hold (lib/consume/sink.h) are never lost silently:
 * one warning on stderr, whatever -s says. */
struct elog_sink_stats;
void elog_warn_oversize(const struct elog_sink_stats *st);

#endif /* ELOG_CMD_ELOG_H */
