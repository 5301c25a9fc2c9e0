/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The text line of elog(1). Written with the strbuf helpers rather than
 * snprintf/gmtime: this runs once per event and decoding must sustain
 * >= 1M events/s; the UTC time (elog_put_utc) is in utc.c.
 */
#include <string.h>

#include "format.h"
#include "strbuf.h"
#include "textline.h"
#include "utc.h"

/*
 * +S.UUUUUU / dS.UUUUUU for a difference of boot timestamps. Records from
 * different CPUs may be slightly out of order, so a negative difference is
 * shown with a '-' (-S.UUUUUU, d-S.UUUUUU) instead of wrapping to a huge
 * unsigned number.
 */
static void put_interval(struct strbuf *b, char tag, uint64_t from, uint64_t to)
{
	uint64_t d = to - from;

	if (to < from) {
		d = from - to;
		if (tag != '+')
			sb_ch(b, tag);
		sb_ch(b, '-');
	} else {
		sb_ch(b, tag);
	}
	sb_udec(b, d / 1000000);
	sb_ch(b, '.');
	sb_udec_w(b, d % 1000000, 6);
	sb_ch(b, ' ');
}

size_t elog_textline_format(char *buf, size_t cap, const struct elog_text_opts *o,
			    struct elog_text_state *st, const struct elog_event_hdr *hdr,
			    const char *provider_name, const struct elog_provider_desc *desc,
			    int64_t utc_us, const void *payload, size_t payload_len)
{
	struct strbuf b;
	const struct elog_event_desc *ev = elog_schema_event(desc, hdr->event_id);
	size_t used;

	if (cap == 0)
		return 0;
	/* Keep one byte for the '\n' whatever the payload does. */
	sb_init(&b, buf, cap > 1 ? cap - 1 : cap);
	if (st->serial == 0) {
		st->first_ts = hdr->timestamp;
		st->prev_ts = hdr->timestamp;
	}
	st->serial++;
	if (o->serial) {
		/* Left-aligned in a width of 8, then a space. Padding is counted
		 * from the digits, not from b.p, which stops moving when full. */
		static const char pad[] = "         ";
		int digits = 1;

		for (uint64_t v = st->serial; v >= 10; v /= 10)
			digits++;
		sb_udec(&b, st->serial);
		sb_mem(&b, pad, digits < 8 ? (size_t)(9 - digits) : 1);
	}
	if (o->rel_time)
		put_interval(&b, '+', st->first_ts, hdr->timestamp);
	if (o->delta_time)
		put_interval(&b, 'd', st->prev_ts, hdr->timestamp);
	st->prev_ts = hdr->timestamp;

	sb_ch(&b, '[');
	if (hdr->cpu < 10)
		sb_ch(&b, ' ');
	sb_udec(&b, hdr->cpu);
	sb_ch(&b, ']');
	sb_hex_w(&b, (uint32_t)hdr->thread_id, 4);
	sb_mem(&b, "::", 2);
	elog_put_utc(&b, utc_us, o->date ? ' ' : 0);
	sb_mem(&b, " [", 2);
	if (provider_name != NULL)
		sb_escaped(&b, (const uint8_t *)provider_name, strlen(provider_name));
	else
		sb_ch(&b, '?');
	sb_mem(&b, "][", 2);
	sb_udec(&b, hdr->session_id);
	sb_ch(&b, ']');
	if (o->event_name) {
		sb_ch(&b, '[');
		if (ev != NULL) {
			sb_str(&b, ev->name);
		} else {
			sb_ch(&b, '?');
			sb_udec(&b, hdr->event_id);
		}
		sb_ch(&b, ']');
	}
	sb_ch(&b, ' ');
	used = (size_t)(b.p - buf);
	if (desc == NULL)
		used += elog_format_payload(b.p, (size_t)(b.end - b.p) + 1, NULL, provider_name,
					    hdr->event_id, payload, payload_len);
	else
		used += elog_format_event(b.p, (size_t)(b.end - b.p) + 1, ev, hdr->event_id,
					  payload, payload_len);
	if (cap > 1) {
		buf[used++] = '\n';
		buf[used] = '\0';
	}
	return used;
}
