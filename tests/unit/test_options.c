/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elog's option parser on valid command lines (the error messages are
 * covered end to end by cli_errors.sh): -c level/keyword resolution against
 * the generated TCP tables, SESSION always added, -b units and range, the
 * one checked number parser, clustered flags and long forms.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/schema.h>

#include "eventlog_abi.h"
#include "format.h"
#include "harness.h"
#include "../../cmd/elog/options.h"

#define ELOG_SESSION_ENABLED(s, level, keywords) 0
#define ELOG_EMIT_REC(s, level, keywords, rec, len, room) ((void)0)
#define ELOG_STRCPY(dst, src, size) ((void)0)
#define ELOG_MEMCPY(dst, src, len) ((void)0)
#include "tcp_eventlog.h"

static struct elog_options o;
static struct elog_error err;

/* Parse a NULL-terminated argument list (argv[0] added). */
static int parse(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"elog";
	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	err.msg[0] = '\0';
	elog_free_options(&o);
	return elog_parse_options(argc, argv, &o, &err);
}

static void test_defaults(void)
{
	CHECK_EQ_U(parse("-c", "tcp", NULL), 0);
	CHECK_EQ_U(o.mode, ELOG_MODE_CAPTURE);
	CHECK_EQ_U(o.subscription_count, 1);
	CHECK_STR(o.subscriptions[0].provider, "tcp");
	CHECK_EQ_U(o.subscriptions[0].level, ELOG_LEVEL_VERBOSE);
	CHECK_EQ_U(o.subscriptions[0].keywords, 0xFFFFFFFFu);
	CHECK_EQ_U(o.buffer_size, 512 * 1024);
	CHECK_EQ_U(o.output_kind, ELOG_OUT_TEXT);
	CHECK_EQ_U(o.duration_s, 0);
	CHECK(!o.dump_state && !o.stats && !o.providers && !o.text.serial);
}

static void test_levels_and_keywords(void)
{
	CHECK_EQ_U(parse("-c", "tcp", "info", "RX|TX", NULL), 0);
	CHECK_EQ_U(o.subscriptions[0].level, ELOG_LEVEL_INFO);
	CHECK_EQ_U(o.subscriptions[0].keywords,
		   TCP_EVENTLOG_KEYWORD_RX | TCP_EVENTLOG_KEYWORD_TX | ELOG_KEYWORD_SESSION);
	CHECK_EQ_U(parse("-c", "tcp", "TrAcE", "conn", NULL), 0);
	CHECK_EQ_U(o.subscriptions[0].level, ELOG_LEVEL_TRACE);
	CHECK_EQ_U(o.subscriptions[0].keywords, TCP_EVENTLOG_KEYWORD_CONN | ELOG_KEYWORD_SESSION);
	CHECK_EQ_U(parse("-c", "tcp", "2", "0x100", NULL), 0);
	CHECK_EQ_U(o.subscriptions[0].level, ELOG_LEVEL_WARN);
	CHECK_EQ_U(o.subscriptions[0].keywords, 0x100 | ELOG_KEYWORD_SESSION);
	/* SESSION is added even to an explicit zero mask. */
	CHECK_EQ_U(parse("-c", "tcp", "0", "0x0", NULL), 0);
	CHECK_EQ_U(o.subscriptions[0].level, ELOG_LEVEL_NONE);
	CHECK_EQ_U(o.subscriptions[0].keywords, ELOG_KEYWORD_SESSION);
	/* A level alone keeps all keywords; the next option ends the words. */
	CHECK_EQ_U(parse("-c", "tcp", "error", "-c", "test", "-s", NULL), 0);
	CHECK_EQ_U(o.subscription_count, 2);
	CHECK_EQ_U(o.subscriptions[0].level, ELOG_LEVEL_ERROR);
	CHECK_EQ_U(o.subscriptions[0].keywords, 0xFFFFFFFFu);
	CHECK_STR(o.subscriptions[1].provider, "test");
	CHECK_EQ_U(o.subscriptions[1].level, ELOG_LEVEL_VERBOSE);
	CHECK(o.stats);
	/* Long form. */
	CHECK_EQ_U(parse("--capture", "tcp", "verbose", "LOSS|rtt", NULL), 0);
	CHECK_EQ_U(o.subscriptions[0].keywords,
		   TCP_EVENTLOG_KEYWORD_LOSS | TCP_EVENTLOG_KEYWORD_RTT | ELOG_KEYWORD_SESSION);
	/* Exact names only: RT is not RTT, and the error names the word. */
	CHECK(parse("-c", "tcp", "info", "RX|RT", NULL) == -1);
	CHECK_STR(err.msg, "unknown keyword for provider tcp: RT");
}

static void test_buffer_size(void)
{
	static const struct {
		const char *arg;
		uint32_t bytes;
	} ok[] = {
		{ "64K", 65536 },      { "64k", 65536 },     { "65536", 65536 },
		{ "0x10000", 65536 },  { "1M", 1u << 20 },   { "512M", 512u << 20 },
		{ "536870912", 1u << 29 },                   { " 2m", 2u << 20 },
		{ "128 K", 128u << 10 }, { "0200000", 65536 },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint32_t v = 0;

		if (elog_parse_buffer_size(ok[i].arg, &v, &err) != 0 || v != ok[i].bytes)
			TH_FAIL("-b %s: rc/value %u, expected %u (%s)", ok[i].arg, v, ok[i].bytes,
				err.msg);
		else
			th_passed++;
	}
	CHECK_EQ_U(parse("-c", "tcp", "-b", "1M", NULL), 0);
	CHECK_EQ_U(o.buffer_size, 1u << 20);
	CHECK_EQ_U(parse("--buffer-size=256K", "-c", "tcp", NULL), 0);
	CHECK_EQ_U(o.buffer_size, 256u << 10);
	{
		uint32_t v;

		CHECK(elog_parse_buffer_size("65535", &v, &err) == -1);
		CHECK(elog_parse_buffer_size("1G", &v, &err) == -1);
		/* Not a power of two: refused, never rounded. */
		CHECK(elog_parse_buffer_size("1023M", &v, &err) == -1);
		CHECK_STR(err.msg, "buffer size must be a power of two: 1023M is not (use 512M)");
		CHECK(elog_parse_buffer_size("100K", &v, &err) == -1);
		CHECK_STR(err.msg, "buffer size must be a power of two: 100K is not (use 64K or 128K)");
		CHECK(elog_parse_buffer_size("1073741823", &v, &err) == -1);
		CHECK(elog_parse_buffer_size("", &v, &err) == -1);
		CHECK(elog_parse_buffer_size("K", &v, &err) == -1);
		CHECK(elog_parse_buffer_size("+64K", &v, &err) == -1);
	}
}

static void test_number_parser(void)
{
	uint64_t v = 0;
	const char *end;

	CHECK(elog_parse_number("42", 10, 100, &v, NULL) == 0 && v == 42);
	CHECK(elog_parse_number("101", 10, 100, &v, NULL) == -2);
	CHECK(elog_parse_number("18446744073709551616", 10, UINT64_MAX, &v, NULL) == -2);
	CHECK(elog_parse_number("18446744073709551615", 10, UINT64_MAX, &v, NULL) == 0 &&
	      v == UINT64_MAX);
	CHECK(elog_parse_number("-1", 10, UINT64_MAX, &v, NULL) == -1);
	CHECK(elog_parse_number("4x", 10, 100, &v, NULL) == -1);
	CHECK(elog_parse_number("4x", 10, 100, &v, &end) == 0 && v == 4 && *end == 'x');
	CHECK(elog_parse_number("", 10, 100, &v, NULL) == -1);
	CHECK(elog_parse_number("0x1f", 0, 100, &v, NULL) == 0 && v == 31);
	CHECK_EQ_U(parse("-c", "tcp", "--duration", "4294967295", NULL), 0);
	CHECK_EQ_U(o.duration_s, 4294967295u);
	CHECK_EQ_U(parse("-c", "tcp", "--duration=0", NULL), 0);
	CHECK_EQ_U(o.duration_s, 0);
}

static void test_read_mode(void)
{
	CHECK_EQ_U(parse("-enr", "f.elog", NULL), 0);
	CHECK_EQ_U(o.mode, ELOG_MODE_READ);
	CHECK_STR(o.read_path, "f.elog");
	CHECK(o.text.event_name && o.text.serial && !o.text.rel_time);
	CHECK_EQ_U(parse("-r", "-", "-t", "--delta-time", "-d", "-p", "-s", NULL), 0);
	CHECK_STR(o.read_path, "-");
	CHECK(o.text.rel_time && o.text.delta_time && o.text.date && o.providers && o.stats);
	CHECK_EQ_U(parse("--read-binary", "x.gz", "--event-name", "--event-number",
			 "--relative-time", "--date", "--providers", "--stats", NULL), 0);
	CHECK(o.text.event_name && o.text.serial && o.text.rel_time && o.text.date);
	CHECK_EQ_U(parse("-h", NULL), ELOG_PARSE_HELP);
	CHECK_EQ_U(parse("--help", NULL), ELOG_PARSE_HELP);
	CHECK_EQ_U(parse("--version", NULL), ELOG_PARSE_VERSION);
	CHECK_EQ_U(parse("-r", "f.elog", "--pcapng", "f.pcapng", "--force", NULL), 0);
	CHECK(o.force);
}

static void test_outputs(void)
{
	CHECK_EQ_U(parse("-c", "tcp", "-o", "cap.elog", "-D", NULL), 0);
	CHECK_EQ_U(o.output_kind, ELOG_OUT_FILE);
	CHECK_STR(o.output_path, "cap.elog");
	CHECK(o.dump_state);
	CHECK_EQ_U(parse("-c", "tcp", "-o", "dir=/tmp/x", "-f", "tcp", NULL), 0);
	CHECK_EQ_U(o.output_kind, ELOG_OUT_DIR);
	CHECK_STR(o.output_path, "/tmp/x");
	CHECK_EQ_U(o.file_format, ELOG_FMT_TCP);
	CHECK_EQ_U(parse("--capture", "tcp", "--output=dir=d", "--format=tcp", "--dump-state", NULL), 0);
	CHECK_EQ_U(o.output_kind, ELOG_OUT_DIR);
	CHECK_STR(o.output_path, "d");
	CHECK(!o.force);
	/* -o -: the binary capture on stdout. */
	CHECK_EQ_U(parse("-c", "tcp", "-o", "-", NULL), 0);
	CHECK_EQ_U(o.output_kind, ELOG_OUT_STDOUT);
	CHECK_EQ_U(parse("-c", "tcp", "-o", "./-", NULL), 0);
	CHECK_EQ_U(o.output_kind, ELOG_OUT_FILE);
	CHECK(parse("-c", "tcp", "-o", "-", "--rotate-events", "5", NULL) == -1);
	CHECK_STR(err.msg, "--rotate-size/--rotate-events need a file name, not -");
	CHECK_EQ_U(parse("-c", "tcp", "-o", "cap.elog", "--force", NULL), 0);
	CHECK(o.force);
}

/* The black box: the recorder and the dump request, and their errors. */
static void test_blackbox(void)
{
	CHECK_EQ_U(parse("-c", "tcp", "--record", "/var/d", NULL), 0);
	CHECK_EQ_U(o.mode, ELOG_MODE_CAPTURE);
	CHECK_STR(o.record_dir, "/var/d");
	/* No level given: every event a dump holds. */
	CHECK_EQ_U(o.subscriptions[0].level, ELOG_LEVEL_TRACE);
	CHECK_EQ_U(o.record_max_bytes, 0);
	CHECK_EQ_U(o.record_max_files, 0);
	CHECK_EQ_U(parse("-c", "tcp", "INFO", "--record=d", "--record-size", "2G", "--record-files",
			 "100", "-D", "-s", NULL), 0);
	CHECK_EQ_U(o.subscriptions[0].level, ELOG_LEVEL_INFO);
	CHECK_EQ_U(o.record_max_bytes, 2ull << 30);
	CHECK_EQ_U(o.record_max_files, 100);
	CHECK(parse("-c", "tcp", NULL) == 0 && o.subscriptions[0].level == ELOG_LEVEL_VERBOSE);

	CHECK(parse("-c", "tcp", "--record", "", NULL) == -1);
	CHECK_STR(err.msg, "--record requires a directory");
	CHECK(parse("-c", "tcp", "--record", "a", "--record", "b", NULL) == -1);
	CHECK_STR(err.msg, "--record given more than once");
	CHECK(parse("-c", "tcp", "--record", "a", "-o", "f.elog", NULL) == -1);
	CHECK_STR(err.msg, "--record writes its own files: it cannot be used with --output, "
			   "--json or --clickhouse");
	CHECK(parse("-c", "tcp", "--record", "a", "--json", NULL) == -1);
	CHECK(parse("-c", "tcp", "--record", "a", "--clickhouse", "http://h/", NULL) == -1);
	CHECK(parse("-c", "tcp", "--record-files", "3", NULL) == -1);
	CHECK_STR(err.msg, "--record-size/--record-files require --record");
	CHECK(parse("-r", "f", "--record", "a", NULL) == -1);
	CHECK_STR(err.msg, "--record cannot be used with --read-binary");
	CHECK(parse("--record", "a", NULL) == -1);
	CHECK_STR(err.msg, "no subscriptions specified (use --capture or -c)");
	CHECK(parse("-c", "tcp", "--record", "a", "--record-size", "1K", NULL) == -1);
	CHECK_STR(err.msg, "--record-size: minimum is 4K");
	CHECK(parse("-c", "tcp", "--record", "a", "--record-size", "10X", NULL) == -1);
	CHECK_STR(err.msg, "--record-size: not a size: 10X (use K, M or G)");
	CHECK(parse("-c", "tcp", "--record", "a", "--record-size", "-5", NULL) == -1);
	CHECK_STR(err.msg, "--record-size: not a size: -5");
	CHECK(parse("-c", "tcp", "--record", "a", "--record-files", "0", NULL) == -1);
	CHECK_STR(err.msg, "--record-files: not a positive number: 0");
	CHECK(parse("-c", "tcp", "--record", "a", "--record-files", "x", NULL) == -1);
	CHECK_STR(err.msg, "--record-files: not a positive number: x");

	CHECK_EQ_U(parse("--dump", "tcp", NULL), 0);
	CHECK_EQ_U(o.mode, ELOG_MODE_BB_DUMP);
	CHECK_STR(o.bb_dump_provider, "tcp");
	CHECK_EQ_U(o.bb_dump_scope, ELOG_BB_DUMP_ALL);
	CHECK_EQ_U(parse("--dump", "tcp", "--session", "18446744073709551614", NULL), 0);
	CHECK_EQ_U(o.bb_dump_scope, ELOG_BB_DUMP_SESSION);
	CHECK_EQ_U(o.bb_dump_session, 18446744073709551614ull);
	CHECK_EQ_U(parse("--log-id", "web/1", "--dump=tcp", NULL), 0);
	CHECK_EQ_U(o.bb_dump_scope, ELOG_BB_DUMP_GROUP);
	CHECK_STR(o.bb_dump_log_id, "web/1");
	CHECK(parse("--dump", "nope", NULL) == -1);
	CHECK_STR(err.msg, "--dump: unknown provider: nope");
	CHECK(parse("--dump", "tcp", "--dump", "tcp", NULL) == -1);
	CHECK_STR(err.msg, "--dump given more than once");
	CHECK(parse("--dump", "tcp", "-c", "tcp", NULL) == -1);
	CHECK_STR(err.msg, "--dump asks for a dump and exits: it cannot be used with -c, -r, "
			   "--record, --output or another mode's options");
	CHECK(parse("--dump", "tcp", "-r", "f", NULL) == -1);
	CHECK(parse("--dump", "tcp", "--json", NULL) == -1);
	CHECK(parse("--dump", "tcp", "--port", "80", NULL) == -1);
	CHECK_STR(err.msg, "--dump takes --session ID or --log-id NAME, no other selector");
	CHECK(parse("--dump", "tcp", "--session", "1", "--log-id", "x", NULL) == -1);
	CHECK_STR(err.msg, "--dump: one --session or one --log-id (none: every buffered session)");
	CHECK(parse("--dump", "tcp", "--session", "1", "--session", "2", NULL) == -1);
	CHECK(parse("--dump", "tcp", "--session", "1,2", NULL) == -1);
	CHECK(parse("--dump", "tcp", "--log-id",
		    "0123456789012345678901234567890123456789012345678901234567890123", NULL) == -1);
	CHECK_STR(err.msg, "--dump --log-id: a name of 1 to 63 bytes");
}

/* The group hash both halves use: FNV-1a up to the first NUL, 0 for none. */
static void test_group_hash(void)
{
	char padded[ELOG_BB_GROUP_NAME_MAX] = "a";
	char full[ELOG_BB_GROUP_NAME_MAX + 8];

	CHECK_EQ_U(elog_bb_group_hash(""), 0);
	/* FNV-1a 64 test vectors: "a", "foobar". */
	CHECK_EQ_U(elog_bb_group_hash("a"), 0xaf63dc4c8601ec8cull);
	CHECK_EQ_U(elog_bb_group_hash("foobar"), 0x85944171f73967e8ull);
	CHECK_EQ_U(elog_bb_group_hash(padded), elog_bb_group_hash("a"));
	/* No more than ELOG_BB_GROUP_NAME_MAX bytes are read. */
	memset(full, 'x', sizeof(full));
	CHECK_EQ_U(elog_bb_group_hash(full), elog_bb_group_hash(full + 8));
}

static void test_limits(void)
{
	/* Every compiled-in provider can be subscribed to at once. */
	char *argv[2 + 2 * 32];
	int argc = 0;

	const struct elog_provider_desc *d;
	size_t n;

	argv[argc++] = (char *)"elog";
	for (n = 0; (d = elog_schema_provider_at(n)); n++) {
		argv[argc++] = (char *)"-c";
		argv[argc++] = (char *)d->name;
	}
	argv[argc] = NULL;
	elog_free_options(&o);
	CHECK_EQ_U(elog_parse_options(argc, argv, &o, &err), 0);
	CHECK_EQ_U(o.subscription_count, n);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_defaults),     TH_TEST(test_levels_and_keywords),
		TH_TEST(test_buffer_size),  TH_TEST(test_number_parser),
		TH_TEST(test_read_mode),    TH_TEST(test_outputs),
		TH_TEST(test_limits),       TH_TEST(test_blackbox),
		TH_TEST(test_group_hash),
	};
	int rc = th_run(tests, sizeof(tests) / sizeof(tests[0]));

	elog_free_options(&o);
	return rc;
}
