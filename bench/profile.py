#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""bench/profile.py PERF_DATA: where the CPU samples of one bench run went.

Reads `perf script` of a machine-wide cpu-clock profile (bench/bulk.sh -P)
and prints one line, "busy elog_tool elog_bpf tcpdump_tool tcpdump_kernel":
sample counts of the busy CPU time and of each capture tool's share of it.

  elog_bpf        a stack through an eventlog BPF program (bpf_prog_*_tcp_elog_*,
                  *_elog_*) or the kernel's dispatch into one (cgroup skb/sock_ops
                  runners, bpf_trace_run*): the capture's kernel half
  tcpdump_kernel  a stack through AF_PACKET's receive (packet_rcv,
                  tpacket_rcv; its filter runs inside) or the tap that feeds it
                  (dev_queue_xmit_nit): tcpdump's copy of each packet, made in
                  the softirq of whoever sent it
  *_tool          every sample of the tool's own process (user and kernel:
                  its reads, its writes to the file)
  busy            every sample that is not the idle loop

cpu-clock samples come from a timer interrupt, so code that runs with
interrupts off is seen only where they are turned back on: the timer hooks
(they run under the timer base lock) land in mod_timer's caller, not in
elog_bpf. The capture's sampled share is therefore a lower bound; tcpdump's
path runs with interrupts on.
"""
import subprocess
import sys

DISPATCH = ("__cgroup_bpf_run_filter", "bpf_trace_run", "__bpf_trace_", "__bpf_prog_run_save_cb")
AFPACKET = ("packet_rcv", "tpacket_rcv", "dev_queue_xmit_nit")


def classify(comm, syms):
    if not syms or "do_idle" in syms or syms[0] in ("pv_native_safe_halt", "default_idle"):
        return "idle"
    if comm == "elog":
        return "elog_tool"
    if comm == "tcpdump":
        return "tcpdump_tool"
    for s in syms:
        if s.startswith(AFPACKET):
            return "tcpdump_kernel"
    for s in syms:
        if (s.startswith("bpf_prog_") and "elog" in s) or s.startswith(DISPATCH):
            return "elog_bpf"
    return "other"


def main():
    out = subprocess.run(["perf", "script", "-i", sys.argv[1], "-F", "comm,ip,sym"],
                         capture_output=True, text=True, check=True).stdout
    n = {k: 0 for k in ("idle", "other", "elog_tool", "elog_bpf", "tcpdump_tool", "tcpdump_kernel")}
    for block in out.split("\n\n"):
        lines = [l.strip() for l in block.strip().split("\n") if l.strip()]
        if not lines:
            continue
        comm = lines[0].split()[0]
        syms = [l.split(None, 1)[1] if len(l.split(None, 1)) > 1 else "?" for l in lines[1:]]
        n[classify(comm, syms)] += 1
    busy = sum(v for k, v in n.items() if k != "idle")
    print(busy, n["elog_tool"], n["elog_bpf"], n["tcpdump_tool"], n["tcpdump_kernel"])


if __name__ == "__main__":
    main()
