/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: the one call through which every TCP event leaves.
 *
 * elog_emit() walks every subscriber slot inline; inlined at each of the
 * provider's emit sites it multiplied the verifier's work past its limit
 * (iter/tcp emits five kinds of event on three paths). A global function is
 * verified once per program, whatever the number of call sites, so every
 * emitter fills a fixed-size buffer and calls this.
 */
#ifndef ELOG_TCP_EMIT_BPF_H
#define ELOG_TCP_EMIT_BPF_H

/* The largest TCP payload this provider writes (SACK). */
#define TCP_ELOG_PAYLOAD_MAX 72

/* One event on its way out: what elog_emit() needs, in one argument. */
struct tcp_elog_msg {
	__u32 id;
	__u32 level;
	__u32 keywords;
	__u32 len;
	__u8 b[TCP_ELOG_PAYLOAD_MAX];
};

_Static_assert(sizeof(struct tcp_eventlog_conn_params) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_sack) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_conn_set_ip_v6) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_in) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");
_Static_assert(sizeof(struct tcp_eventlog_out) <= TCP_ELOG_PAYLOAD_MAX, "payload buffer");

/*
 * Declares `name`, a zeroed message for event EV whose payload is
 * name.ev (struct tcp_eventlog_<st>): padding goes out as zeroes.
 */
#define TCP_ELOG_MSG(EV, st, name)                                  \
	union {                                                     \
		struct tcp_elog_msg msg;                            \
		struct {                                            \
			__u32 hdr[4];                               \
			struct tcp_eventlog_##st ev;                \
		};                                                  \
	} name;                                                     \
	__builtin_memset(&name, 0, sizeof(name));                   \
	name.msg.id = TCP_EVENTLOG_##EV##_ID;                       \
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
	elog_emit(s, m->id, (__u8)m->level, m->keywords, m->b, len);
	return 0;
}

#endif /* ELOG_TCP_EMIT_BPF_H */
