/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: the one call through which every TCP event leaves.
 *
 * elog_emit_rec() walks every subscriber slot inline; inlined at each of
 * the provider's emit sites it multiplied the verifier's work past its limit
 * (iter/tcp emits five kinds of event on three paths). A global function is
 * verified once per program, whatever the number of call sites, so the
 * generated _SEND and _LOG macros reach this one (tcp.bpf.c defines
 * ELOG_EMIT_REC to it): every emitter fills the record a generated _MSG
 * declares and calls it. The buffer is the record as it goes into the ring:
 * one copy per subscriber.
 */
#ifndef ELOG_TCP_EMIT_BPF_H
#define ELOG_TCP_EMIT_BPF_H

/*
 * One event on its way out, laid out as the record itself (header, then
 * payload) so that it reaches each ring in one copy (elog_emit_rec()): the
 * buffer every generated _MSG declares, with room for the schema's longest
 * payload. Nothing else: an emitter's frame holds one, and the deepest call
 * chains (setsockopt -> ... -> tcp_elog_emit) are at the 512-byte stack
 * limit.
 */
struct tcp_elog_msg {
	struct elog_event_hdr hdr; /* event_id set; timestamp 0 or preset */
	__u8 b[TCP_EVENTLOG_PAYLOAD_MAX];
};

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

__noinline int tcp_elog_emit(const struct elog_session *s, struct tcp_elog_msg *m, __u32 level,
			     __u32 keywords, __u32 len)
{
	if (!s || !m || len > TCP_EVENTLOG_PAYLOAD_MAX)
		return 0;
	elog_emit_rec(s, (__u8)level, keywords, &m->hdr, len, TCP_EVENTLOG_PAYLOAD_MAX);
	return 0;
}

#endif /* ELOG_TCP_EMIT_BPF_H */
