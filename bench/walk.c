// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/walk: the record walk of elog -r without the formatting: opens a
 * capture with the library reader and visits every record (header checks,
 * bounds), REPEAT times. Prints one line per pass:
 *   records N bytes B seconds S
 * (B: bytes of records, header and provider table excluded). The file should
 * be in the page cache (the script reads it once first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "capture.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int repeat = argc > 2 ? atoi(argv[2]) : 1;

	if (argc < 2 || repeat < 1) {
		fprintf(stderr, "usage: walk FILE [REPEAT]\n");
		return 1;
	}
	for (int i = 0; i < repeat; i++) {
		struct elog_error err = { 0 };
		struct elog_reader *r;
		struct elog_record rec;
		unsigned long long n = 0, bytes = 0, sum = 0;
		double t0 = now_s(), t1;
		int rc;

		if (elog_reader_open(&r, argv[1], &err) < 0) {
			fprintf(stderr, "walk: %s\n", err.msg);
			return 1;
		}
		while ((rc = elog_reader_next(r, &rec, &err)) == 1) {
			n++;
			bytes += rec.hdr.event_length;
			sum += rec.hdr.event_id; /* touch the record */
		}
		t1 = now_s();
		elog_reader_close(r);
		if (rc < 0) {
			fprintf(stderr, "walk: %s\n", err.msg);
			return 1;
		}
		printf("records %llu bytes %llu seconds %.6f check %llu\n", n, bytes, t1 - t0, sum);
	}
	return 0;
}
