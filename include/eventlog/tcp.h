/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * eventlog for Linux: what applications need to talk to the TCP provider.
 *
 *   int on = 1;
 *   setsockopt(fd, IPPROTO_TCP, TCP_EVENTLOG, &on, sizeof(on));
 *
 * enables (non-zero) or disables event logging for that socket; getsockopt
 * returns the current state. Answered by the TCP provider while it is
 * loaded; without it Linux returns ENOPROTOOPT, as for any unknown option.
 * The number is FreeBSD's, so portable code needs no #ifdef.
 *
 *   setsockopt(fd, IPPROTO_TCP, TCP_EVENTLOG_LOG_ID, "name", strlen("name"));
 *
 * names the connection (up to 63 bytes; an empty name clears it), as
 * FreeBSD's TCP_LOGID does: the LOG_ID event carries the name, captures
 * written with `elog -o dir=PATH -f tcp` use it in their file names, and,
 * while kern.eventlog.tcp.default is 0, naming a connection enables its
 * logging as long as net.inet.tcp.eventlog.log_id_limit allows (-1: always,
 * 0: never, N: N more times). getsockopt returns the name. FreeBSD's number
 * (36) is Linux's TCP_TX_DELAY, so Linux gets its own, outside the range
 * Linux uses for TCP options.
 *
 * The black box (elogctl(8) net.inet.tcp.eventlog.mode and its controls):
 *
 *   int mode = TCP_EVENTLOG_MODE_TAIL;
 *   setsockopt(fd, IPPROTO_TCP, TCP_EVENTLOG_MODE, &mode, sizeof(mode));
 *
 * sets what this connection's session does with its events (the modes are
 * FreeBSD's BBLog states) and switches the session on (OFF: off);
 * getsockopt returns the mode. Any value but 0..5 is EINVAL.
 *
 *   setsockopt(fd, IPPROTO_TCP, TCP_EVENTLOG_DUMP, &zero, sizeof(int));
 *   setsockopt(fd, IPPROTO_TCP, TCP_EVENTLOG_DUMP_ID, &zero, sizeof(int));
 *
 * dump this connection's buffer, or the buffers of every connection with
 * this one's log id (closed ones within net.inet.tcp.eventlog.linger
 * included), into the subscribers' streams: ENODATA when the connection
 * keeps no buffer (DUMP) or has no log id (DUMP_ID), EPERM while
 * net.inet.tcp.eventlog.trigger.request is 0.
 *
 *   struct tcp_eventlog_app a = { .tag = 7 };
 *   strcpy(a.text, "checkout done");
 *   setsockopt(fd, IPPROTO_TCP, TCP_EVENTLOG_APP, &a, sizeof(a));
 *
 * writes an APP_LOG event (tag and up to 59 bytes of text) into this
 * connection's own log, as FreeBSD's TCP_LOG_USER_EVENT lets an
 * application do; any user, its own sockets only. optlen 4..64 (a shorter
 * text is NUL padded).
 */
#ifndef EVENTLOG_TCP_H
#define EVENTLOG_TCP_H

#ifndef TCP_EVENTLOG
#define TCP_EVENTLOG 81
#endif

#ifndef TCP_EVENTLOG_LOG_ID
#define TCP_EVENTLOG_LOG_ID 82
#define TCP_EVENTLOG_LOG_ID_MAX 64 /* counting the NUL */
#endif

#ifndef TCP_EVENTLOG_MODE
#define TCP_EVENTLOG_MODE 83
#define TCP_EVENTLOG_DUMP 84
#define TCP_EVENTLOG_DUMP_ID 85
#define TCP_EVENTLOG_APP 86

#define TCP_EVENTLOG_MODE_OFF 0
#define TCP_EVENTLOG_MODE_TAIL 1
#define TCP_EVENTLOG_MODE_HEAD 2
#define TCP_EVENTLOG_MODE_HEAD_AUTO 3
#define TCP_EVENTLOG_MODE_CONTINUAL 4
#define TCP_EVENTLOG_MODE_TAIL_AUTO 5

#define TCP_EVENTLOG_APP_TEXT_MAX 60 /* counting the NUL */
struct tcp_eventlog_app {
	unsigned int tag;
	char text[TCP_EVENTLOG_APP_TEXT_MAX];
};
#endif

#endif /* EVENTLOG_TCP_H */
