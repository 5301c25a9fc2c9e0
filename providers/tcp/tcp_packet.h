/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Packet synthesis for the pcapng export: IP + TCP headers from one TCP
 * IN/OUT event and its session's endpoints (the tcp provider's connection
 * facts, tcp_facts.c, hand them to the export; separate so the byte layout
 * can be unit-tested on its own).
 *
 * A packet is a synthesized IPv4/IPv6 header (addresses and ports from the
 * session's CONN_SET_IP_V4/V6) around the TCP header fields the event
 * carries (ports, seq, ack, flags incl. AE, window, checksum, urgent
 * pointer, data offset). The provider does not capture option bytes: the
 * option space keeps its real size (so header and segment lengths are
 * right) and is filled with NOPs, except that SYN segments carry the
 * window-scale and SACK-permitted options the connection negotiated
 * (CONN_PARAMS), so Wireshark scales windows correctly. Payload bytes are
 * not captured either: the original length (IP length) covers the event's
 * `len`, which is what TCP analysis needs. Packets of a session whose
 * addresses are unknown use TEST-NET addresses (192.0.2.1 local,
 * 198.51.100.1 remote) and ports taken from the session id.
 */
#ifndef ELOG_TCP_PACKET_H
#define ELOG_TCP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the capture says about one TCP connection. */
struct elog_tcp_endpoints {
	bool have_addr;
	bool v6;
	uint8_t local[16], remote[16]; /* IPv4 in the first 4 bytes; network order */
	uint16_t lport, rport;         /* host order */
	bool have_params;
	uint8_t snd_wscale, rcv_wscale; /* peer's shift, ours */
	bool wscale_ok, sack_ok;
};

/* The header fields of one segment, host order. */
struct elog_tcp_segment {
	bool outbound;
	uint32_t seq, ack;
	uint16_t flags; /* FIN 0x1 ... CWR 0x80, AE 0x100 */
	uint16_t win_raw, th_sum, th_urp;
	uint8_t th_off;  /* 32-bit words; < 5 is written as 5 */
	uint32_t len;    /* payload bytes */
};

/* IPv6 (40) + the largest TCP header (60). */
#define ELOG_PKT_MAX 100

/*
 * Write the headers into buf (>= ELOG_PKT_MAX bytes). Returns the bytes
 * written (the captured length); *orig_len gets the length of the packet
 * on the wire (headers + seg->len).
 */
size_t elog_pkt_build(uint8_t *buf, const struct elog_tcp_endpoints *ep,
		      const struct elog_tcp_segment *seg, uint32_t *orig_len);

#endif /* ELOG_TCP_PACKET_H */
