# SPDX-License-Identifier: BSD-2-Clause
"""Runs of the provider's programs the kernel skips (recursion_misses: the
program was already running on that CPU) lose events the rings never see:
elogctl's skipped_runs adds them up over every program the provider has
pinned, each once, as bpftool reports them."""
import glob
import json
import os

from lib.proc import need, run

PIN = "/sys/fs/bpf/eventlog/tcp"


def bpftool_misses():
    """recursion_misses summed over the programs behind the provider's pins."""
    ids = set()
    for path in glob.glob(PIN + "/link_*") + glob.glob(PIN + "/hot_*"):
        ids.add(json.loads(run(["bpftool", "-j", "link", "show", "pinned", path]).stdout)["prog_id"])
    for path in glob.glob(PIN + "/prog_*"):
        ids.add(json.loads(run(["bpftool", "-j", "prog", "show", "pinned", path]).stdout)["id"])
    total = 0
    for i in ids:
        info = json.loads(run(["bpftool", "-j", "prog", "show", "id", str(i)]).stdout)
        total += info.get("recursion_misses", 0)
    return len(ids), total


def test_skipped_runs_sum_every_program_once(tcp_env):
    env = tcp_env
    need(os.access("/usr/sbin/bpftool", os.X_OK), "bpftool is needed to cross-check")
    env.ctl.set("kern.eventlog.tcp.default", 1)
    cap = env.capture("skip.elog", "TRACE")
    env.traffic.workload("exchange", 4)
    nprogs, want = bpftool_misses()
    got = env.ctl.get("kern.eventlog.tcp.skipped_runs")
    cap.stop()
    assert nprogs >= 10, "the per-packet programs are pinned while the capture runs"
    assert got == want
