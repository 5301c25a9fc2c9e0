// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for elog-schemac: arbitrary bytes through the lexer and
 * parser and, when they form a valid schema, through all three emitters.
 * The parser returns errors instead of exiting, so any crash, sanitizer
 * report or malformed diagnostic here is a compiler bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schemac.h"

static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_schema *s;
	struct sc_error err;
	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	if (sc_parse("fuzz.src", (const char *)data, size, &s, &err)) {
		/* Every failure has a message and a place inside the input. */
		if (!err.msg[0] || err.line < 0 || err.col < 0)
			abort();
		if (err.line > 0 && (size_t)err.line > size + 1)
			abort();
		return 0;
	}
	if (!s->provider || s->nev < 3)
		abort();
	for (size_t i = 1; i < s->nev; i++)
		if (s->ev[i - 1].id >= s->ev[i].id)
			abort();
	if (sc_emit_producer(s, sink, &err) || sc_emit_tables(s, sink, &err) ||
	    sc_emit_markdown(s, sink, &err))
		abort();
	sc_schema_free(s);
	return 0;
}
