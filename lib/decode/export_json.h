/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * JSON Lines export (`elog --json`): one self-contained object per
 * event, for jq and log pipelines. Walks the generated consumer tables, so
 * every field appears by its schema name, whatever the provider.
 *
 *   {"provider":"foo","session":77,"event":"IN","event_id":9,
 *    "time":"2026-11-22T01:02:03.456789Z","boot_us":5000254,"cpu":0,
 *    "thread":6699,"fields":{"seq":2000,"flags":["SYN","ACK"],...}}
 *
 * Value mapping: integers are JSON numbers (ntohs fields in host order),
 * enum fields the value's name (the number when the schema has no name),
 * flag fields an array of names in bit order (unknown bits as one "0x.."
 * string, 0 as []), hex fields and pointers "0x..." strings, addresses
 * inet_ntop strings, char[N] strings, variable-length tails arrays.
 * An unknown event or provider has "event":null and the raw payload as
 * "payload_hex". Strings are escaped per RFC 8259; bytes outside printable
 * ASCII become \u00XX, so the output is always valid UTF-8.
 */
#ifndef ELOG_EXPORT_JSON_H
#define ELOG_EXPORT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <eventlog/record.h>
#include <eventlog/schema.h>

/* Room for any event: payloads are < 64 KiB and expand at most ~8 times. */
#define ELOG_JSON_LINE_MAX (1u << 20)

/*
 * Format one event as a JSON object followed by '\n' into buf. Returns the
 * length written (a NUL follows it), or 0 when cap is too small for the
 * whole line: a clipped line would be invalid JSON, so none is produced.
 *
 * provider_name: from the capture's provider table (NULL: not in it).
 * desc: compiled-in tables for that provider (NULL: unknown provider).
 * utc_us: UTC microseconds of the event, computed by the caller.
 */
size_t elog_json_format(char *buf, size_t cap, const struct elog_event_hdr *hdr,
			const char *provider_name, const struct elog_provider_desc *desc,
			int64_t utc_us, const void *payload, size_t payload_len);

#endif /* ELOG_EXPORT_JSON_H */
