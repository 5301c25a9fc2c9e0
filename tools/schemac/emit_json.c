// SPDX-License-Identifier: BSD-2-Clause
/*
 * The event table as JSON (build/gen/<p>_events.json): ids, names, levels
 * and keywords for programs that are not C (the bench's reports, test
 * scripts), so that none of them reads the schema language or a C header.
 * Every name written is an identifier: nothing to escape.
 */
#include "schemac.h"

static void keywords(FILE *out, const struct sc_schema *s, uint32_t mask)
{
	int first = 1;

	fputc('[', out);
	for (size_t k = 0; k < s->nkw; k++) {
		if (!(mask & s->kw[k].mask))
			continue;
		fprintf(out, "%s\"%s\"", first ? "" : ", ", s->kw[k].name);
		first = 0;
	}
	fputc(']', out);
}

int sc_emit_json(const struct sc_schema *s, FILE *out, struct sc_error *err)
{
	fprintf(out, "{\n  \"provider\": \"%s\",\n  \"keywords\": {", s->provider);
	for (size_t k = 0; k < s->nkw; k++)
		fprintf(out, "%s\n    \"%s\": %u", k ? "," : "", s->kw[k].name, s->kw[k].mask);
	fputs("\n  },\n  \"events\": [", out);
	for (size_t i = 0; i < s->nev; i++) {
		const struct sc_event *ev = &s->ev[i];

		fprintf(out, "%s\n    {\"id\": %u, \"name\": \"%s\", \"level\": \"%s\", "
			"\"keywords\": ", i ? "," : "", ev->id, ev->name, sc_level_name(ev->level));
		keywords(out, s, ev->keywords);
		fprintf(out, ", \"payload_size\": %u, \"implicit\": %s}",
			ev->st ? ev->st->size : 0, ev->implicit ? "true" : "false");
	}
	fputs("\n  ]\n}\n", out);
	if (ferror(out))
		return sc_errorf(err, 0, 0, "write error");
	return 0;
}
