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
 */
struct tcp_elog_msg {
	__u32 level;
	__u32 keywords;
	__u32 len;
	__u32 pad;
	struct elog_event_hdr hdr; /* event_id set; timestamp 0 or preset */
	__u8 b[TCP_ELOG_PAYLOAD_MAX];
};

_Static_assert(sizeof(struct tcp_eventlog_conn_params) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_sack) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_conn_set_ip_v6) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_in) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_out) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");

/*
 * Declares `name`, a zeroed message for event EV whose payload is
 * name.ev (struct tcp_eventlog_<st>): padding goes out as zeroes. Its
 * timestamp is 0 (read at emit) unless name.msg.hdr.timestamp is set.
 */
#define TCP_ELOG_MSG(EV, st, name)                                  \
	union {                                                     \
		struct tcp_elog_msg msg;                            \
		struct {                                            \
			__u32 lead[4];                              \
			struct elog_event_hdr hdr;                  \
			struct tcp_eventlog_##st ev;                \
		};                                                  \
	} name;                                                     \
	__builtin_memset(&name, 0, sizeof(name));                   \
	name.msg.hdr.event_id = TCP_EVENTLOG_##EV##_ID;             \
	name.msg.level = TCP_EVENTLOG_##EV##_LEVEL;                 \
	name.msg.keywords = TCP_EVENTLOG_##EV##_KEYWORDS;           \
	name.msg.len = sizeof(struct tcp_eventlog_##st)

/* Would session s deliver event EV to anybody? */
#define TCP_ELOG_WOULD(s, EV) \
	elog_would_log((s), TCP_EVENTLOG_##EV##_LEVEL, TCP_EVENTLOG_##EV##_KEYWORDS)

__noinline int tcp_elog_emit(const struct elog_session *s, const struct tcp_elog_msg *m)
{
	__u32 len;

	if (!s || !m)
		return 0;
	len = m->len;
	if (len > TCP_ELOG_PAYLOAD_MAX)
		return 0;
	elog_emit_rec(s, (__u8)m->level, m->keywords, (struct elog_event_hdr *)&m->hdr, len);
	return 0;
}

#endif /* ELOG_TCP_EMIT_BPF_H */
