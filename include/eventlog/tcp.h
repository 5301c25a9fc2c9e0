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
 */
#ifndef EVENTLOG_TCP_H
#define EVENTLOG_TCP_H

#ifndef TCP_EVENTLOG
#define TCP_EVENTLOG 81
#endif

#endif /* EVENTLOG_TCP_H */
