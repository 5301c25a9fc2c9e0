/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IP + TCP header synthesis (see tcp_packet.h). Only facts from the
 * capture go into a header: the option space of the real header length is
 * NOP-filled because the provider does not record option bytes, and SYNs
 * get just the options CONN_PARAMS proves were negotiated (window scale,
 * SACK permitted), which Wireshark needs to scale the window.
 */
#include <string.h>

#include "tcp_packet.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Options of a SYN: what was negotiated, NOPs elsewhere. */
static void put_options(uint8_t *o, size_t room, const struct elog_tcp_endpoints *ep,
			const struct elog_tcp_segment *seg)
{
	size_t at = 0;

	memset(o, 1, room); /* NOP */
	if (!(seg->flags & 0x02) || !ep->have_params)
		return;
	if (ep->wscale_ok && at + 4 <= room) {
		/* NOP, kind 3, len 3, shift: the sender's own receive shift. */
		at++;
		o[at++] = 3;
		o[at++] = 3;
		o[at++] = seg->outbound ? ep->rcv_wscale : ep->snd_wscale;
	}
	if (ep->sack_ok && at + 4 <= room) {
		at += 2; /* NOP NOP, kind 4, len 2 */
		o[at++] = 4;
		o[at++] = 2;
	}
}

size_t elog_pkt_build(uint8_t *buf, const struct elog_tcp_endpoints *ep,
		      const struct elog_tcp_segment *seg, uint32_t *orig_len)
{
	const uint8_t *src = seg->outbound ? ep->local : ep->remote;
	const uint8_t *dst = seg->outbound ? ep->remote : ep->local;
	uint8_t th_off = seg->th_off < 5 ? 5 : (seg->th_off > 15 ? 15 : seg->th_off);
	size_t thlen = (size_t)th_off * 4;
	size_t iplen = ep->v6 ? 40 : 20;
	uint64_t total = (uint64_t)iplen + thlen + seg->len;
	uint8_t *th = buf + iplen;

	memset(buf, 0, iplen + thlen);
	if (ep->v6) {
		uint64_t plen = thlen + (uint64_t)seg->len;

		buf[0] = 0x60;
		/* Larger than IPv6 can say without a jumbogram (GRO/BIG TCP):
		 * 0, and the frame's orig_len still carries the truth. */
		put16(buf + 4, plen > 0xffff ? 0 : (uint16_t)plen);
		buf[6] = 6; /* TCP */
		buf[7] = 64;
		memcpy(buf + 8, src, 16);
		memcpy(buf + 24, dst, 16);
	} else {
		buf[0] = 0x45;
		/* Total length 0 is how Wireshark recognises TSO/GRO frames. */
		put16(buf + 2, total > 0xffff ? 0 : (uint16_t)total);
		put16(buf + 6, 0x4000); /* DF */
		buf[8] = 64;
		buf[9] = 6;
		memcpy(buf + 12, src, 4);
		memcpy(buf + 16, dst, 4);
		put16(buf + 10, ip_checksum(buf, 20));
	}
	put16(th, seg->outbound ? ep->lport : ep->rport);
	put16(th + 2, seg->outbound ? ep->rport : ep->lport);
	put32(th + 4, seg->seq);
	put32(th + 8, seg->ack);
	th[12] = (uint8_t)(th_off << 4 | ((seg->flags >> 8) & 1));
	th[13] = (uint8_t)seg->flags;
	put16(th + 14, seg->win_raw);
	put16(th + 16, seg->th_sum);
	put16(th + 18, seg->th_urp);
	put_options(th + 20, thlen - 20, ep, seg);
	*orig_len = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
	return iplen + thlen;
}
