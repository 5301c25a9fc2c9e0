/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * UTC time formatting for the text line and the JSON exporter. Written with
 * the strbuf helpers rather than snprintf/gmtime: this runs once per event
 * and decoding must sustain >= 1M events/s; the calendar conversion is
 * Howard Hinnant's exact days->civil algorithm, valid for any 64-bit day
 * count.
 */
#include "strbuf.h"
#include "utc.h"

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant). */
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

/* [YYYY-MM-DD<date_sep>]HH:MM:SS.uuuuuu in UTC. */
void elog_put_utc(struct strbuf *b, int64_t utc_us, char date_sep)
{
	int64_t secs = floor_div(utc_us, 1000000);
	/* Not utc_us - secs * 1000000: that product overflows near INT64_MIN. */
	uint64_t us = (uint64_t)((utc_us % 1000000 + 1000000) % 1000000);
	int64_t days = floor_div(secs, 86400);
	uint64_t sod = (uint64_t)(secs - days * 86400);

	if (date_sep != 0) {
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
		sb_ch(b, date_sep);
	}
	sb_udec_w(b, sod / 3600, 2);
	sb_ch(b, ':');
	sb_udec_w(b, sod / 60 % 60, 2);
	sb_ch(b, ':');
	sb_udec_w(b, sod % 60, 2);
	sb_ch(b, '.');
	sb_udec_w(b, us, 6);
}
