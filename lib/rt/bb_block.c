// SPDX-License-Identifier: BSD-2-Clause
/*
 * Black box dumps into the reorder window as blocks (see bb_block.h). The
 * held records are kept back to back, each after its length, and copied
 * once more into the window when the dump is complete: a dump is at most a
 * session's buffer, so the second copy is cheap next to the live stream.
 */
#include <stdlib.h>
#include <string.h>

#include <eventlog/record.h>

#include "eventlog_abi.h"
#include "rt/bb_block.h"

/* A buffer grown past this by a large dump is given back afterwards. */
#define KEEP_BYTES (64u * 1024u)

struct elog_bb_block {
	unsigned char *buf;
	size_t used, cap;
	bool open;
	unsigned tag;
	uint16_t provider;
	uint64_t sid, key;
	uint32_t remaining; /* records of the dump still announced */
};

struct elog_bb_block *elog_bb_block_new(void)
{
	return calloc(1, sizeof(struct elog_bb_block));
}

void elog_bb_block_free(struct elog_bb_block *b)
{
	if (b == NULL)
		return;
	free(b->buf);
	free(b);
}

bool elog_bb_block_pending(const struct elog_bb_block *b)
{
	return b->open;
}

static int hold(struct elog_bb_block *b, const void *rec, size_t len)
{
	uint32_t l = (uint32_t)len;

	if (b->cap - b->used < sizeof(l) + len) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *p;

		while (cap - b->used < sizeof(l) + len)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (p == NULL)
			return -1;
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->used, &l, sizeof(l));
	memcpy(b->buf + b->used + sizeof(l), rec, len);
	b->used += sizeof(l) + len;
	return 0;
}

struct held {
	uint64_t ts;
	size_t off;
};

/*
 * The held dump into the window, every record sorted by its opener's time,
 * the opener first and its records oldest first. The kernel sends the
 * records that name the connection (kept apart from the ring) ahead of the
 * ring's, in the provider's order: putting them in time order there is a
 * sort the verifier cannot afford, here an insertion sort of a few moves.
 */
static int commit(struct elog_bb_block *b, struct elog_reorder *r)
{
	struct held *v = NULL;
	size_t off = 0, n = 0, cap = 0, i, j;
	int ret = 0;

	while (off < b->used) {
		uint32_t l;
		struct elog_event_hdr h;

		if (n == cap) {
			struct held *p = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (p == NULL) {
				free(v);
				return -1;
			}
			v = p;
		}
		memcpy(&l, b->buf + off, sizeof(l));
		memcpy(&h, b->buf + off + sizeof(l), sizeof(h));
		v[n].ts = h.timestamp;
		v[n].off = off;
		/* Stable: equal timestamps keep their order; the opener stays first. */
		for (j = n; j > 1 && v[j - 1].ts > v[j].ts; j--) {
			struct held t = v[j - 1];

			v[j - 1] = v[j];
			v[j] = t;
		}
		n++;
		off += sizeof(l) + l;
	}
	for (i = 0; i < n && ret == 0; i++) {
		uint32_t l;

		memcpy(&l, b->buf + v[i].off, sizeof(l));
		ret = elog_reorder_add_keyed(r, b->tag, b->buf + v[i].off + sizeof(l), l, b->key);
	}
	free(v);
	b->used = 0;
	b->open = false;
	if (b->cap > KEEP_BYTES) {
		free(b->buf);
		b->buf = NULL;
		b->cap = 0;
	}
	return ret;
}

int elog_bb_block_add(struct elog_bb_block *b, struct elog_reorder *r, unsigned tag,
		      const void *rec, size_t len)
{
	struct elog_event_hdr h;
	struct elog_bb_dump d;

	if (len < sizeof(h))
		return elog_reorder_add(r, tag, rec, len); /* not a record: ignored there */
	memcpy(&h, rec, sizeof(h));
	if (b->open && h.session_id == b->sid && h.provider_id == b->provider) {
		if (h.event_id != ELOG_BB_DUMP_ID && h.timestamp <= b->key && b->remaining > 0) {
			if (hold(b, rec, len))
				return -1;
			if (--b->remaining == 0)
				return commit(b, r);
			return 0;
		}
		/* A record of S that is not part of its dump: the dump is over. */
		if (commit(b, r))
			return -1;
	}
	if (h.event_id != ELOG_BB_DUMP_ID || len < sizeof(h) + sizeof(d))
		return elog_reorder_add(r, tag, rec, len);
	/* Another session's dump in the same ring: the one held is over. */
	if (b->open && commit(b, r))
		return -1;
	memcpy(&d, (const unsigned char *)rec + sizeof(h), sizeof(d));
	b->tag = tag;
	b->provider = h.provider_id;
	b->sid = h.session_id;
	b->key = h.timestamp;
	b->remaining = d.events;
	b->open = true;
	if (hold(b, rec, len)) {
		b->open = false;
		b->used = 0;
		return -1;
	}
	return d.events == 0 ? commit(b, r) : 0;
}

int elog_bb_block_flush(struct elog_bb_block *b, struct elog_reorder *r, uint64_t limit)
{
	if (!b->open || b->key > limit)
		return 0;
	return commit(b, r);
}
