/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elog(1) command line (the options of FreeBSD's elog, man/elog.1). Everything is
 * validated here, once, with one checked number parser, so the capture and
 * decode modes only ever see correct values. Nothing is printed: problems
 * come back in an elog_error for main() to report.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/schema.h>

#include "elog.h"
#include "elog_error.h"
#include "eventlog_abi.h"
#include "format.h"
#include "options.h"
#include "select.h"

enum { OPT_DELTA_TIME = 0x100, OPT_DURATION, OPT_JSON, OPT_PCAPNG, OPT_ROTATE_SIZE,
       OPT_ROTATE_EVENTS, OPT_SUMMARY, OPT_REPORT, OPT_CLICKHOUSE, OPT_FORCE, OPT_VERSION,
       OPT_RECORD, OPT_RECORD_SIZE, OPT_RECORD_FILES, OPT_DUMP,
       /* Selectors: OPT_SEL + enum elog_select_kind. */
       OPT_SEL = 0x200 };

static const struct option long_options[] = {
	{ "buffer-size", required_argument, NULL, 'b' },
	{ "capture", required_argument, NULL, 'c' },
	{ "date", no_argument, NULL, 'd' },
	{ "dump-state", no_argument, NULL, 'D' },
	{ "event-name", no_argument, NULL, 'e' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "event-number", no_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "providers", no_argument, NULL, 'p' },
	{ "read-binary", required_argument, NULL, 'r' },
	{ "stats", no_argument, NULL, 's' },
	{ "relative-time", no_argument, NULL, 't' },
	{ "delta-time", no_argument, NULL, OPT_DELTA_TIME },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "pcapng", required_argument, NULL, OPT_PCAPNG },
	{ "rotate-size", required_argument, NULL, OPT_ROTATE_SIZE },
	{ "rotate-events", required_argument, NULL, OPT_ROTATE_EVENTS },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "session", required_argument, NULL, OPT_SEL + ELOG_SEL_SESSION },
	{ "log-id", required_argument, NULL, OPT_SEL + ELOG_SEL_LOG_ID },
	{ "port", required_argument, NULL, OPT_SEL + ELOG_SEL_PORT },
	{ "conn", required_argument, NULL, OPT_SEL + ELOG_SEL_CONN },
	{ "event", required_argument, NULL, OPT_SEL + ELOG_SEL_EVENT },
	{ "keyword", required_argument, NULL, OPT_SEL + ELOG_SEL_KEYWORD },
	{ "clickhouse", required_argument, NULL, OPT_CLICKHOUSE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "record-size", required_argument, NULL, OPT_RECORD_SIZE },
	{ "record-files", required_argument, NULL, OPT_RECORD_FILES },
	{ "dump", required_argument, NULL, OPT_DUMP },
	{ NULL, 0, NULL, 0 },
};

int elog_parse_number(const char *s, int base, uint64_t max, uint64_t *out, const char **end)
{
	char *e;
	unsigned long long v;

	/* strtoull accepts "-1" (as a huge value) and leading blanks; refuse
	 * both so that every accepted string reads as the number it is. */
	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &e, base);
	if (errno == ERANGE || v > max)
		return -2;
	if (errno != 0 || e == s)
		return -1;
	if (end != NULL)
		*end = e;
	else if (*e != '\0')
		return -1;
	*out = v;
	return 0;
}

/* A power of two >= 1 KiB as -b writes it: 64K, 512M, 1G. */
static void size_name(char *buf, size_t size, uint64_t v)
{
	if (v >= 1ull << 30)
		snprintf(buf, size, "%lluG", (unsigned long long)(v >> 30));
	else if (v >= 1ull << 20)
		snprintf(buf, size, "%lluM", (unsigned long long)(v >> 20));
	else
		snprintf(buf, size, "%lluK", (unsigned long long)(v >> 10));
}

int elog_parse_buffer_size(const char *s, uint32_t *out, struct elog_error *err)
{
	const char *end;
	uint64_t v, mult = 1;
	int rc = elog_parse_number(s, 0, UINT64_MAX, &v, &end);

	if (rc == -2)
		return elog_errorf(err, ERANGE, "buffer size too large: maximum is %u bytes",
				   ELOG_BUFFER_MAX);
	if (rc < 0)
		return elog_errorf(err, EINVAL, "invalid buffer size: %s", s);
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0') {
		switch (*end) {
		case 'k': case 'K': mult = 1ull << 10; break;
		case 'm': case 'M': mult = 1ull << 20; break;
		case 'g': case 'G': mult = 1ull << 30; break;
		default:
			return elog_errorf(err, EINVAL, "invalid buffer size unit: %c (use K, M, or G)",
					   *end);
		}
		if (end[1] != '\0')
			return elog_errorf(err, EINVAL,
					   "invalid buffer size: trailing characters after unit");
	}
	if (v > ELOG_BUFFER_MAX / mult + 1 || v * mult > ELOG_BUFFER_MAX)
		return elog_errorf(err, ERANGE, "buffer size too large: maximum is %u bytes",
				   ELOG_BUFFER_MAX);
	if (v * mult < ELOG_BUFFER_MIN)
		return elog_errorf(err, ERANGE, "buffer size too small: minimum is %u bytes",
				   ELOG_BUFFER_MIN);
	v *= mult;
	/* A ring is a power of two: anything else would be rounded up
	 * (more memory than asked) or down (fewer events than asked), so
	 * neither is done behind the user's back. */
	if (v & (v - 1)) {
		uint64_t lo = 1ull << (63 - __builtin_clzll(v)), hi = lo << 1;
		char a[16], b[16];

		size_name(a, sizeof(a), lo);
		size_name(b, sizeof(b), hi);
		if (hi > ELOG_BUFFER_MAX)
			return elog_errorf(err, EINVAL, "buffer size must be a power of two: "
					   "%s is not (use %s)", s, a);
		return elog_errorf(err, EINVAL, "buffer size must be a power of two: "
				   "%s is not (use %s or %s)", s, a, b);
	}
	*out = (uint32_t)v;
	return 0;
}

/* --rotate-size, --record-size: a byte count with an optional K/M/G suffix
 * (x1024), >= 4 KiB. */
static int parse_file_size(const char *opt, const char *s, uint64_t *out, struct elog_error *err)
{
	const char *end;
	uint64_t v, mult = 1;

	if (elog_parse_number(s, 10, UINT64_MAX, &v, &end) < 0)
		return elog_errorf(err, EINVAL, "%s: not a size: %s", opt, s);
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mult = 1ull << 10; end++; break;
	case 'm': case 'M': mult = 1ull << 20; end++; break;
	case 'g': case 'G': mult = 1ull << 30; end++; break;
	default: end = "?"; break;
	}
	if (*end != '\0')
		return elog_errorf(err, EINVAL, "%s: not a size: %s (use K, M or G)", opt, s);
	if (v > UINT64_MAX / mult)
		return elog_errorf(err, ERANGE, "%s: value too large", opt);
	/* Below a few KiB every event would start a file (every dump would
	 * remove the one before). */
	if (v * mult < 4096)
		return elog_errorf(err, EINVAL, "%s: minimum is 4K", opt);
	*out = v * mult;
	return 0;
}

/* -c provider [level] [keywords]: the optional words are the next operands
 * that do not start with '-'; *optind_p is advanced past the ones used. */
static int parse_subscription(struct elog_options *o, const char *provider, int argc, char **argv,
			      int *optind_p, struct elog_error *err)
{
	struct elog_subscription *sub;
	const struct elog_provider_desc *desc;

	if (strlen(provider) >= ELOG_PROVIDER_NAME_MAX)
		return elog_errorf(err, EINVAL, "provider name too long");
	if (provider[0] == '\0')
		return elog_errorf(err, EINVAL, "empty provider name");
	desc = elog_schema_provider(provider);
	if (desc == NULL)
		return elog_errorf(err, ENOENT, "unknown provider: %s", provider);
	if (o->subscription_count == ELOG_MAX_SUBSCRIPTIONS)
		return elog_errorf(err, E2BIG, "too many subscriptions (max %d)",
				   ELOG_MAX_SUBSCRIPTIONS);
	for (size_t i = 0; i < o->subscription_count; i++)
		if (strcmp(o->subscriptions[i].provider, provider) == 0)
			return elog_errorf(err, EINVAL, "provider %s subscribed twice", provider);

	sub = &o->subscriptions[o->subscription_count];
	memset(sub, 0, sizeof(*sub));
	strcpy(sub->provider, provider);
	sub->level = ELOG_LEVEL_VERBOSE;
	sub->keywords = 0xFFFFFFFFu;

	if (*optind_p < argc && argv[*optind_p][0] != '-') {
		int level = elog_schema_level(argv[*optind_p]);

		if (level < 0)
			return elog_errorf(err, EINVAL,
					   "invalid level: %s (use NONE, ERROR, WARN, INFO, VERBOSE, TRACE or 0-5)",
					   argv[*optind_p]);
		sub->level = (uint8_t)level;
		sub->level_set = true;
		(*optind_p)++;
		if (*optind_p < argc && argv[*optind_p][0] != '-') {
			const char *bad;
			const char *kw = argv[*optind_p];

			if (elog_schema_keywords(desc, kw, &sub->keywords, &bad) < 0) {
				size_t len = strcspn(bad, "|");

				return elog_errorf(err, EINVAL, "unknown keyword for provider %s: %.*s",
						   provider, (int)len, bad);
			}
			(*optind_p)++;
		}
	}
	/* Session lifecycle events always reach a subscriber (SESSION keyword). */
	sub->keywords |= ELOG_KEYWORD_SESSION;
	o->subscription_count++;
	return 0;
}

_Static_assert(ELOG_SEL_KINDS <= sizeof(((struct elog_options *)0)->sel_count) / sizeof(unsigned),
	       "elog_options keeps every selector kind");

/* --dump PROVIDER [--session ID | --log-id NAME], nothing else. */
static int check_dump(struct elog_options *o, struct elog_error *err)
{
	const char *sid = o->sel_last[ELOG_SEL_SESSION], *lid = o->sel_last[ELOG_SEL_LOG_ID];
	uint64_t v;

	if (o->subscription_count || o->read_path || o->record_dir || o->output_kind != ELOG_OUT_TEXT ||
	    o->json || o->clickhouse_url || o->pcapng_path || o->summary || o->report_path ||
	    o->dump_state || o->duration_s)
		return elog_errorf(err, EINVAL, "--dump asks for a dump and exits: it cannot be used "
				   "with -c, -r, --record, --output or another mode's options");
	for (int k = 0; k < ELOG_SEL_KINDS; k++)
		if (o->sel_count[k] && k != ELOG_SEL_SESSION && k != ELOG_SEL_LOG_ID)
			return elog_errorf(err, EINVAL, "--dump takes --session ID or --log-id NAME, "
					   "no other selector");
	if (o->sel_count[ELOG_SEL_SESSION] + o->sel_count[ELOG_SEL_LOG_ID] > 1)
		return elog_errorf(err, EINVAL, "--dump: one --session or one --log-id (none: every "
				   "buffered session)");
	o->bb_dump_scope = ELOG_BB_DUMP_ALL;
	if (sid != NULL) {
		if (elog_parse_number(sid, 10, UINT64_MAX, &v, NULL) < 0)
			return elog_errorf(err, EINVAL, "--dump --session: not a session id: %s", sid);
		o->bb_dump_scope = ELOG_BB_DUMP_SESSION;
		o->bb_dump_session = v;
	}
	if (lid != NULL) {
		if (lid[0] == '\0' || strlen(lid) >= ELOG_BB_GROUP_NAME_MAX)
			return elog_errorf(err, EINVAL, "--dump --log-id: a name of 1 to %d bytes",
					   ELOG_BB_GROUP_NAME_MAX - 1);
		o->bb_dump_scope = ELOG_BB_DUMP_GROUP;
		o->bb_dump_log_id = lid;
	}
	o->mode = ELOG_MODE_BB_DUMP;
	return 0;
}

void elog_free_options(struct elog_options *o)
{
	free(o->read_paths);
	o->read_paths = NULL;
	elog_select_close(o->sel);
	o->sel = NULL;
	o->read_path_count = 0;
}

int elog_parse_options(int argc, char **argv, struct elog_options *o, struct elog_error *err)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->buffer_size = ELOG_BUFFER_DEFAULT;
	/* -r FILE and the FILE operands after it: at most argc paths. */
	o->read_paths = calloc((size_t)argc + 1, sizeof(*o->read_paths));
	if (o->read_paths == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	/* 0, not 1: glibc then also resets its internal state, which a previous
	 * parse may have left pointing into that call's argv (e.g. after "-hd"). */
	optind = 0;
	for (;;) {
		c = getopt_long(argc, argv, "+b:c:dDef:hno:pr:st", long_options, NULL);
		if (c == -1) {
			/* In read mode, operands are more files of the series
			 * (`elog -r a.elog b.elog`, or a shell glob); options may
			 * follow them, so resume option parsing after each. */
			if (o->read_path == NULL || optind >= argc ||
			    strcmp(argv[optind - 1], "--") == 0)
				break;
			o->read_paths[o->read_path_count++] = argv[optind++];
			continue;
		}
		switch (c) {
		case 'b':
			if (elog_parse_buffer_size(optarg, &o->buffer_size, err) < 0)
				return -1;
			break;
		case 'c':
			if (parse_subscription(o, optarg, argc, argv, &optind, err) < 0)
				return -1;
			break;
		case 'd':
			o->text.date = true;
			break;
		case 'D':
			o->dump_state = true;
			break;
		case 'e':
			o->text.event_name = true;
			break;
		case 'f':
			if (strcmp(optarg, "tcp") != 0)
				return elog_errorf(err, EINVAL, "--format requires 'tcp' argument");
			o->file_format = ELOG_FMT_TCP;
			break;
		case 'h':
			return ELOG_PARSE_HELP;
		case 'n':
			o->text.serial = true;
			break;
		case 'o':
			/* Upstream leaked the first FILE and let dir= win: refuse. */
			if (o->output_kind != ELOG_OUT_TEXT)
				return elog_errorf(err, EINVAL, "--output given more than once");
			if (strncmp(optarg, "dir=", 4) == 0) {
				o->output_kind = ELOG_OUT_DIR;
				o->output_path = optarg + 4;
			} else if (strcmp(optarg, "-") == 0) {
				o->output_kind = ELOG_OUT_STDOUT;
				o->output_path = optarg;
			} else {
				o->output_kind = ELOG_OUT_FILE;
				o->output_path = optarg;
			}
			if (o->output_path[0] == '\0')
				return elog_errorf(err, EINVAL, "--output requires a file name or dir=PATH");
			break;
		case 'p':
			o->providers = true;
			break;
		case 'r':
			if (o->read_path != NULL)
				return elog_errorf(err, EINVAL, "--read-binary given more than once");
			o->read_path = optarg;
			o->read_paths[o->read_path_count++] = optarg;
			break;
		case 's':
			o->stats = true;
			break;
		case 't':
			o->text.rel_time = true;
			break;
		case OPT_DELTA_TIME:
			o->text.delta_time = true;
			break;
		case OPT_DURATION: {
			uint64_t v;
			int rc = elog_parse_number(optarg, 10, UINT_MAX, &v, NULL);

			if (rc == -2)
				return elog_errorf(err, ERANGE, "--duration: value too large");
			if (rc < 0 && optarg[strspn(optarg, " \t")] == '-')
				return elog_errorf(err, EINVAL, "--duration: negative: %s "
						   "(seconds, 0 or more)", optarg);
			if (rc < 0)
				return elog_errorf(err, EINVAL, "--duration: not a number: %s", optarg);
			o->duration_s = (uint32_t)v;
			break;
		}
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_VERSION:
			return ELOG_PARSE_VERSION;
		case OPT_PCAPNG:
			if (o->pcapng_path != NULL)
				return elog_errorf(err, EINVAL, "--pcapng given more than once");
			if (optarg[0] == '\0')
				return elog_errorf(err, EINVAL, "--pcapng requires a file name");
			o->pcapng_path = optarg;
			break;
		case OPT_ROTATE_SIZE:
			if (parse_file_size("--rotate-size", optarg, &o->rotate_size, err) < 0)
				return -1;
			break;
		case OPT_ROTATE_EVENTS: {
			uint64_t v;

			if (elog_parse_number(optarg, 10, UINT64_MAX, &v, NULL) < 0 || v == 0)
				return elog_errorf(err, EINVAL, "--rotate-events: not a positive number: %s",
						   optarg);
			o->rotate_events = v;
			break;
		}
		case OPT_SUMMARY:
			o->summary = true;
			break;
		case OPT_REPORT:
			if (o->report_path != NULL)
				return elog_errorf(err, EINVAL, "--report given more than once");
			if (optarg[0] == '\0')
				return elog_errorf(err, EINVAL, "--report requires a file name");
			o->report_path = optarg;
			break;
		case OPT_SEL + ELOG_SEL_SESSION: case OPT_SEL + ELOG_SEL_LOG_ID:
		case OPT_SEL + ELOG_SEL_PORT: case OPT_SEL + ELOG_SEL_CONN:
		case OPT_SEL + ELOG_SEL_EVENT: case OPT_SEL + ELOG_SEL_KEYWORD:
			if (o->sel == NULL && elog_select_open(&o->sel, err) < 0)
				return -1;
			o->sel_last[c - OPT_SEL] = optarg;
			o->sel_count[c - OPT_SEL]++;
			if (elog_select_add(o->sel, (enum elog_select_kind)(c - OPT_SEL), optarg, err) < 0)
				return -1;
			break;
		case OPT_RECORD:
			if (o->record_dir != NULL)
				return elog_errorf(err, EINVAL, "--record given more than once");
			if (optarg[0] == '\0')
				return elog_errorf(err, EINVAL, "--record requires a directory");
			o->record_dir = optarg;
			break;
		case OPT_RECORD_SIZE:
			if (parse_file_size("--record-size", optarg, &o->record_max_bytes, err) < 0)
				return -1;
			break;
		case OPT_RECORD_FILES: {
			uint64_t v;

			if (elog_parse_number(optarg, 10, UINT64_MAX, &v, NULL) < 0 || v == 0)
				return elog_errorf(err, EINVAL, "--record-files: not a positive number: %s",
						   optarg);
			o->record_max_files = v;
			break;
		}
		case OPT_DUMP:
			if (o->bb_dump_provider != NULL)
				return elog_errorf(err, EINVAL, "--dump given more than once");
			if (elog_schema_provider(optarg) == NULL)
				return elog_errorf(err, ENOENT, "--dump: unknown provider: %s", optarg);
			o->bb_dump_provider = optarg;
			break;
		case OPT_CLICKHOUSE:
			if (o->clickhouse_url != NULL)
				return elog_errorf(err, EINVAL, "--clickhouse given more than once");
			if (optarg[0] == '\0')
				return elog_errorf(err, EINVAL, "--clickhouse requires a URL");
			o->clickhouse_url = optarg;
			break;
		default:
			/* getopt has printed its own diagnostic. */
			return ELOG_PARSE_BAD_OPTION;
		}
	}
	if (optind < argc)
		return elog_errorf(err, EINVAL, "unexpected argument: %s", argv[optind]);
	/* One destination per run. */
	if (o->clickhouse_url != NULL && (o->json || o->pcapng_path != NULL ||
					  o->output_kind != ELOG_OUT_TEXT))
		return elog_errorf(err, EINVAL, "--clickhouse cannot be used with --json, --pcapng "
				   "or --output");
	if ((o->record_max_bytes || o->record_max_files) && o->record_dir == NULL)
		return elog_errorf(err, EINVAL, "--record-size/--record-files require --record");
	if (o->bb_dump_provider != NULL)
		return check_dump(o, err);
	if (o->read_path != NULL) {
		if (o->record_dir != NULL)
			return elog_errorf(err, EINVAL, "--record cannot be used with --read-binary");
		if (o->subscription_count != 0)
			return elog_errorf(err, EINVAL, "--read-binary cannot be used with subscribe options");
		if (o->output_kind != ELOG_OUT_TEXT)
			return elog_errorf(err, EINVAL, "--output cannot be used with --read-binary");
		if (o->rotate_size || o->rotate_events)
			return elog_errorf(err, EINVAL, "--rotate-size/--rotate-events apply to --output");
		if (o->json && o->pcapng_path != NULL)
			return elog_errorf(err, EINVAL, "--json cannot be used with --pcapng");
		if (o->summary && o->pcapng_path != NULL)
			return elog_errorf(err, EINVAL, "--summary cannot be used with --pcapng");
		if (o->report_path != NULL && (o->summary || o->json || o->pcapng_path != NULL))
			return elog_errorf(err, EINVAL,
					   "--report cannot be used with --summary, --json or --pcapng");
		if ((o->summary || o->report_path != NULL) && elog_select_by_event(o->sel))
			return elog_errorf(err, EINVAL, "--event/--keyword choose lines to print; "
					   "--summary and --report use all of a connection's events");
		/* Two passes (addresses before packets) need the input twice. */
		for (size_t i = 0; i < o->read_path_count; i++) {
			if (strcmp(o->read_paths[i], "-") != 0)
				continue;
			if (o->pcapng_path != NULL)
				return elog_errorf(err, EINVAL, "--pcapng cannot read stdin");
			if (elog_select_needs_learning(o->sel))
				return elog_errorf(err, EINVAL, "--log-id, --port and --conn read "
						   "the capture twice: they cannot read stdin");
		}
		o->mode = ELOG_MODE_READ;
		return 0;
	}
	if (o->subscription_count == 0)
		return elog_errorf(err, EINVAL, "no subscriptions specified (use --capture or -c)");
	if (o->summary || o->report_path != NULL)
		return elog_errorf(err, EINVAL, "--summary and --report require --read-binary");
	/* Live selection by what sessions say: the connections open already
	 * say it again at the start (-D), or they could never be told. */
	if (elog_select_needs_learning(o->sel))
		o->dump_state = true;
	if (o->pcapng_path != NULL)
		return elog_errorf(err, EINVAL, "--pcapng requires --read-binary");
	if (o->json && o->output_kind != ELOG_OUT_TEXT)
		return elog_errorf(err, EINVAL, "--json cannot be used with --output (binary)");
	if ((o->rotate_size || o->rotate_events) && o->output_kind == ELOG_OUT_TEXT)
		return elog_errorf(err, EINVAL, "--rotate-size/--rotate-events require --output");
	if ((o->rotate_size || o->rotate_events) && o->output_kind == ELOG_OUT_STDOUT)
		return elog_errorf(err, EINVAL, "--rotate-size/--rotate-events need a file name, not -");
	if (o->file_format == ELOG_FMT_TCP && o->output_kind != ELOG_OUT_DIR)
		return elog_errorf(err, EINVAL, "--format tcp requires --output dir=PATH");
	if (o->record_dir != NULL) {
		if (o->output_kind != ELOG_OUT_TEXT || o->json || o->clickhouse_url != NULL)
			return elog_errorf(err, EINVAL, "--record writes its own files: it cannot be "
					   "used with --output, --json or --clickhouse");
		/* A recorder keeps every event a dump holds unless told otherwise. */
		for (size_t i = 0; i < o->subscription_count; i++)
			if (!o->subscriptions[i].level_set)
				o->subscriptions[i].level = ELOG_LEVEL_TRACE;
	}
	o->mode = ELOG_MODE_CAPTURE;
	return 0;
}
