/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SPEC §7 text line. Written with the strbuf helpers rather than
 * snprintf/gmtime: this runs once per event and decoding must sustain
 * >= 1M events/s; the calendar conversion is Howard Hinnant's exact
 * days->civil algorithm, valid for any 64-bit day count.
 */
#include <string.h>

#include "format.h"
#include "strbuf.h"
#include "textline.h"

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* [YYYY-MM-DD ]HH:MM:SS.uuuuuu in UTC. */
static void put_utc(struct strbuf *b, int64_t utc_us, bool date)
{
	int64_t secs = floor_div(utc_us, 1000000);
	/* Not utc_us - secs * 1000000: that product overflows near INT64_MIN. */
	uint64_t us = (uint64_t)((utc_us % 1000000 + 1000000) % 1000000);
	int64_t days = floor_div(secs, 86400);
	uint64_t sod = (uint64_t)(secs - days * 86400);

	if (date) {
		int64_t y;
		unsigned m, d;

		civil_from_days(days, &y, &m, &d);
		if (y < 0) {
			sb_ch(b, '-');
			y = -y;
		}
		sb_udec_w(b, (uint64_t)y, 4);
		sb_ch(b, '-');
		sb_udec_w(b, m, 2);
		sb_ch(b, '-');
		sb_udec_w(b, d, 2);
		sb_ch(b, ' ');
	}
	sb_udec_w(b, sod / 3600, 2);
	sb_ch(b, ':');
	sb_udec_w(b, sod / 60 % 60, 2);
	sb_ch(b, ':');
	sb_udec_w(b, sod % 60, 2);
	sb_ch(b, '.');
	sb_udec_w(b, us, 6);
}

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
	put_utc(&b, utc_us, o->date);
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
