/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * -s and -p output. Unlike upstream, "Dropped events" is printed even when
 * it is 0: a reader of the report should not have to know that absence
 * means zero.
 */
#include <inttypes.h>

#include "elog.h"
#include "sink.h"

void elog_print_stats(FILE *f, uint32_t providers, uint64_t received, uint64_t dropped)
{
	fprintf(f, "\n[Stats]\n  Providers: %" PRIu32 "\n  Events received: %" PRIu64
		   "\n  Dropped events: %" PRIu64 "\n",
		providers, received, dropped);
}

void elog_print_providers(FILE *f, size_t count, const char *const *names)
{
	fprintf(f, "[Providers] %zu registered:", count);
	for (size_t i = 0; i < count; i++)
		fprintf(f, " %s", names[i]);
	fputc('\n', f);
}

void elog_warn_oversize(const struct elog_sink_stats *st)
{
	if (st->oversize)
		fprintf(stderr, "elog: warning: %" PRIu64 " events were too large for the output "
				"and were not written\n", st->oversize);
}
