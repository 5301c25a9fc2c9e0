// SPDX-License-Identifier: BSD-2-Clause
/*
 * Writes a capture of the fake provider (tests/plugin/fake.src): three
 * HELLO records laid out by the generated header, for elog -r linked with
 * the fake provider to decode (check.sh).
 *   fake_capture FILE
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "fake_eventlog.h"

int main(int argc, char **argv)
{
	static const char *const peers[] = { "alice", "bob", "carol" };
	const struct elog_writer_provider prov = { .id = 99, .name = FAKE_EVENTLOG_PROVIDER_NAME };
	struct elog_error err = { 0 };
	struct elog_writer *w;
	unsigned i;

	if (argc != 2) {
		fprintf(stderr, "usage: fake_capture FILE\n");
		return 1;
	}
	/* UTC base 2024-01-01T00:00:00Z at boot time 0. */
	if (elog_writer_open(&w, argv[1], &prov, 1, 1704067200000000LL, &err) < 0)
		goto fail;
	for (i = 0; i < 3; i++) {
		struct elog_event_hdr hdr = { .provider_id = prov.id, .timestamp = 1000000 + i * 1500,
					      .session_id = 7, .event_id = FAKE_EVENTLOG_HELLO_ID,
					      .thread_id = 42 };
		struct fake_eventlog_hello ev = { .window = 100 * (i + 1), .port = htons(8080 + i) };

		strncpy(ev.peer, peers[i], sizeof(ev.peer) - 1);
		if (elog_writer_append2(w, &hdr, &ev, sizeof(ev), &err) < 0)
			goto fail;
	}
	if (elog_writer_close(w, &err) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "fake_capture: %s\n", err.msg);
	return 1;
}
