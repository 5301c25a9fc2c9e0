// SPDX-License-Identifier: BSD-2-Clause
/* elogctl(8) command line: see args.h. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

enum { OPT_VERSION = 0x100 };

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

int elogctl_parse_args(int argc, char **argv, struct elogctl_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0; /* glibc: 0 also resets getopt's state from an earlier parse */
	while ((c = getopt_long(argc, argv, "+anhL:U:lV", long_options, NULL)) != -1) {
		switch (c) {
		case 'h': return ELOGCTL_HELP;
		case OPT_VERSION: return ELOGCTL_VERSION;
		case 'a': a->all = true; break;
		case 'n': a->value_only = true; break;
		case 'L':
		case 'U':
			if ((c == 'L' ? a->nload : a->nunload) == ELOGCTL_MAX_LOADS) {
				a->too_many = c;
				return -2;
			}
			if (c == 'L')
				a->load[a->nload++] = optarg;
			else
				a->unload[a->nunload++] = optarg;
			break;
		case 'l': a->list = true; break;
		case 'V': a->verify = true; break;
		default: return -1;
		}
	}
	a->first = optind;
	if (!a->all && !a->nload && !a->nunload && !a->list && !a->verify && optind >= argc)
		return -1;
	return 0;
}

int elogctl_parse_assignment(const char *arg, char *buf, size_t size, long long *value,
			     bool *value_ok)
{
	const char *eq = strchr(arg, '=');
	char *end;

	*value_ok = false;
	if (size)
		buf[0] = '\0';
	if (!eq || (size_t)(eq - arg) >= size)
		return -1;
	memcpy(buf, arg, (size_t)(eq - arg));
	buf[eq - arg] = '\0';
	errno = 0;
	*value = strtoll(eq + 1, &end, 10);
	*value_ok = !errno && end != eq + 1 && !*end;
	return 0;
}
