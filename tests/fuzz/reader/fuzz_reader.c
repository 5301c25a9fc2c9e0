/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: arbitrary bytes as a capture file, through the reader,
 * the text line (every option on) and the payload formatter with tiny and
 * odd output sizes, against every compiled-in provider's tables. Any
 * out-of-bounds read or write, UB or leak is a crash under the sanitizers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "format.h"
#include "textline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct elog_text_opts all = { true, true, true, true, true };
	static const size_t caps[] = { 1, 2, 7, 33, 200 };
	struct elog_text_state st = { 0 };
	struct elog_reader *r;
	struct elog_error err;
	struct elog_record rec;
	char line[ELOG_TEXTLINE_MAX];
	uint8_t *copy;
	unsigned n = 0;

	/* Exact-size heap copy: ASan sees a read one byte past the input. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (elog_reader_open_mem(&r, copy, size, &err) < 0) {
		free(copy);
		return 0;
	}
	while (elog_reader_next(r, &rec, &err) == 1) {
		const char *name = elog_reader_provider_name(r, rec.hdr.provider_id);
		const struct elog_provider_desc *desc = elog_schema_provider(name);
		const struct elog_file_hdr *h = elog_reader_header(r);
		int64_t utc = elog_record_utc_us(h, rec.hdr.timestamp);
		size_t len = elog_textline_format(line, sizeof(line), &all, &st, &rec.hdr, name, desc,
						  utc, rec.payload, rec.payload_len);

		if (len >= sizeof(line) || line[len] != '\0')
			abort();
		/* The payload decoded as some event of every provider (picked by
		 * the record's id, so the fuzzer reaches every table entry), into
		 * small exact-size buffers. */
		const struct elog_provider_desc *pd;

		for (size_t p = 0; (pd = elog_schema_provider_at(p)); p++) {
			size_t cap = caps[(n + p) % (sizeof(caps) / sizeof(caps[0]))];
			char *small = malloc(cap);

			if (small == NULL || pd->event_count == 0) {
				free(small);
				break;
			}
			len = elog_format_event(small, cap, &pd->events[rec.hdr.event_id % pd->event_count],
						rec.hdr.event_id, rec.payload, rec.payload_len);
			if (len >= cap || small[len] != '\0')
				abort();
			free(small);
		}
		n++;
	}
	elog_reader_close(r);
	free(copy);
	return 0;
}
