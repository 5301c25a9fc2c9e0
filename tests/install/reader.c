// SPDX-License-Identifier: BSD-2-Clause
/*
 * Built against an installed eventlog (pkg-config) by tests/install/check.sh:
 * counts a capture's records and formats the first payload, so the installed
 * headers and library are shown to be usable on their own.
 */
#include <stdio.h>

#include <eventlog/capture.h>
#include <eventlog/format.h>
#include <eventlog/tcp.h>
#include <eventlog/tcp_eventlog.h>

int main(int argc, char **argv)
{
	struct elog_error err = { 0 };
	struct elog_reader *r;
	struct elog_record rec;
	char text[1024];
	unsigned long n = 0;
	int rc;

	if (argc != 2 || elog_reader_open(&r, argv[1], &err) < 0) {
		fprintf(stderr, "reader: %s\n", argc != 2 ? "usage: reader FILE" : err.msg);
		return 1;
	}
	while ((rc = elog_reader_next(r, &rec, &err)) == 1) {
		if (n++ == 0) {
			const char *name = elog_reader_provider_name(r, rec.hdr.provider_id);

			elog_format_payload(text, sizeof(text), elog_schema_provider(name), name,
					    rec.hdr.event_id, rec.payload, rec.payload_len);
			printf("first: %s\n", text);
		}
	}
	elog_reader_close(r);
	if (rc < 0) {
		fprintf(stderr, "reader: %s\n", err.msg);
		return 1;
	}
	printf("records: %lu option: %d in id: %u\n", n, TCP_EVENTLOG, TCP_EVENTLOG_IN_ID);
	return 0;
}
