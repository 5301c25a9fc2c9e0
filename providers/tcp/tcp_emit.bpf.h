/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: the one call through which every TCP event leaves.
 *
 * elog_emit() walks every subscriber slot inline; inlined at each of the
 * provider's emit sites it multiplied the verifier's work past its limit
 * (iter/tcp emits five kinds of event on three paths). A global function is
 * verified once per program, whatever the number of call sites, so every
 * emitter fills a fixed-size buffer and calls this. The buffer is the record
 * as it goes into the ring: one copy per subscriber, no dynptr round trips.
 */
#ifndef ELOG_TCP_EMIT_BPF_H
#define ELOG_TCP_EMIT_BPF_H

/* The largest TCP payload this provider writes (SACK). */
#define TCP_ELOG_PAYLOAD_MAX 72

/*
 * One event on its way out, laid out as the record itself (header, then
 * payload) so that it reaches each ring in one copy (elog_emit_rec()).
 * Nothing else: an emitter's frame holds one, and the deepest call chains
 * (setsockopt -> ... -> tcp_elog_emit) are at the 512-byte stack limit.
 */
struct tcp_elog_msg {
	struct elog_event_hdr hdr; /* event_id set; timestamp 0 or preset */
	__u8 b[TCP_ELOG_PAYLOAD_MAX];
};

_Static_assert(sizeof(struct tcp_eventlog_conn_params) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_sack) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_conn_set_ip_v6) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_in) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_out) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");

/* The schema's BLACKBOX_DUMP names the payload the framework writes. */
_Static_assert(sizeof(struct tcp_eventlog_blackbox_dump) == sizeof(struct elog_bb_dump), "dump");
_Static_assert(__builtin_offsetof(struct tcp_eventlog_blackbox_dump, events) ==
	       __builtin_offsetof(struct elog_bb_dump, events), "dump events");
_Static_assert(__builtin_offsetof(struct tcp_eventlog_blackbox_dump, overwritten) ==
	       __builtin_offsetof(struct elog_bb_dump, overwritten), "dump overwritten");
_Static_assert(__builtin_offsetof(struct tcp_eventlog_blackbox_dump, log_id_hash) ==
	       __builtin_offsetof(struct elog_bb_dump, group), "dump group");
_Static_assert(__builtin_offsetof(struct tcp_eventlog_blackbox_dump, mode) ==
	       __builtin_offsetof(struct elog_bb_dump, mode), "dump mode");
_Static_assert(TCP_EVENTLOG_BLACKBOX_DUMP_ID == ELOG_BB_DUMP_ID, "dump id");

/*
 * Declares `name`, a zeroed message for event EV whose payload is
 * name.ev (struct tcp_eventlog_<st>): padding goes out as zeroes. Its
 * timestamp is 0 (read at emit) unless name.msg.hdr.timestamp is set.
 */
#define TCP_ELOG_MSG(EV, st, name)                                  \
	union {                                                     \
		struct tcp_elog_msg msg;                            \
		struct {                                            \
			struct elog_event_hdr hdr;                  \
			struct tcp_eventlog_##st ev;                \
		};                                                  \
	} name;                                                     \
	__builtin_memset(&name, 0, sizeof(name));                   \
	name.msg.hdr.event_id = TCP_EVENTLOG_##EV##_ID

/* Sends `name` (declared by TCP_ELOG_MSG for event EV) for session s. */
#define TCP_ELOG_SEND(s, EV, name)                                          \
	tcp_elog_emit((s), &(name).msg, TCP_EVENTLOG_##EV##_LEVEL,          \
		      TCP_EVENTLOG_##EV##_KEYWORDS, sizeof((name).ev))

/* Would session s deliver event EV to anybody? */
#define TCP_ELOG_WOULD(s, EV) \
	elog_would_log((s), TCP_EVENTLOG_##EV##_LEVEL, TCP_EVENTLOG_##EV##_KEYWORDS)

__noinline int tcp_elog_emit(const struct elog_session *s, struct tcp_elog_msg *m, __u32 level,
			     __u32 keywords, __u32 len)
{
	if (!s || !m || len > TCP_ELOG_PAYLOAD_MAX)
		return 0;
	elog_emit_rec(s, (__u8)level, keywords, &m->hdr, len, TCP_ELOG_PAYLOAD_MAX);
	return 0;
}

#endif /* ELOG_TCP_EMIT_BPF_H */
