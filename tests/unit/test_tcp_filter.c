/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The text forms of the tcp provider's session filters
 * (providers/tcp/tcp_filter.h): port ranges and prefix lists, parsed into
 * what the BPF half reads and printed back; what is refused, and that a
 * refusal leaves the outputs empty. Paths (cgroup, netns) need the real
 * system and are checked end to end (tests/e2e/test_tcp_filters.py).
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "tcp_filter.h"

static __s64 ports(const char *s, int *ret)
{
	struct elog_error err = { 0 };
	__s64 k = -1;

	*ret = tcp_filter_parse_ports(s, &k, &err);
	if (*ret)
		CHECK(err.msg[0] != '\0');
	return k;
}

static void test_ports(void)
{
	static const char *const bad[] = { "-1", "65536", "80-", "-80", "1-2-3", " 80", "80 ", "+80",
					   "0x50", "2000-1000", "http", "80,443", "99999999999999999999999" };
	char buf[32];
	size_t i;
	int ret;
	__s64 k;

	CHECK_EQ_U(ports("", &ret), 0);
	CHECK_EQ_U(ret, 0);
	k = ports("443", &ret);
	CHECK_EQ_U(ret, 0);
	CHECK_EQ_U(k, TCP_ELOG_PORTS_SET | 443u << 16 | 443u);
	tcp_filter_format_ports(k, buf, sizeof(buf));
	CHECK_STR(buf, "443");
	k = ports("0-65535", &ret);
	CHECK_EQ_U(ret, 0);
	CHECK_EQ_U(k, TCP_ELOG_PORTS_SET | 0xffffu);
	tcp_filter_format_ports(k, buf, sizeof(buf));
	CHECK_STR(buf, "0-65535");
	k = ports("0", &ret);
	CHECK_EQ_U(k, TCP_ELOG_PORTS_SET); /* port 0 alone: set, matching no connection */
	tcp_filter_format_ports(0, buf, sizeof(buf));
	CHECK_STR(buf, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k = ports(bad[i], &ret);
		if (ret == 0 || k != 0)
			TH_FAIL("'%s' accepted (%lld)", bad[i], (long long)k);
		else
			th_passed++;
	}
}

/* Parses s; returns its normalized text ("!" + the error if refused). */
static const char *prefixes(const char *s, size_t *n)
{
	static char out[4096];
	struct tcp_filter_pfx p[TCP_ELOG_PFX_MAX];
	struct elog_error err = { 0 };
	size_t i, off = 0;

	if (tcp_filter_parse_prefixes(s, p, n, &err)) {
		CHECK_EQ_U(*n, 0);
		snprintf(out, sizeof(out), "!%s", err.msg);
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < *n; i++) {
		char one[64];

		tcp_filter_format_prefix(&p[i], one, sizeof(one));
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s", i ? "," : "", one);
	}
	return out;
}

static void test_prefixes(void)
{
	static const char *const ok[][2] = {
		{ "", "" },
		{ "10.0.0.0/8", "10.0.0.0/8" },
		{ "127.0.0.1", "127.0.0.1/32" },
		{ "::1", "::1/128" },
		{ "FD00::/8, 10.1.0.0/16 ,2001:db8::/32", "fd00::/8,10.1.0.0/16,2001:db8::/32" },
		/* IPv4 is kept as IPv4-mapped IPv6: the same prefix either way. */
		{ "::ffff:192.168.0.0/112", "192.168.0.0/16" },
		{ "::ffff:0.0.0.0/96", "0.0.0.0/0" },
		{ "::/0", "::/0" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "10.0.0.0/08", "10.0.0.0/8" },
	};
	static const char *const bad[][2] = {
		{ "10.0.0.0/33", "the length must be 0 to 32" },
		{ "fd00::/129", "the length must be 0 to 128" },
		{ "10.1.2.3/8", "address bits set past the length" },
		{ "fd00::1/8", "address bits set past the length" },
		{ "10.0.0.256", "is not an IPv4 address" },
		{ "10.0.0", "is not an IPv4 address" },
		{ "fd00:::1", "is not an IPv6 address" },
		{ "10.0.0.0/", "the length must be 0 to 32" },
		{ "10.0.0.0/-1", "the length must be 0 to 32" },
		{ "/8", "is not an IPv4 address" },
		{ "10.0.0.0/8,", "an empty entry" },
		{ ",10.0.0.0/8", "an empty entry" },
		{ "10.0.0.0/8, ,fd00::/8", "an empty entry" },
		{ "10.0.0.0/8,::ffff:10.0.0.0/104", "prefix 10.0.0.0/8 is given twice" },
		{ "fd00::/8,FD00::/8", "prefix fd00::/8 is given twice" },
	};
	char list[4096];
	size_t i, n, off;
	const char *got;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK_STR(prefixes(ok[i][0], &n), ok[i][1]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got = prefixes(bad[i][0], &n);
		if (got[0] == '!' && strstr(got, bad[i][1]))
			th_passed++;
		else
			TH_FAIL("'%s': got '%s', expected an error with '%s'", bad[i][0], got, bad[i][1]);
	}
	/* TCP_ELOG_PFX_MAX prefixes are taken, one more is refused. */
	for (i = 0, off = 0; i < TCP_ELOG_PFX_MAX; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s10.%zu.0.0/16", i ? "," : "", i);
	got = prefixes(list, &n);
	CHECK_EQ_U(n, TCP_ELOG_PFX_MAX);
	CHECK(got[0] != '!');
	snprintf(list + off, sizeof(list) - off, ",fd00::/8");
	got = prefixes(list, &n);
	CHECK(strstr(got, "too many prefixes (at most 64)") != NULL);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_ports),
		TH_TEST(test_prefixes),
	};

	return th_run(tests, sizeof(tests) / sizeof(tests[0]));
}
