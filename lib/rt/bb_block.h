/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Black box dumps on their way into the reorder window (reorder.h), one
 * tracker per ring.
 *
 * A dump arrives in one ring as a BLACKBOX_DUMP record of session S
 * (timestamp T, payload struct elog_bb_dump announcing `events` records)
 * followed by up to that many records of S with their original, older
 * timestamps; other sessions' live records may come in between. Added as
 * they are, the old records would sort before the record that opens them
 * and count as late. So the tracker holds the dump back, the BLACKBOX_DUMP
 * record and every following record of S stamped no later than T, and puts
 * them into the window in one go, all sorted by T: the dump comes out as a
 * block right where its BLACKBOX_DUMP record sorts, each record keeping its
 * own timestamp.
 *
 * A dump is complete when `events` records of S have come. Fewer may come
 * (the subscriber's level or keywords do not take every event; the ring was
 * full): it is also put in the window when a record of S that cannot be
 * part of it arrives (later than T, or the next BLACKBOX_DUMP), when
 * another session's dump starts in the same ring, and by
 * elog_bb_block_flush() once T is older than what is being released (every
 * record reaches its ring within the window of its timestamp, the dump's
 * within the window of T).
 */
#ifndef ELOG_RT_BB_BLOCK_H
#define ELOG_RT_BB_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt/reorder.h"

struct elog_bb_block;

struct elog_bb_block *elog_bb_block_new(void);
void elog_bb_block_free(struct elog_bb_block *b);

/* One record read from b's ring, for window r with tag: held back when it
 * opens or belongs to a dump, else added to r at once. 0, or -1 when out of
 * memory (as elog_reorder_add). */
int elog_bb_block_add(struct elog_bb_block *b, struct elog_reorder *r, unsigned tag,
		      const void *rec, size_t len);

/* Puts a held dump whose BLACKBOX_DUMP timestamp is <= limit into r
 * (UINT64_MAX: any), before r releases up to limit. 0 or -1 (memory). */
int elog_bb_block_flush(struct elog_bb_block *b, struct elog_reorder *r, uint64_t limit);

/* A dump is held back. */
bool elog_bb_block_pending(const struct elog_bb_block *b);

#endif /* ELOG_RT_BB_BLOCK_H */
