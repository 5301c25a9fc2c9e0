// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/ringcost: what one 64-byte ring write (bpf_ringbuf_output, as the
 * capture's records are written) costs, and how much of that depends on
 * where the ring's reader runs. BPF_PROG_TEST_RUN runs ring_out (one record
 * per run) and ring_none (the same record built, not written) of
 * bench/ringcost.bpf.c, in batches of 1/8 of the ring, on CPU 0:
 *   same   the ring is read between batches on CPU 0 itself: the producer
 *          writes lines that only its own CPU has touched
 *   other  a reader thread on CPU 1 reads each record as soon as it is
 *          committed: producer and reader share the lines being written
 *   batched a reader thread on CPU 1 reads once 1/8 of the ring is pending,
 *          as elog does (woken every 1/8 of a ring): the lines the producer
 *          writes were last read on the other CPU a lap of the ring before
 * Prints "out_ns N none_ns N records N": average ns per run of each program
 * (BPF_PROG_TEST_RUN's duration), over the same number of runs, medians of
 * the batches. The difference is the ring write's cost. PROG (default
 * ring_out) names the writing program: ring_rsv writes the record by
 * reserve and submit instead.
 *
 *   ringcost OBJ RING_BYTES same|other|batched [PROG]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#define REC 64
#define TOTAL_RECORDS 2000000

struct ring {
	uint64_t *cons;
	const uint64_t *prod;
	const uint8_t *data;
	uint64_t mask;
};

static atomic_int stop_reader;
static volatile uint64_t sink; /* what the reads add up to: kept */

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "ringcost: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		exit(1);
	}
}

/* Reads every committed record (all its bytes, as elog copies them) and
 * gives the space back. Returns the records read. */
static uint64_t drain(struct ring *r)
{
	uint64_t cons = __atomic_load_n(r->cons, __ATOMIC_RELAXED), n = 0, sum = 0;
	uint64_t prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);

	while (cons < prod) {
		const uint32_t *hdr = (const uint32_t *)(r->data + (cons & r->mask));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		const uint64_t *p = (const uint64_t *)(hdr + 2);
		uint32_t i;

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		len &= ~BPF_RINGBUF_DISCARD_BIT;
		for (i = 0; i < len / 8; i++)
			sum += p[i];
		cons += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7u;
		n++;
	}
	__atomic_store_n(r->cons, cons, __ATOMIC_RELEASE);
	sink += sum;
	return n;
}

static uint64_t reader_min; /* bytes pending before the reader drains */

static void *reader(void *arg)
{
	struct ring *r = arg;

	pin(1);
	while (!atomic_load(&stop_reader)) {
		if (__atomic_load_n(r->prod, __ATOMIC_ACQUIRE) - __atomic_load_n(r->cons, __ATOMIC_RELAXED) >=
		    reader_min)
			drain(r);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One batch of `repeat` runs of prog; its average ns per run. writes:
 * prog is the writing program, whose 1 says a write failed. */
static uint64_t run(int prog, uint32_t repeat, int writes)
{
	static uint8_t pkt[64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = (int)repeat);

	if (bpf_prog_test_run_opts(prog, &o)) {
		fprintf(stderr, "ringcost: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		exit(1);
	}
	if (writes && o.retval != 0) {
		/* The writing program returns 1 when the ring was full:
		 * the reader did not keep up, and the batch measured a
		 * failed reserve. */
		fprintf(stderr, "ringcost: a ring write failed (ring full)\n");
		exit(1);
	}
	return o.duration;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_map *map;
	struct ring r;
	pthread_t th;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t ring_bytes, *out_ns, *none_ns;
	uint32_t batch, nbatch, i;
	int out_fd, none_fd, threaded;
	const char *prog;
	void *p;

	if ((argc != 4 && argc != 5) || (strcmp(argv[3], "same") && strcmp(argv[3], "other") &&
					  strcmp(argv[3], "batched"))) {
		fprintf(stderr, "usage: ringcost OBJ RING_BYTES same|other|batched [PROG]\n");
		return 1;
	}
	prog = argc == 5 ? argv[4] : "ring_out";
	threaded = strcmp(argv[3], "same") != 0; /* a reader thread on CPU 1 */
	ring_bytes = strtoull(argv[2], NULL, 0);
	if (ring_bytes < 65536 || (ring_bytes & (ring_bytes - 1))) {
		fprintf(stderr, "ringcost: RING_BYTES must be a power of two >= 65536\n");
		return 1;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "ringcost: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	map = bpf_object__find_map_by_name(obj, "rc_ring");
	if (!map || bpf_map__set_max_entries(map, (uint32_t)ring_bytes) || bpf_object__load(obj)) {
		fprintf(stderr, "ringcost: load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (!bpf_object__find_program_by_name(obj, prog) ||
	    !bpf_object__find_program_by_name(obj, "ring_none")) {
		fprintf(stderr, "ringcost: %s has no %s or ring_none\n", argv[1], prog);
		return 1;
	}
	out_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, prog));
	none_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "ring_none"));
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "ringcost: mmap: %s\n", strerror(errno));
		return 1;
	}
	r.cons = p;
	p = mmap(NULL, page + 2 * ring_bytes, PROT_READ, MAP_SHARED, bpf_map__fd(map), (off_t)page);
	if (p == MAP_FAILED) {
		fprintf(stderr, "ringcost: mmap: %s\n", strerror(errno));
		return 1;
	}
	r.prod = p;
	r.data = (const uint8_t *)p + page;
	r.mask = ring_bytes - 1;

	/* A record takes 64 + 8 bytes of ring. */
	batch = (uint32_t)(ring_bytes / 8 / (REC + BPF_RINGBUF_HDR_SZ));
	nbatch = TOTAL_RECORDS / batch + 1;
	out_ns = calloc(nbatch, sizeof(*out_ns));
	none_ns = calloc(nbatch, sizeof(*none_ns));
	if (!out_ns || !none_ns)
		return 1;
	reader_min = !strcmp(argv[3], "batched") ? ring_bytes / 8 : 1;
	pin(0);
	if (threaded && pthread_create(&th, NULL, reader, &r)) {
		fprintf(stderr, "ringcost: reader thread\n");
		return 1;
	}
	for (i = 0; i < nbatch; i++) {
		if (threaded) {
			/* Room for a batch: the reader on CPU 1 has read
			 * all but an eighth (batched: all but a quarter). */
			while (__atomic_load_n(r.prod, __ATOMIC_ACQUIRE) -
				       __atomic_load_n(r.cons, __ATOMIC_ACQUIRE) > ring_bytes / 4)
				sched_yield();
		}
		none_ns[i] = run(none_fd, batch, 0);
		out_ns[i] = run(out_fd, batch, 1);
		if (!threaded)
			drain(&r);
	}
	if (threaded) {
		atomic_store(&stop_reader, 1);
		pthread_join(th, NULL);
	}
	qsort(out_ns, nbatch, sizeof(*out_ns), cmp_u64);
	qsort(none_ns, nbatch, sizeof(*none_ns), cmp_u64);
	printf("out_ns %llu none_ns %llu records %llu\n", (unsigned long long)out_ns[nbatch / 2],
	       (unsigned long long)none_ns[nbatch / 2], (unsigned long long)nbatch * batch);
	bpf_object__close(obj);
	return 0;
}
