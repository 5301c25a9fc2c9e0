// SPDX-License-Identifier: BSD-2-Clause
/*
 * tests/schemac driver: golden outputs, every error message, the producer
 * header round trip, the BPF compile check.
 *
 *   test_schemac SCHEMAC GENDIR TMPDIR CLANG
 *   test_schemac --write-corpus DIR   (seed the schema fuzzer with the error cases)
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "t.h"

const char *t_fmt(const char *fmt, ...)
{
	static char bufs[16][4096];
	static unsigned next;
	char *b = bufs[next++ % 16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	return b;
}

int t_run(const char *cmd)
{
	int st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

char *t_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write-corpus")) {
		t_errors_write_corpus(argv[2]);
		return 0;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: test_schemac SCHEMAC GENDIR TMPDIR CLANG\n");
		return 2;
	}
	struct t_env env = { argv[1], argv[2], argv[3], argv[4] };
	th_current = "outputs";
	t_outputs(&env);
	th_current = "errors";
	t_errors(&env);
	th_current = "roundtrip";
	t_roundtrip();
	th_current = "tcp_interface";
	t_tcp_interface();
	return th_report();
}
