// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/placebo: attaches the programs of bench/placebo.bpf.c (the control
 * of bench/bulk.sh's mode "placebo") to a cgroup through BPF links that
 * only this process holds, prints "attached" and waits. The programs go as
 * soon as it exits: on SIGTERM or SIGINT, and, through PR_SET_PDEATHSIG, when
 * the script that started it dies, even by SIGKILL. (bpftool's cgroup
 * attach would leave them attached to the root cgroup after such a death,
 * spinning on every packet of the machine until somebody detached them.)
 *
 *   placebo OBJ CGROUP_DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#define MAX_LINKS 8

int main(int argc, char **argv)
{
	struct bpf_link *links[MAX_LINKS];
	struct bpf_program *prog;
	struct bpf_object *obj;
	int cg, n = 0, sig, err, i;
	pid_t parent = getppid();
	sigset_t set;

	if (argc != 3) {
		fprintf(stderr, "usage: placebo OBJ CGROUP_DIR\n");
		return 1;
	}
	/* Signals taken by sigwait only; the parent's death sends SIGTERM. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent) {
		fprintf(stderr, "placebo: parent gone or PR_SET_PDEATHSIG failed\n");
		return 1;
	}
	cg = open(argv[2], O_RDONLY | O_DIRECTORY);
	if (cg < 0) {
		fprintf(stderr, "placebo: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "placebo: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "placebo: cannot load %s: %s\n", argv[1], strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (n == MAX_LINKS) {
			fprintf(stderr, "placebo: more than %d programs in %s\n", MAX_LINKS, argv[1]);
			err = 1;
			break;
		}
		links[n] = bpf_program__attach_cgroup(prog, cg);
		if (!links[n]) {
			fprintf(stderr, "placebo: cannot attach %s to %s: %s\n", bpf_program__name(prog),
				argv[2], strerror(errno));
			err = 1;
			break;
		}
		n++;
	}
	if (!err) {
		printf("attached %d programs\n", n);
		fflush(stdout);
		sigwait(&set, &sig);
	}
	for (i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	close(cg);
	return err ? 1 : 0;
}
