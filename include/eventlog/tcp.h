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

#endif /* EVENTLOG_TCP_H */
