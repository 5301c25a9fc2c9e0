/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcapng export (`elog -r FILE --pcapng OUT`, elog(5)).
 *
 * Events that are segments on the wire become Enhanced Packet Blocks on one
 * LINKTYPE_RAW interface: their provider's connection facts
 * (conn_facts.h) synthesise the packet's headers from the session's
 * endpoints and the header fields the event carries (the provider's own
 * documentation says what is real and what is filled in). Payload bytes
 * are not captured: each packet is snaplen-truncated after its headers,
 * with the original length covering the segment's data.
 *
 * Every other event is kept, in order, as a text comment (opt_comment) on
 * the next packet in the file; events after the last packet go on the last
 * packet, and with no packet at all on the Section Header Block. Each
 * packet's own event is also a comment (state, scaled window, cwnd).
 *
 * Addresses must be known before the first packet of a session: the caller
 * runs one learning pass (elog_pcapng_learn on every record) before the
 * writing pass when it can read its input twice; otherwise add() learns as
 * it goes and packets seen before their session's address get what the
 * provider's facts give a session whose addresses are unknown (documentation
 * addresses and ports taken from the session id, so sessions still stay
 * apart).
 */
#ifndef ELOG_EXPORT_PCAPNG_H
#define ELOG_EXPORT_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <eventlog/record.h>
#include <eventlog/schema.h>

#include "elog_error.h"

struct elog_pcapng;

/* Start an export into f (not closed by the exporter). */
int elog_pcapng_open(struct elog_pcapng **out, FILE *f, struct elog_error *err);

/* Learning pass: remember a session's addresses and negotiated options. */
int elog_pcapng_learn(struct elog_pcapng *p, const struct elog_event_hdr *hdr,
		      const char *provider_name, const void *payload, size_t payload_len,
		      struct elog_error *err);

/* Writing pass: one event, in file order. */
int elog_pcapng_add(struct elog_pcapng *p, const struct elog_event_hdr *hdr,
		    const char *provider_name, const struct elog_provider_desc *desc,
		    int64_t utc_us, const void *payload, size_t payload_len,
		    struct elog_error *err);

/* Packets (segment events) written or held so far. */
uint64_t elog_pcapng_packets(const struct elog_pcapng *p);

/* Write what is held back, flush, free p (always). Returns 0 or -1. */
int elog_pcapng_close(struct elog_pcapng *p, struct elog_error *err);

#endif /* ELOG_EXPORT_PCAPNG_H */
