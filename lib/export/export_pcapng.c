/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcapng writer for the export (layout and choices: export_pcapng.h and
 * elog(5)). Blocks are little- or big-endian as the host is: pcapng readers
 * detect the byte order from the Section Header Block's magic.
 *
 * One packet is always held back, so that comments for events after the
 * last packet still have a block to go on; the section header is written
 * only once the first block is known for the same reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn_facts.h"
#include "export_pcapng.h"
#include "textline.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BOM 0x1A2B3C4Du
#define LINKTYPE_RAW 101
#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_EPB_FLAGS 2

/* A session of a provider with connection facts (conn_facts.h). */
struct session {
	uint64_t id; /* slot empty when !used */
	const struct elog_conn_facts_ops *facts;
	bool used;
	struct elog_conn_state st;
};

struct strvec {
	char **v;
	size_t n, cap;
};

struct elog_pcapng {
	FILE *f;
	bool started; /* SHB + IDB written */
	struct session *tab;
	size_t tab_cap, tab_used;
	struct strvec pending; /* comments waiting for the next packet */
	bool held;             /* a packet waits in held_* */
	uint8_t held_pkt[ELOG_CONN_PKT_MAX];
	size_t held_caplen;
	uint32_t held_origlen;
	uint64_t held_ts;
	bool held_out;
	struct strvec held_comments;
	uint64_t packets;
	struct elog_text_state text;
};

/* ----------------------------------------------------------- sessions */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static struct session *session_get(struct elog_pcapng *p, const struct elog_conn_facts_ops *facts,
				   uint64_t id, struct elog_error *err)
{
	size_t i;

	if ((p->tab_used + 1) * 2 > p->tab_cap) {
		size_t ncap = p->tab_cap ? p->tab_cap * 2 : 64;
		struct session *nt = calloc(ncap, sizeof(*nt));

		if (nt == NULL) {
			elog_errorf(err, ENOMEM, "out of memory");
			return NULL;
		}
		for (size_t k = 0; k < p->tab_cap; k++) {
			if (!p->tab[k].used)
				continue;
			for (i = mix(p->tab[k].id) & (ncap - 1); nt[i].used; i = (i + 1) & (ncap - 1))
				;
			nt[i] = p->tab[k];
		}
		free(p->tab);
		p->tab = nt;
		p->tab_cap = ncap;
	}
	for (i = mix(id) & (p->tab_cap - 1); p->tab[i].used; i = (i + 1) & (p->tab_cap - 1))
		if (p->tab[i].id == id && p->tab[i].facts == facts)
			return &p->tab[i];
	p->tab[i].used = true;
	p->tab[i].id = id;
	p->tab[i].facts = facts;
	p->tab_used++;
	return &p->tab[i];
}

int elog_pcapng_learn(struct elog_pcapng *p, const struct elog_event_hdr *hdr,
		      const char *provider_name, const void *payload, size_t payload_len,
		      struct elog_error *err)
{
	const struct elog_conn_facts_ops *facts = elog_conn_facts_find(provider_name);
	struct session *s;

	if (facts == NULL || hdr->session_id == ELOG_SESSION_ID_NONE)
		return 0;
	s = session_get(p, facts, hdr->session_id, err);
	if (s == NULL)
		return -1;
	facts->learn(&s->st, hdr->event_id, payload, payload_len);
	return 0;
}

/* ------------------------------------------------------------- output */

static int put(struct elog_pcapng *p, const void *b, size_t n, struct elog_error *err)
{
	if (n != 0 && fwrite(b, 1, n, p->f) != n)
		return elog_errorf(err, errno, "write pcapng: %s", strerror(errno ? errno : EIO));
	return 0;
}

static int put32(struct elog_pcapng *p, uint32_t v, struct elog_error *err)
{
	return put(p, &v, 4, err);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static size_t opt_size(size_t len)
{
	return 4 + pad4(len);
}

static int put_opt(struct elog_pcapng *p, uint16_t code, const void *v, size_t len,
		   struct elog_error *err)
{
	static const uint8_t zero[4];
	uint16_t h[2] = { code, (uint16_t)len };

	if (put(p, h, 4, err) || put(p, v, len, err) || put(p, zero, pad4(len) - len, err))
		return -1;
	return 0;
}

/* Comments longer than an option can hold are clipped (lines are < 4 KiB). */
static size_t comment_len(const char *c)
{
	size_t n = strlen(c);

	return n > 0xfff0 ? 0xfff0 : n;
}

static size_t comments_size(const struct strvec *v)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n; i++)
		n += opt_size(comment_len(v->v[i]));
	return n;
}

static int put_comments(struct elog_pcapng *p, const struct strvec *v, struct elog_error *err)
{
	for (size_t i = 0; i < v->n; i++)
		if (put_opt(p, OPT_COMMENT, v->v[i], comment_len(v->v[i]), err))
			return -1;
	return 0;
}

static void strvec_clear(struct strvec *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	v->n = 0;
}

static int strvec_push(struct strvec *v, const char *s, size_t n, struct elog_error *err)
{
	char *c;

	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 16;
		char **nv = realloc(v->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return elog_errorf(err, ENOMEM, "out of memory");
		v->v = nv;
		v->cap = ncap;
	}
	c = malloc(n + 1);
	if (c == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	memcpy(c, s, n);
	c[n] = '\0';
	v->v[v->n++] = c;
	return 0;
}

/* Section header (with `shb_comments`, used when there is no packet) + IDB. */
static int start(struct elog_pcapng *p, const struct strvec *shb_comments, struct elog_error *err)
{
	static const char appl[] = "elog (eventlog for Linux)";
	static const char ifname[] = "elog";
	size_t shb_len = 12 + 16 + opt_size(sizeof(appl) - 1) +
			 (shb_comments ? comments_size(shb_comments) : 0) + 4;
	size_t idb_len = 12 + 8 + opt_size(sizeof(ifname) - 1) + 4;
	uint16_t ver[2] = { 1, 0 };
	int64_t section_len = -1;
	uint16_t link[2] = { LINKTYPE_RAW, 0 };

	if (shb_len > UINT32_MAX)
		return elog_errorf(err, E2BIG, "pcapng: too many comments for the section header");
	if (put32(p, BT_SHB, err) || put32(p, (uint32_t)shb_len, err) || put32(p, BOM, err) ||
	    put(p, ver, 4, err) || put(p, &section_len, 8, err) ||
	    put_opt(p, OPT_SHB_USERAPPL, appl, sizeof(appl) - 1, err) ||
	    (shb_comments && put_comments(p, shb_comments, err)) || put32(p, OPT_END, err) ||
	    put32(p, (uint32_t)shb_len, err))
		return -1;
	if (put32(p, BT_IDB, err) || put32(p, (uint32_t)idb_len, err) || put(p, link, 4, err) ||
	    put32(p, ELOG_CONN_PKT_MAX, err) || put_opt(p, OPT_IF_NAME, ifname, sizeof(ifname) - 1, err) ||
	    put32(p, OPT_END, err) || put32(p, (uint32_t)idb_len, err))
		return -1;
	p->started = true;
	return 0;
}

/* The held packet, with its comments and `extra` (events after it). */
static int flush_held(struct elog_pcapng *p, const struct strvec *extra, struct elog_error *err)
{
	static const uint8_t zero[4];
	size_t dlen = pad4(p->held_caplen);
	size_t len = 12 + 20 + dlen + opt_size(4) + comments_size(&p->held_comments) +
		     (extra ? comments_size(extra) : 0) + 4;
	uint32_t epb_flags = p->held_out ? 2 : 1; /* direction: outbound / inbound */

	if (!p->held)
		return 0;
	if (!p->started && start(p, NULL, err))
		return -1;
	if (len > UINT32_MAX)
		return elog_errorf(err, E2BIG, "pcapng: too many comments on one packet");
	if (put32(p, BT_EPB, err) || put32(p, (uint32_t)len, err) || put32(p, 0, err) ||
	    put32(p, (uint32_t)(p->held_ts >> 32), err) || put32(p, (uint32_t)p->held_ts, err) ||
	    put32(p, (uint32_t)p->held_caplen, err) || put32(p, p->held_origlen, err) ||
	    put(p, p->held_pkt, p->held_caplen, err) || put(p, zero, dlen - p->held_caplen, err) ||
	    put_opt(p, OPT_EPB_FLAGS, &epb_flags, 4, err) || put_comments(p, &p->held_comments, err) ||
	    (extra && put_comments(p, extra, err)) || put32(p, OPT_END, err) ||
	    put32(p, (uint32_t)len, err))
		return -1;
	p->held = false;
	strvec_clear(&p->held_comments);
	return 0;
}

int elog_pcapng_open(struct elog_pcapng **out, FILE *f, struct elog_error *err)
{
	struct elog_pcapng *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	p->f = f;
	*out = p;
	return 0;
}

int elog_pcapng_add(struct elog_pcapng *p, const struct elog_event_hdr *hdr,
		    const char *provider_name, const struct elog_provider_desc *desc,
		    int64_t utc_us, const void *payload, size_t payload_len,
		    struct elog_error *err)
{
	static const struct elog_text_opts topts = { .date = true, .event_name = true };
	char line[ELOG_TEXTLINE_MAX];
	size_t n;
	const struct elog_conn_facts_ops *facts = elog_conn_facts_find(provider_name);
	struct session *s = NULL;
	size_t caplen = 0;
	uint32_t origlen = 0;
	bool outbound = false;

	if (elog_pcapng_learn(p, hdr, provider_name, payload, payload_len, err))
		return -1;
	n = elog_textline_format(line, sizeof(line), &topts, &p->text, hdr, provider_name, desc,
				 utc_us, payload, payload_len);
	if (n > 0 && line[n - 1] == '\n')
		n--;
	if (facts != NULL && hdr->session_id != ELOG_SESSION_ID_NONE) {
		uint8_t pkt[ELOG_CONN_PKT_MAX];

		s = session_get(p, facts, hdr->session_id, err);
		if (s == NULL)
			return -1;
		caplen = facts->packet(&s->st, hdr->session_id, hdr->event_id, payload, payload_len,
				       pkt, &origlen, &outbound);
		if (caplen > 0) {
			if (flush_held(p, NULL, err))
				return -1;
			memcpy(p->held_pkt, pkt, caplen);
		}
	}
	if (caplen == 0)
		return strvec_push(&p->pending, line, n, err);
	p->held_caplen = caplen;
	p->held_origlen = origlen;
	/* pcapng timestamps are unsigned: clamp a pre-1970 time to 0. */
	p->held_ts = utc_us < 0 ? 0 : (uint64_t)utc_us;
	p->held_out = outbound;
	/* The comments that waited for this packet become its own. */
	struct strvec tmp = p->held_comments;

	p->held_comments = p->pending;
	p->pending = tmp;
	if (strvec_push(&p->held_comments, line, n, err))
		return -1;
	p->held = true;
	p->packets++;
	return 0;
}

uint64_t elog_pcapng_packets(const struct elog_pcapng *p)
{
	return p->packets;
}

int elog_pcapng_close(struct elog_pcapng *p, struct elog_error *err)
{
	int rc = 0;

	if (p == NULL)
		return 0;
	if (p->held)
		rc = flush_held(p, &p->pending, err);
	else if (!p->started)
		rc = start(p, &p->pending, err);
	if (rc == 0 && fflush(p->f) != 0)
		rc = elog_errorf(err, errno, "write pcapng: %s", strerror(errno));
	strvec_clear(&p->pending);
	strvec_clear(&p->held_comments);
	free(p->pending.v);
	free(p->held_comments.v);
	free(p->tab);
	free(p);
	return rc;
}
