/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The generated producer macros (<provider>_eventlog.h) run in user space,
 * so a test or generator builds its records with the very code the BPF
 * producers use. Every session counts as enabled; each record goes to
 * PRODUCER_EMIT(session, event_id, payload, len), which the including file
 * defines before it includes this header and then the generated ones.
 */
#ifndef ELOG_TEST_PRODUCER_H
#define ELOG_TEST_PRODUCER_H

#include <string.h>

/* Truncating, NUL-terminated copy into an already zeroed char[size]. */
static inline void producer_strcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	memcpy(dst, src, n < size ? n : size - 1);
}

#define ELOG_SESSION_ENABLED(s, level, keywords) 1
#define ELOG_EMIT_REC(s, level, keywords, rec, len, room) \
	PRODUCER_EMIT((s), (rec)->event_id, (rec) + 1, (len))
#define ELOG_STRCPY(dst, src, size) producer_strcpy((dst), (src), (size))
#define ELOG_MEMCPY(dst, src, len) memcpy((dst), (src), (len))

#endif /* ELOG_TEST_PRODUCER_H */
