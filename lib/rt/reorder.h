/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The live capture's reorder window (in lib/rt for every live consumer).
 * Records come out of the rings in reservation order, per ring; their timestamps are taken just before the
 * reservation on whatever CPU ran the hook, so across CPUs (and across
 * rings) they can be slightly out of order. The window holds records back
 * until they are older than (now - window), sorts them by timestamp (ties
 * keep arrival order) and only then releases them, so the file and the text
 * output are in timestamp order, per session and overall, as long as no
 * record reaches its ring more than the window after its timestamp; those
 * that do are counted (elog_reorder_late).
 */
#ifndef ELOG_RT_REORDER_H
#define ELOG_RT_REORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELOG_REORDER_WINDOW_US 20000 /* 20 ms: far above hook-to-submit latency */

struct elog_reorder;

/* Receives each released record: rec (header + payload, len bytes), and the
 * tag it was added with. Returns 0, or -1 to stop releasing: the record it
 * was given counts as released all the same (it is not offered again). */
typedef int (*elog_reorder_sink)(void *arg, unsigned tag, const void *rec, size_t len);

struct elog_reorder *elog_reorder_new(void);
void elog_reorder_free(struct elog_reorder *r);

/* Copies one record in; in the copy, the header's event_length is set to
 * len (when len fits in it). Fewer than 32 bytes (no record header) is not
 * a record and is ignored (returns 0; the BPF side never writes one).
 * Returns 0, or -1 when out of memory: the record is then not in the window
 * and the window is unchanged. */
int elog_reorder_add(struct elog_reorder *r, unsigned tag, const void *rec, size_t len);

/* The same, sorted as if its timestamp were `key` (its bytes are not
 * changed): records added with one key in a row stay together, in the
 * order added, after any record added before them with the same key
 * (ties keep arrival order). A black box dump (records with their old
 * timestamps) goes out as one block where its BLACKBOX_DUMP record
 * sorts. elog_reorder_late() and the limit of a release go by the key. */
int elog_reorder_add_keyed(struct elog_reorder *r, unsigned tag, const void *rec, size_t len,
			   uint64_t key);

/* Releases, in timestamp order, every record with timestamp <= limit_us
 * (UINT64_MAX: all). Returns 0; the sink's -1 (records after the one it
 * stopped at stay in the window for the next call); or -1 when out of
 * memory sorting newly added records (nothing released). */
int elog_reorder_release(struct elog_reorder *r, uint64_t limit_us, elog_reorder_sink sink,
			 void *arg);

/* Receives released records that lie back to back in memory, in timestamp
 * order: count records, bytes long in all, each one a header whose
 * event_length is its length, then its payload. A record too long for
 * event_length (over 65535 bytes) always comes alone (count 1, bytes = its
 * length). Tags are not passed: for sinks that do not need them (a file).
 * Returns 0 or -1 to stop releasing. */
typedef int (*elog_reorder_run_sink)(void *arg, const void *recs, size_t bytes, size_t count);

/* The same release, handing over records in runs: as many as are adjacent
 * in the window's memory, which is most of them when they arrive in order.
 * The output is the same records in the same order; a run the sink stops at
 * counts as released, as above. */
int elog_reorder_release_runs(struct elog_reorder *r, uint64_t limit_us,
			      elog_reorder_run_sink sink, void *arg);

/* Whether the window holds a record, and then the earliest timestamp (or
 * key) among them in *ts: when the next release has something to give. */
bool elog_reorder_oldest(const struct elog_reorder *r, uint64_t *ts);

/* Records added with a timestamp earlier than one already released: each
 * went out after a later record, out of timestamp order (it reached its
 * ring more than the window after its timestamp, or a release was asked
 * for with a limit beyond now - window). */
uint64_t elog_reorder_late(const struct elog_reorder *r);

#endif /* ELOG_RT_REORDER_H */
