/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writes a capture holding every event of every compiled-in provider, with
 * payloads of pseudo-random bytes laid out by the generated tables (so
 * unknown enum values, unnamed flag bits, negative numbers, unterminated
 * and non-ASCII strings, clipped tails and short payloads all occur),
 * sessions that start with their connection facts, for the ClickHouse
 * tests to compare row by row with `elog -r --json`.
 *
 *   gen_all OUT SESSIONS [SEED]
 *
 * Each session: SESSION_CREATE, the provider's other events in a shuffled
 * order (those with "CONN_SET_IP" or "LOG_ID" in their name first, as a
 * connection announces itself), each event 1-3 times, SESSION_END.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/schema.h>

#include "capture.h"
#include "format.h"
#include "payload.h"

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int emit(struct elog_writer *w, uint16_t pid, uint64_t session, uint64_t *ts,
		const struct elog_event_desc *ev, struct elog_error *err)
{
	uint8_t payload[ELOG_PAYLOAD_MAX];
	struct elog_event_hdr h;
	size_t len = ev->size;

	memset(&h, 0, sizeof(h));
	h.provider_id = pid;
	h.cpu = (uint16_t)(next() % 64);
	h.timestamp = (*ts += 1 + next() % 5000);
	h.session_id = session;
	h.event_id = ev->id;
	h.thread_id = (int32_t)(next() % 100000) - 10;
	for (uint16_t i = 0; i < ev->field_count; i++)
		if (ev->fields[i].count_field >= 0)
			len = ev->fields[i].offset + (size_t)ev->fields[i].max_count *
			      type_size(ev->fields[i].type, ev->fields[i].size);
	for (size_t i = 0; i < len; i++)
		payload[i] = (uint8_t)next();
	/* Some strings end early, like real ones. */
	for (uint16_t i = 0; i < ev->field_count; i++) {
		const struct elog_field_desc *f = &ev->fields[i];

		if (f->type == ELOG_T_CHARS && f->count_field < 0 && next() % 2)
			payload[f->offset + next() % f->size] = 0;
		/* Mostly small counts, so tails are often shorter than max. */
		if (f->count_field < 0 && next() % 3 == 0 && type_size(f->type, f->size) <= 8)
			memset(payload + f->offset, 0, type_size(f->type, f->size) - 1);
	}
	/* Now and then a payload cut short (an older producer). */
	if (len && next() % 10 == 0)
		len = next() % len;
	return elog_writer_append2(w, &h, payload, len, err);
}

int main(int argc, char **argv)
{
	struct elog_writer_provider prov[ELOG_MAX_PROVIDERS];
	struct elog_writer *w;
	struct elog_error err;
	uint64_t ts = 5000000, sessions;
	uint32_t np = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: gen_all OUT SESSIONS [SEED]\n");
		return 1;
	}
	sessions = strtoull(argv[2], NULL, 10);
	rng = argc > 3 ? strtoull(argv[3], NULL, 10) | 1 : 88172645463325252ull;
	for (; elog_schema_provider_at(np) && np < ELOG_MAX_PROVIDERS; np++) {
		prov[np].id = (uint16_t)(np + 1);
		prov[np].name = elog_schema_provider_at(np)->name;
	}
	if (elog_writer_open(&w, argv[1], prov, np, 1795309318000000ll, &err) < 0) {
		fprintf(stderr, "gen_all: %s\n", err.msg);
		return 1;
	}
	for (uint64_t s = 0; s < sessions; s++) {
		const struct elog_provider_desc *d = elog_schema_provider_at(s % np);
		uint16_t pid = prov[s % np].id;
		uint32_t order[1024], n = 0;
		uint64_t session = next() >> 1;

		for (uint32_t e = 0; e < d->event_count && n < 1024; e++)
			if (d->events[e].id != ELOG_SESSION_CREATE_ID &&
			    d->events[e].id != ELOG_SESSION_END_ID)
				order[n++] = e;
		for (uint32_t i = n; i > 1; i--) {
			uint32_t k = (uint32_t)(next() % i), t = order[i - 1];

			order[i - 1] = order[k];
			order[k] = t;
		}
		/* The connection's identity first. */
		for (uint32_t i = 0, front = 0; i < n; i++)
			if (strstr(d->events[order[i]].name, "CONN_SET_IP") ||
			    strstr(d->events[order[i]].name, "LOG_ID")) {
				uint32_t t = order[front];

				order[front++] = order[i];
				order[i] = t;
			}
		const struct elog_event_desc *c = elog_schema_event(d, ELOG_SESSION_CREATE_ID);
		if (c && emit(w, pid, session, &ts, c, &err) < 0)
			goto fail;
		for (uint32_t i = 0; i < n; i++)
			for (uint64_t k = 1 + next() % 3; k > 0; k--)
				if (emit(w, pid, session, &ts, &d->events[order[i]], &err) < 0)
					goto fail;
		c = elog_schema_event(d, ELOG_SESSION_END_ID);
		if (c && emit(w, pid, session, &ts, c, &err) < 0)
			goto fail;
	}
	if (elog_writer_close(w, &err) < 0) {
		fprintf(stderr, "gen_all: %s\n", err.msg);
		return 1;
	}
	return 0;
fail:
	fprintf(stderr, "gen_all: %s\n", err.msg);
	elog_writer_close(w, NULL);
	return 1;
}
