// SPDX-License-Identifier: BSD-2-Clause
/*
 * Compiled with clang -target bpf by test-schemac: the producer headers must
 * be valid BPF C after vmlinux.h (here: its typedefs), macros included.
 */
#define __VMLINUX_H__
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;

#include "eventlog/record.h"

struct session {
	__u32 level, keywords;
};

/* Stands in for the ring buffer: the record must reach memory. */
volatile __u8 sink[128];

#define ELOG_SESSION_ENABLED(s, lvl, kw) ((s)->level >= (lvl) && ((s)->keywords & (kw)))
#define ELOG_EMIT_REC(s, lvl, kw, rec, n, room) do { \
	const __u8 *_b = (const __u8 *)(rec); \
	for (unsigned _i = 0; _i < sizeof(sink) && _i < sizeof(*(rec)) + (unsigned)(n) && \
	     (unsigned)(n) <= (room); _i++) \
		sink[_i] = _b[_i]; \
} while (0)
#define ELOG_STRCPY(d, s, n) __builtin_memcpy(d, s, 4)
#define ELOG_MEMCPY(d, s, n) do { \
	if ((n) <= sizeof(sink)) \
		__builtin_memcpy(d, s, 16); \
} while (0)

#include "tcp_eventlog.h"
#include "test_eventlog.h"

int prog(struct session *s, __u64 *vals, __u32 *addr)
{
	TCP_EVENTLOG_IN_LOG(s, 1, 2, TCP_EVENTLOG_FLAG_SYN, 3, 4, 5, TCP_EVENTLOG_TCP_STATE_ESTABLISHED,
			    6, 7, 8, 9);
	TCP_EVENTLOG_CONN_SET_IP_V6_LOG(s, addr, 80, addr, 443);
	TCP_EVENTLOG_LOG_ID_LOG(s, "abcd");
	TCP_EVENTLOG_SESSION_CREATE_LOG_ALWAYS(s, s);
	TCP_EVENTLOG_SESSION_END_LOG(s);
	TEST_EVENTLOG_VARLEN_LOG(s, 1, 2, vals);
	TEST_EVENTLOG_PING_LOG(s);
	{
		TCP_EVENTLOG_CWND_MSG(m);
		m.ev.cwnd = 1;
		m.hdr.timestamp = 2;
		TCP_EVENTLOG_CWND_SEND(s, m);
	}
	{
		TEST_EVENTLOG_VARLEN_MSG(m);
		m.ev.count = 2;
		TEST_EVENTLOG_VARLEN_SEND(s, m);
	}
	return 0;
}
