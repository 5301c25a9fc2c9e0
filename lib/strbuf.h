/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A clipping append buffer for the formatter and the text line. Decoding
 * must run at >= 1M events/s, so numbers are converted by hand instead of
 * through snprintf, and every append is bounded: once full, further text is
 * dropped and the buffer stays NUL-terminated.
 */
#ifndef ELOG_STRBUF_H
#define ELOG_STRBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct strbuf {
	char *p;   /* next write position */
	char *end; /* last usable byte: reserved for the NUL */
};

static inline void sb_init(struct strbuf *b, char *buf, size_t cap)
{
	b->p = buf;
	b->end = buf + cap - 1; /* callers guarantee cap >= 1 */
	*b->p = '\0';
}

static inline void sb_mem(struct strbuf *b, const void *s, size_t n)
{
	size_t room = (size_t)(b->end - b->p);

	if (n > room)
		n = room;
	memcpy(b->p, s, n);
	b->p += n;
	*b->p = '\0';
}

static inline void sb_str(struct strbuf *b, const char *s)
{
	sb_mem(b, s, strlen(s));
}

static inline void sb_ch(struct strbuf *b, char c)
{
	if (b->p < b->end) {
		*b->p++ = c;
		*b->p = '\0';
	}
}

/* Unsigned decimal, zero-padded to at least `width` digits. Two digits per
 * division, written in place when they fit (the common case): numbers are
 * most of what a decoded line is made of. */
static inline void sb_udec_w(struct strbuf *b, uint64_t v, int width)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";
	char tmp[24];
	char *q;
	int nd = 1, i;

	for (uint64_t t = v; t >= 10; t /= 10)
		nd++;
	if (width > nd)
		nd = width < 20 ? width : 20;
	if ((size_t)(b->end - b->p) < (size_t)nd) {
		/* Clipped: build it aside and let sb_mem cut it. */
		i = (int)sizeof(tmp);
		do {
			tmp[--i] = (char)('0' + v % 10);
			v /= 10;
		} while (v != 0);
		while ((int)sizeof(tmp) - i < nd && i > 0)
			tmp[--i] = '0';
		sb_mem(b, tmp + i, sizeof(tmp) - (size_t)i);
		return;
	}
	q = b->p + nd;
	b->p = q;
	*q = '\0';
	while (v >= 100) {
		q -= 2;
		memcpy(q, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, pairs + 2 * v, 2);
	} else {
		*--q = (char)('0' + v);
	}
	while (q > b->p - nd)
		*--q = '0';
}

static inline void sb_udec(struct strbuf *b, uint64_t v)
{
	sb_udec_w(b, v, 1);
}

static inline void sb_sdec(struct strbuf *b, int64_t v)
{
	if (v < 0) {
		sb_ch(b, '-');
		sb_udec(b, (uint64_t)0 - (uint64_t)v);
	} else {
		sb_udec(b, (uint64_t)v);
	}
}

/* Lowercase hex, at least `width` digits, no prefix. */
static inline void sb_hex_w(struct strbuf *b, uint64_t v, int width)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	int i = (int)sizeof(tmp);

	do {
		tmp[--i] = digits[v & 0xf];
		v >>= 4;
	} while (v != 0);
	while ((int)sizeof(tmp) - i < width && i > 0)
		tmp[--i] = '0';
	sb_mem(b, tmp + i, sizeof(tmp) - (size_t)i);
}

static inline void sb_hex0x(struct strbuf *b, uint64_t v)
{
	sb_mem(b, "0x", 2);
	sb_hex_w(b, v, 1);
}

/*
 * Bounded string from untrusted bytes: stops at NUL or n bytes and escapes
 * what a terminal would interpret (\xNN, and \\ for the backslash), so a
 * hostile capture cannot inject control sequences into the output.
 */
static inline void sb_escaped(struct strbuf *b, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n && s[i] != '\0'; i++) {
		uint8_t c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			sb_ch(b, (char)c);
		} else if (c == '\\') {
			sb_mem(b, "\\\\", 2);
		} else {
			sb_mem(b, "\\x", 2);
			sb_hex_w(b, c, 2);
		}
	}
}

#endif /* ELOG_STRBUF_H */
