// SPDX-License-Identifier: BSD-2-Clause
/*
 * TCP provider, user half: the session filters' text controls.
 *
 *   filter.lport, filter.rport   "" | PORT | LOW-HIGH          one knob each
 *   filter.local_prefix,
 *   filter.remote_prefix         "" | ADDR[/LEN][,...]         tcp_filter_pfx + a knob
 *   filter.cgroup                "" | path | id                one knob (id, level)
 *   filter.netns                 "" | name | path | inode      one knob (inode)
 *
 * check parses and resolves everything, so a bad value is refused before
 * anything is loaded or written; set parses again and writes (the provider
 * lock is held); get prints the value back in a form set takes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/nsfs.h>

#include <bpf/bpf.h>

#include "tcp_filter.h"

#define CGROUP2_MAGIC 0x63677270
#define FILEID_KERNFS 0xfe   /* handle type of a kernfs (cgroup) directory */
#define CGROUP_ROOT_ID 1     /* kernfs gives the root of a hierarchy id 1 */
#define MAX_CGROUP_LEVEL 255 /* the level travels in 8 bits of the knob */

#define PORTS_HINT "use PORT or LOW-HIGH, 0 to 65535, or \"\" for any"
#define PFX_HINT "use ADDRESS/LENGTH, IPv4 or IPv6, comma-separated, or \"\" for any"
#define CGROUP_HINT "use a directory of the cgroup2 hierarchy, a path as /proc/PID/cgroup " \
		    "shows it, a cgroup id, or \"\" for any"
#define NETNS_HINT "use a name in /run/netns, a path such as /proc/PID/ns/net, an inode " \
		   "number, or \"\" for any"

/* A decimal number of at most max, digits only (no sign, no space). */
static int parse_uint(const char *s, size_t len, unsigned long long max, unsigned long long *v)
{
	size_t i;

	if (!len || len > 20)
		return -1;
	*v = 0;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		if (*v > (ULLONG_MAX - 9) / 10)
			return -1;
		*v = *v * 10 + (unsigned long long)(s[i] - '0');
	}
	return *v <= max ? 0 : -1;
}

/* ---- port ranges ---- */

int tcp_filter_parse_ports(const char *s, __s64 *knob, struct elog_error *err)
{
	const char *dash = strchr(s, '-');
	unsigned long long lo, hi;

	*knob = 0;
	if (!*s)
		return 0;
	if (parse_uint(s, dash ? (size_t)(dash - s) : strlen(s), 65535, &lo) ||
	    parse_uint(dash ? dash + 1 : s, strlen(dash ? dash + 1 : s), 65535, &hi))
		return elog_rt_errf(err, EINVAL, "invalid port range '%s' (" PORTS_HINT ")", s);
	if (lo > hi)
		return elog_rt_errf(err, EINVAL, "invalid port range '%s': reversed, %llu > %llu "
				    "(" PORTS_HINT ")", s, lo, hi);
	*knob = (__s64)(TCP_ELOG_PORTS_SET | lo << 16 | hi);
	return 0;
}

void tcp_filter_format_ports(__s64 knob, char *buf, size_t size)
{
	unsigned lo = ((__u64)knob >> 16) & 0xffff, hi = (__u64)knob & 0xffff;

	if (!knob)
		snprintf(buf, size, "%s", "");
	else if (lo == hi)
		snprintf(buf, size, "%u", lo);
	else
		snprintf(buf, size, "%u-%u", lo, hi);
}

static int ports_check(const struct elog_provider_control *c, const char *value,
		       struct elog_error *err)
{
	__s64 k;

	(void)c;
	return tcp_filter_parse_ports(value, &k, err);
}

static int ports_set(struct elog_rt *rt, const struct elog_provider_control *c, const char *value,
		     struct elog_error *err)
{
	__s64 k;
	int ret = tcp_filter_parse_ports(value, &k, err);

	return ret ? ret : elog_rt_knob_set(rt, c->knob, k, err);
}

static int ports_get(struct elog_rt *rt, const struct elog_provider_control *c, char *buf,
		     size_t size, struct elog_error *err)
{
	__s64 k = 0;
	int ret = rt ? elog_rt_knob_get(rt, c->knob, &k, err) : 0;

	if (!ret)
		tcp_filter_format_ports(k, buf, size);
	return ret;
}

const struct elog_control_text_ops tcp_filter_ports_ops = {
	.check = ports_check,
	.set = ports_set,
	.get = ports_get,
};

/* ---- address prefixes ---- */

static int pfx_one(const char *s, size_t len, struct tcp_filter_pfx *p, struct elog_error *err)
{
	char text[INET6_ADDRSTRLEN + 8], addr[INET6_ADDRSTRLEN];
	const char *slash;
	unsigned long long plen;
	int v6, i;

	if (len >= sizeof(text))
		return elog_rt_errf(err, EINVAL, "invalid prefix '%.*s' (" PFX_HINT ")", (int)len, s);
	memcpy(text, s, len);
	text[len] = '\0';
	slash = strchr(text, '/');
	if ((size_t)(slash ? slash - text : (ptrdiff_t)len) >= sizeof(addr))
		return elog_rt_errf(err, EINVAL, "invalid prefix '%s' (" PFX_HINT ")", text);
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash ? slash - text : (ptrdiff_t)len), text);
	v6 = strchr(addr, ':') != NULL;
	memset(p, 0, sizeof(*p));
	if (v6 ? inet_pton(AF_INET6, addr, p->addr) != 1 :
		 inet_pton(AF_INET, addr, p->addr + 12) != 1)
		return elog_rt_errf(err, EINVAL, "invalid prefix '%s': '%s' is not an IPv%c address "
				    "(" PFX_HINT ")", text, addr, v6 ? '6' : '4');
	if (slash && parse_uint(slash + 1, strlen(slash + 1), v6 ? 128 : 32, &plen))
		return elog_rt_errf(err, EINVAL, "invalid prefix '%s': the length must be 0 to %d "
				    "(" PFX_HINT ")", text, v6 ? 128 : 32);
	if (!slash)
		plen = v6 ? 128 : 32;
	if (!v6) {
		p->addr[10] = p->addr[11] = 0xff;
		plen += 96;
	}
	p->len = (__u32)plen;
	for (i = (int)plen; i < 128; i++) {
		if (p->addr[i / 8] & (0x80 >> (i % 8)))
			return elog_rt_errf(err, EINVAL, "invalid prefix '%s': address bits set past "
					    "the length", text);
	}
	return 0;
}

int tcp_filter_parse_prefixes(const char *s, struct tcp_filter_pfx *out, size_t *n,
			      struct elog_error *err)
{
	const char *p = s, *end;
	size_t len, i, count = 0;
	char a[64], b[64];
	int ret;

	*n = 0;
	if (!*s)
		return 0;
	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		while (len && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (!len)
			return elog_rt_errf(err, EINVAL, "invalid prefix list '%s': an empty entry "
					    "(" PFX_HINT ")", s);
		if (count == TCP_ELOG_PFX_MAX)
			return elog_rt_errf(err, E2BIG, "too many prefixes (at most %d)",
					    TCP_ELOG_PFX_MAX);
		ret = pfx_one(p, len, &out[count], err);
		if (ret)
			return ret;
		for (i = 0; i < count; i++) {
			if (out[i].len == out[count].len &&
			    !memcmp(out[i].addr, out[count].addr, sizeof(out[i].addr))) {
				tcp_filter_format_prefix(&out[i], a, sizeof(a));
				snprintf(b, sizeof(b), "%.*s", (int)len, p);
				return elog_rt_errf(err, EINVAL, "prefix %s is given twice ('%s')", a, b);
			}
		}
		count++;
		if (!end)
			break;
		p = end + 1;
	}
	*n = count;
	return 0;
}

void tcp_filter_format_prefix(const struct tcp_filter_pfx *p, char *buf, size_t size)
{
	static const __u8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char a[INET6_ADDRSTRLEN];

	if (p->len >= 96 && !memcmp(p->addr, mapped, sizeof(mapped))) {
		inet_ntop(AF_INET, p->addr + 12, a, sizeof(a));
		snprintf(buf, size, "%s/%u", a, p->len - 96);
	} else {
		inet_ntop(AF_INET6, p->addr, a, sizeof(a));
		snprintf(buf, size, "%s/%u", a, p->len);
	}
}

static int pfx_side(const struct elog_provider_control *c)
{
	return c->knob == TCP_ELOG_KNOB_FILTER_RPFX;
}

static int pfx_check(const struct elog_provider_control *c, const char *value,
		     struct elog_error *err)
{
	struct tcp_filter_pfx p[TCP_ELOG_PFX_MAX];
	size_t n;

	(void)c;
	return tcp_filter_parse_prefixes(value, p, &n, err);
}

/* Deletes every entry of list `list`. */
static int pfx_clear(int fd, __u8 list, struct elog_error *err)
{
	struct tcp_elog_pfx_key k, next, del[TCP_ELOG_PFX_ENTRIES];
	size_t n = 0, i;
	void *prev = NULL;

	while (n < TCP_ELOG_PFX_ENTRIES && !bpf_map_get_next_key(fd, prev, &next)) {
		if (next.list == list)
			del[n++] = next;
		k = next;
		prev = &k;
	}
	for (i = 0; i < n; i++) {
		if (bpf_map_delete_elem(fd, &del[i]) && errno != ENOENT)
			return elog_rt_errf(err, errno, "tcp: clear prefix list: %s", strerror(errno));
	}
	return 0;
}

static int pfx_set(struct elog_rt *rt, const struct elog_provider_control *c, const char *value,
		   struct elog_error *err)
{
	struct tcp_filter_pfx p[TCP_ELOG_PFX_MAX];
	struct tcp_elog_pfx_key k;
	__u32 gen, pos;
	size_t n, i;
	__s64 knob;
	int fd, ret;

	ret = tcp_filter_parse_prefixes(value, p, &n, err);
	if (!ret)
		ret = elog_rt_knob_get(rt, c->knob, &knob, err);
	if (ret)
		return ret;
	fd = elog_rt_obj_fd(rt, TCP_ELOG_PIN_FILTER_PFX, err);
	if (fd < 0)
		return fd;
	/* Into the generation not in use; programs switch with the knob. */
	gen = !(((__u64)knob >> 32) & 1);
	ret = pfx_clear(fd, TCP_ELOG_PFX_LIST(pfx_side(c), gen), err);
	for (i = 0; i < n && !ret; i++) {
		memset(&k, 0, sizeof(k));
		k.prefixlen = 8 + p[i].len;
		k.list = TCP_ELOG_PFX_LIST(pfx_side(c), gen);
		memcpy(k.addr, p[i].addr, sizeof(k.addr));
		pos = (__u32)i;
		if (bpf_map_update_elem(fd, &k, &pos, BPF_NOEXIST))
			ret = elog_rt_errf(err, errno, "tcp: write prefix list: %s", strerror(errno));
	}
	close(fd);
	if (ret)
		return ret;
	return elog_rt_knob_set(rt, c->knob, (__s64)((__u64)gen << 32 | n), err);
}

static int pfx_get(struct elog_rt *rt, const struct elog_provider_control *c, char *buf,
		   size_t size, struct elog_error *err)
{
	struct tcp_filter_pfx p[TCP_ELOG_PFX_MAX];
	struct tcp_elog_pfx_key k, next;
	char one[64];
	size_t n, i, off = 0, found = 0;
	void *prev = NULL;
	__u32 pos;
	__s64 knob;
	__u8 list;
	int fd, ret;

	if (!rt)
		return 0;
	ret = elog_rt_knob_get(rt, c->knob, &knob, err);
	if (ret)
		return ret;
	n = (__u32)knob;
	if (!n)
		return 0;
	if (n > TCP_ELOG_PFX_MAX)
		return elog_rt_errf(err, EIO, "tcp: %s: %zu prefixes recorded, at most %d expected",
				    c->name, n, TCP_ELOG_PFX_MAX);
	fd = elog_rt_obj_fd(rt, TCP_ELOG_PIN_FILTER_PFX, err);
	if (fd < 0)
		return fd;
	list = TCP_ELOG_PFX_LIST(pfx_side(c), ((__u64)knob >> 32) & 1);
	memset(p, 0, sizeof(p));
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (k.list != list || bpf_map_lookup_elem(fd, &k, &pos) || pos >= n)
			continue;
		memcpy(p[pos].addr, k.addr, sizeof(k.addr));
		p[pos].len = k.prefixlen - 8;
		found++;
	}
	close(fd);
	if (found != n)
		return elog_rt_errf(err, EIO, "tcp: %s: %zu prefixes recorded, %zu found", c->name,
				    n, found);
	for (i = 0; i < n; i++) {
		tcp_filter_format_prefix(&p[i], one, sizeof(one));
		off += (size_t)snprintf(buf + (off < size ? off : size), off < size ? size - off : 0,
					"%s%s", i ? "," : "", one);
	}
	return off < size ? 0 : elog_rt_errf(err, ENOBUFS, "tcp: %s: value too long", c->name);
}

const struct elog_control_text_ops tcp_filter_prefix_ops = {
	.check = pfx_check,
	.set = pfx_set,
	.get = pfx_get,
};

/* ---- cgroup ---- */

static int cgroup_id_of(int fd, __u64 *id)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 64];
	} h;
	int mnt;

	h.fh.handle_bytes = 64;
	if (name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH))
		return -errno;
	if (h.fh.handle_bytes != sizeof(*id))
		return -EINVAL;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

static int is_cgroup2(int fd)
{
	struct statfs st;

	return !fstatfs(fd, &st) && (unsigned long)st.f_type == CGROUP2_MAGIC;
}

/* id and level (steps up to the root cgroup) of a cgroup2 directory fd,
 * which is consumed. */
static int cgroup_id_level(int fd, const char *value, __u64 *id, unsigned *level,
			   struct elog_error *err)
{
	__u64 up_id;
	int ret, up;

	ret = cgroup_id_of(fd, id);
	for (*level = 0, up_id = *id; !ret && up_id != CGROUP_ROOT_ID; (*level)++) {
		if (*level == MAX_CGROUP_LEVEL) {
			ret = -ELOOP;
			break;
		}
		up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ret = up < 0 ? -errno : 0;
		close(fd);
		fd = up;
		if (!ret && !is_cgroup2(fd))
			ret = -ENOENT; /* left the hierarchy without meeting its root */
		if (ret)
			break;
		ret = cgroup_id_of(fd, &up_id);
	}
	if (fd >= 0)
		close(fd);
	if (ret)
		return elog_rt_errf(err, -ret, "cgroup '%s': cannot tell its id and level: %s",
				    value, strerror(-ret));
	if (*id > TCP_ELOG_CGROUP_ID_MASK)
		return elog_rt_errf(err, ERANGE, "cgroup '%s': id %" PRIu64 " is too large", value,
				    (uint64_t)*id);
	return 0;
}

/*
 * "" -> 0; a path on the cgroup2 mount, or a path under its root as
 * /proc/PID/cgroup shows it, or an id -> level << 56 | id.
 */
static int cgroup_resolve(const char *value, __s64 *knob, struct elog_error *err)
{
	unsigned long long num;
	const char *rel = value;
	unsigned level;
	int root, fd = -1, saw_other = 0;
	__u64 id;
	int ret;

	*knob = 0;
	if (!*value)
		return 0;
	if (!parse_uint(value, strlen(value), ULLONG_MAX, &num)) {
		union {
			struct file_handle fh;
			char buf[sizeof(struct file_handle) + sizeof(__u64)];
		} h;

		if (!num)
			return elog_rt_errf(err, EINVAL, "invalid cgroup '%s' (" CGROUP_HINT ")", value);
		root = elog_rt_cgroup_root_fd(err);
		if (root < 0)
			return root;
		h.fh.handle_bytes = sizeof(__u64);
		h.fh.handle_type = FILEID_KERNFS;
		id = num;
		memcpy(h.fh.f_handle, &id, sizeof(id));
		fd = open_by_handle_at(root, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ret = errno;
		close(root);
		if (fd < 0)
			return elog_rt_errf(err, ret == ESTALE ? ENOENT : ret,
					    "no cgroup has id %llu%s%s", num, ret == ESTALE ? "" : ": ",
					    ret == ESTALE ? "" : strerror(ret));
	} else if (value[0] == '/') {
		fd = open(value, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && !is_cgroup2(fd)) {
			close(fd);
			fd = -1;
			saw_other = 1;
		}
		if (fd < 0) {
			/* As /proc/PID/cgroup names it: below the cgroup2 root. */
			root = elog_rt_cgroup_root_fd(err);
			if (root < 0)
				return root;
			while (*rel == '/')
				rel++;
			fd = openat(root, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			close(root);
		}
		if (fd < 0)
			return saw_other ? elog_rt_errf(err, EINVAL, "'%s' is not a cgroup2 directory "
							"(" CGROUP_HINT ")", value)
					 : elog_rt_errf(err, ENOENT, "no such cgroup: %s", value);
	} else {
		return elog_rt_errf(err, EINVAL, "invalid cgroup '%s' (" CGROUP_HINT ")", value);
	}
	ret = cgroup_id_level(fd, value, &id, &level, err);
	if (ret)
		return ret;
	*knob = (__s64)((__u64)level << 56 | id);
	return 0;
}

static int cgroup_check(const struct elog_provider_control *c, const char *value,
			struct elog_error *err)
{
	__s64 k;

	(void)c;
	return cgroup_resolve(value, &k, err);
}

static int cgroup_set(struct elog_rt *rt, const struct elog_provider_control *c,
		      const char *value, struct elog_error *err)
{
	__s64 k;
	int ret = cgroup_resolve(value, &k, err);

	return ret ? ret : elog_rt_knob_set(rt, c->knob, k, err);
}

static int cgroup_get(struct elog_rt *rt, const struct elog_provider_control *c, char *buf,
		      size_t size, struct elog_error *err)
{
	__s64 k = 0;
	int ret = rt ? elog_rt_knob_get(rt, c->knob, &k, err) : 0;

	if (ret)
		return ret;
	if (k)
		snprintf(buf, size, "%" PRIu64, (uint64_t)((__u64)k & TCP_ELOG_CGROUP_ID_MASK));
	return 0;
}

const struct elog_control_text_ops tcp_filter_cgroup_ops = {
	.check = cgroup_check,
	.set = cgroup_set,
	.get = cgroup_get,
};

/* ---- network namespace ---- */

/* "" -> 0; an inode (N or net:[N]) as given; a name or path -> its inode. */
static int netns_resolve(const char *value, __s64 *knob, struct elog_error *err)
{
	unsigned long long num;
	char path[PATH_MAX];
	size_t len = strlen(value);
	struct stat st;
	int fd, type;

	*knob = 0;
	if (!*value)
		return 0;
	if (!parse_uint(value, len, UINT32_MAX, &num) ||
	    (len > 6 && !strncmp(value, "net:[", 5) && value[len - 1] == ']' &&
	     !parse_uint(value + 5, len - 6, UINT32_MAX, &num))) {
		if (!num)
			return elog_rt_errf(err, EINVAL, "invalid network namespace '%s' (" NETNS_HINT
					    ")", value);
		*knob = (__s64)num;
		return 0;
	}
	if (strchr(value, '/'))
		snprintf(path, sizeof(path), "%s", value);
	else if (snprintf(path, sizeof(path), "/run/netns/%s", value) >= (int)sizeof(path))
		return elog_rt_errf(err, ENAMETOOLONG, "network namespace name too long");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return elog_rt_errf(err, ENOENT, "no such network namespace: %s", path);
	if (fd < 0)
		return elog_rt_errf(err, errno, "network namespace %s: %s", path, strerror(errno));
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET || fstat(fd, &st)) {
		close(fd);
		return elog_rt_errf(err, EINVAL, "'%s' is not a network namespace (" NETNS_HINT ")",
				    path);
	}
	close(fd);
	*knob = (__s64)st.st_ino;
	return 0;
}

static int netns_check(const struct elog_provider_control *c, const char *value,
		       struct elog_error *err)
{
	__s64 k;

	(void)c;
	return netns_resolve(value, &k, err);
}

static int netns_set(struct elog_rt *rt, const struct elog_provider_control *c, const char *value,
		     struct elog_error *err)
{
	__s64 k;
	int ret = netns_resolve(value, &k, err);

	return ret ? ret : elog_rt_knob_set(rt, c->knob, k, err);
}

static int netns_get(struct elog_rt *rt, const struct elog_provider_control *c, char *buf,
		     size_t size, struct elog_error *err)
{
	__s64 k = 0;
	int ret = rt ? elog_rt_knob_get(rt, c->knob, &k, err) : 0;

	if (!ret && k)
		snprintf(buf, size, "%" PRIu64, (uint64_t)k);
	return ret;
}

const struct elog_control_text_ops tcp_filter_netns_ops = {
	.check = netns_check,
	.set = netns_set,
	.get = netns_get,
};
