// SPDX-License-Identifier: BSD-2-Clause
/* Selectors of `elog -r` (select.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/schema.h>

#include "format.h"
#include "registry.h"
#include "select_internal.h"

int elog_select_open(struct elog_select **out, struct elog_error *err)
{
	struct elog_select *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	s->kw_masks = calloc(elog_registry_count ? elog_registry_count : 1, sizeof(*s->kw_masks));
	if (s->kw_masks == NULL) {
		free(s);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	*out = s;
	return 0;
}

void elog_select_close(struct elog_select *s)
{
	if (s == NULL)
		return;
	free(s->args);
	free(s->sessions);
	free(s->ports);
	free(s->conns);
	free(s->log_ids);
	free(s->events);
	free(s->kw_masks);
	if (s->live_free != NULL)
		s->live_free(s->live);
	elog_session_map_close(s->map);
	free(s);
}

static int grow(void *pp, size_t n, size_t size, struct elog_error *err)
{
	void **p = pp;
	void *np = realloc(*p, (n + 1) * size);

	if (np == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	*p = np;
	return 0;
}

static int parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* An address as the providers write it: inet_ntop's text, IPv4 for a
 * v4-mapped IPv6 address (the providers report such a connection as IPv4). */
static int canon_addr(const char *s, size_t len, char *out)
{
	char tmp[INET6_ADDRSTRLEN];
	uint8_t a[16];

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, a) == 1)
		return inet_ntop(AF_INET, a, out, INET6_ADDRSTRLEN) ? 0 : -1;
	if (inet_pton(AF_INET6, tmp, a) != 1)
		return -1;
	if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
		return inet_ntop(AF_INET, a + 12, out, INET6_ADDRSTRLEN) ? 0 : -1;
	return inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN) ? 0 : -1;
}

/* ADDR, ADDR:PORT, [V6ADDR], [V6ADDR]:PORT, V6ADDR (a bare IPv6 address
 * has no port: its colons are its own). */
static int parse_endpoint(const char *s, size_t len, struct endpoint *e)
{
	const char *colon;
	size_t ncolon = 0;

	memset(e, 0, sizeof(*e));
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL || canon_addr(s + 1, (size_t)(close - s - 1), e->addr) < 0)
			return -1;
		if ((size_t)(close - s) + 1 == len)
			return 0;
		if (close[1] != ':')
			return -1;
		return parse_port(close + 2, len - (size_t)(close - s) - 2, &e->port);
	}
	for (size_t i = 0; i < len; i++)
		ncolon += s[i] == ':';
	if (ncolon != 1)
		return canon_addr(s, len, e->addr);
	colon = memchr(s, ':', len);
	if (colon == s) /* ":PORT": any address */
		return parse_port(s + 1, len - 1, &e->port);
	if (canon_addr(s, (size_t)(colon - s), e->addr) < 0)
		return -1;
	return parse_port(colon + 1, len - (size_t)(colon - s) - 1, &e->port);
}

static int add_names(struct elog_select *s, const char *arg, struct elog_error *err)
{
	for (const char *p = arg;;) {
		size_t len = strcspn(p, ",");
		bool known = false;

		if (len == 0 || len >= NAME_MAX_LEN)
			return elog_errorf(err, EINVAL, "--event: not an event name list: %s", arg);
		if (grow(&s->events, s->nevents, sizeof(*s->events), err) < 0)
			return -1;
		memcpy(s->events[s->nevents], p, len);
		s->events[s->nevents][len] = '\0';
		for (size_t i = 0; i < elog_registry_count && !known; i++) {
			const struct elog_provider_desc *d = elog_registry[i]->schema;

			for (uint32_t k = 0; k < d->event_count && !known; k++)
				known = strcasecmp(d->events[k].name, s->events[s->nevents]) == 0;
		}
		if (!known)
			return elog_errorf(err, EINVAL, "--event: no provider has an event named %s",
					   s->events[s->nevents]);
		s->nevents++;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

static int add_keywords(struct elog_select *s, const char *arg, struct elog_error *err)
{
	for (const char *p = arg;;) {
		size_t len = strcspn(p, "|");
		char name[NAME_MAX_LEN];
		bool known = false;

		if (len == 0 || len >= sizeof(name))
			return elog_errorf(err, EINVAL, "--keyword: not a keyword list: %s", arg);
		memcpy(name, p, len);
		name[len] = '\0';
		for (size_t i = 0; i < elog_registry_count; i++) {
			uint32_t m;
			const char *bad;

			if (elog_schema_keywords(elog_registry[i]->schema, name, &m, &bad) == 0) {
				s->kw_masks[i] |= m;
				known = true;
			}
		}
		if (!known)
			return elog_errorf(err, EINVAL, "--keyword: no provider has a keyword named %s",
					   name);
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

int elog_select_add(struct elog_select *s, enum elog_select_kind kind, const char *arg,
		    struct elog_error *err)
{
	size_t n = s->count[kind];

	switch (kind) {
	case ELOG_SEL_SESSION: {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(arg, &end, 10);
		if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0)
			return elog_errorf(err, EINVAL, "--session: not a session id: %s", arg);
		if (grow(&s->sessions, n, sizeof(*s->sessions), err) < 0)
			return -1;
		s->sessions[n] = v;
		break;
	}
	case ELOG_SEL_LOG_ID:
		if (arg[0] == '\0' || strlen(arg) > 64)
			return elog_errorf(err, EINVAL, "--log-id: a log id has 1 to 64 characters");
		if (grow(&s->log_ids, n, sizeof(*s->log_ids), err) < 0)
			return -1;
		s->log_ids[n] = arg;
		break;
	case ELOG_SEL_PORT:
		if (grow(&s->ports, n, sizeof(*s->ports), err) < 0)
			return -1;
		if (parse_port(arg, strlen(arg), &s->ports[n]) < 0)
			return elog_errorf(err, EINVAL, "--port: not a port (1-65535): %s", arg);
		break;
	case ELOG_SEL_CONN: {
		const char *dash = strchr(arg, '-');
		struct conn_sel c;

		memset(&c, 0, sizeof(c));
		if (dash == NULL ? parse_endpoint(arg, strlen(arg), &c.a) < 0
				 : parse_endpoint(arg, (size_t)(dash - arg), &c.a) < 0 ||
					   parse_endpoint(dash + 1, strlen(dash + 1), &c.b) < 0)
			return elog_errorf(err, EINVAL,
					   "--conn: not ADDR[:PORT] or ADDR:PORT-ADDR:PORT "
					   "([V6ADDR]:PORT for IPv6): %s", arg);
		c.pair = dash != NULL;
		if (grow(&s->conns, n, sizeof(*s->conns), err) < 0)
			return -1;
		s->conns[n] = c;
		break;
	}
	case ELOG_SEL_EVENT:
		if (add_names(s, arg, err) < 0)
			return -1;
		break;
	case ELOG_SEL_KEYWORD:
		if (add_keywords(s, arg, err) < 0)
			return -1;
		break;
	default:
		return elog_errorf(err, EINVAL, "unknown selector");
	}
	if (grow(&s->args, s->nargs, sizeof(*s->args), err) < 0)
		return -1;
	s->args[s->nargs].kind = kind;
	s->args[s->nargs++].arg = arg;
	s->count[kind]++;
	return 0;
}

bool elog_select_has(const struct elog_select *s, enum elog_select_kind kind)
{
	return s != NULL && s->count[kind] != 0;
}

bool elog_select_any(const struct elog_select *s)
{
	return s != NULL && s->nargs != 0;
}

bool elog_select_needs_learning(const struct elog_select *s)
{
	return elog_select_has(s, ELOG_SEL_LOG_ID) || elog_select_has(s, ELOG_SEL_PORT) ||
	       elog_select_has(s, ELOG_SEL_CONN);
}

bool elog_select_by_event(const struct elog_select *s)
{
	return elog_select_has(s, ELOG_SEL_EVENT) || elog_select_has(s, ELOG_SEL_KEYWORD);
}

void elog_select_describe(const struct elog_select *s, char *buf, size_t cap)
{
	static const char *const opt[ELOG_SEL_KINDS] = {
		"--session", "--log-id", "--port", "--conn", "--event", "--keyword",
	};
	size_t len = 0;

	if (cap == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < s->nargs && len < cap; i++) {
		int n = snprintf(buf + len, cap - len, "%s%s %s", i ? " " : "", opt[s->args[i].kind],
				 s->args[i].arg);

		if (n < 0)
			break;
		len += (size_t)n;
	}
}
