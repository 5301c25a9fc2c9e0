/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elog --clickhouse URL: the sink's configuration from the environment
 * (credentials, host name, spill directory: never from the command line,
 * where every user of the machine could read them), and `elog -r FILES
 * --clickhouse URL`, which loads captures. The live capture (capture.c)
 * uses the same opening and hands each record to the sink.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "capture.h"
#include "elog.h"
#include "series.h"
#include "sink.h"
#include "sink_clickhouse.h"

int elog_clickhouse_open(struct elog_ch **ch, const struct elog_options *o, bool live,
			 uint64_t stream, struct elog_error *err)
{
	static char password[1024];
	struct elog_ch_config cfg;
	const char *host = getenv("ELOG_CLICKHOUSE_HOST");

	memset(&cfg, 0, sizeof(cfg));
	cfg.url = o->clickhouse_url;
	if (elog_ch_config_from_env(&cfg, password, sizeof(password), err) < 0)
		return -1;
	cfg.host = host && *host ? host : NULL;
	cfg.spill_dir = getenv("ELOG_CLICKHOUSE_SPILL_DIR");
	if (cfg.spill_dir && !*cfg.spill_dir)
		cfg.spill_dir = NULL;
	/* A capture loaded later was not taken in this boot: its boot id is
	 * not known (zero). */
	if (live && elog_ch_local_boot_id(cfg.boot_id, err) < 0)
		return -1;
	/* The batch size: a tuning knob (bytes of values per batch). A load
	 * of captures takes bigger batches: fewer, bigger parts cost the
	 * server less (docs/PERFORMANCE.md), and a killed run loses nothing
	 * (the captures are loaded again); a live run keeps the sink's
	 * default, which bounds what a SIGKILL loses. */
	if (!live) {
		cfg.batch_bytes = 32u << 20;
		/* Batches cut by size only: a load has no latency to bound,
		 * and a slower read would only make smaller parts. */
		cfg.batch_ms = UINT32_MAX;
	}
	if (getenv("ELOG_CLICKHOUSE_BATCH_BYTES")) {
		char *end;
		unsigned long long v = strtoull(getenv("ELOG_CLICKHOUSE_BATCH_BYTES"), &end, 10);

		if (*end != '\0' || v < 4096 || v > (1ull << 30))
			return elog_errorf(err, EINVAL, "ELOG_CLICKHOUSE_BATCH_BYTES: not a number "
					   "of bytes from 4096 to 1G");
		cfg.batch_bytes = (size_t)v;
	}
	/* How long the end of a run retries an unreachable server. */
	if (getenv("ELOG_CLICKHOUSE_GIVE_UP")) {
		char *end;
		unsigned long long v = strtoull(getenv("ELOG_CLICKHOUSE_GIVE_UP"), &end, 10);

		if (*end != '\0' || v < 1 || v > 86400)
			return elog_errorf(err, EINVAL, "ELOG_CLICKHOUSE_GIVE_UP: not a number of "
					   "seconds from 1 to 86400");
		cfg.give_up_s = (uint32_t)v;
	}
	cfg.stream = stream;
	if (live && getrandom(&cfg.stream, sizeof(cfg.stream), 0) != sizeof(cfg.stream))
		return elog_errorf(err, errno, "getrandom: %s", strerror(errno));
	return elog_ch_open(ch, &cfg, err);
}

/* What the sink did, and what it could not insert (never silently). */
void elog_clickhouse_report(const struct elog_ch_stats *st, bool stats)
{
	if (st->unknown)
		fprintf(stderr, "elog: warning: %" PRIu64 " events of unknown providers or event ids "
			"were not inserted into ClickHouse (no table holds them)\n", st->unknown);
	if (stats)
		fprintf(stderr, "[ClickHouse]\n  Inserted: %" PRIu64 "\n  Spilled while unreachable: %"
			PRIu64 "\n  Failed attempts: %" PRIu64 "\n", st->inserted, st->spilled,
			st->retries);
}

int elog_clickhouse_read(const struct elog_options *o, struct elog_error *err)
{
	struct elog_series *s;
	struct elog_series_record sr;
	struct elog_sink *sink = NULL;
	struct elog_ch *ch = NULL;
	struct elog_ch_stats st;
	uint64_t stream;
	int rc;

	if (elog_series_open(&s, o->read_paths, o->read_path_count, NULL, NULL, err) < 0)
		return 1;
	/* The same capture gives the same row identities, so loading it
	 * twice is collapsed by the tables' ReplacingMergeTree. */
	stream = elog_ch_stream_of(elog_reader_header(elog_series_reader(s)),
				   sizeof(struct elog_file_hdr));
	rc = elog_clickhouse_open(&ch, o, false, stream, err);
	if (rc == 0)
		rc = elog_sink_clickhouse(&sink, ch, &st, err);
	while (rc == 0 && (rc = elog_series_next(s, &sr, err)) == 1) {
		rc = elog_sink_write_series(sink, &sr, err);
	}
	if (sink != NULL) {
		struct elog_error e2 = { 0, "" };

		if (elog_sink_close(sink, 0, rc < 0 ? &e2 : err) < 0) {
			if (rc == 0)
				rc = -1;
			else if (e2.msg[0] && strlen(err->msg) + strlen(e2.msg) + 3 < sizeof(err->msg))
				snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
					 "; %s", e2.msg);
		}
		elog_clickhouse_report(&st, o->stats && rc == 0);
	}
	if (rc == 0 && o->stats)
		elog_print_stats(stderr, elog_series_providers(s), elog_series_events(s),
				 elog_series_dropped(s));
	elog_series_close(s);
	return rc < 0 ? 1 : 0;
}
