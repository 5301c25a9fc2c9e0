#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tests/bench/check_quick_run.py RESULTS_DIR DOC_COPY: what a
`BENCH_QUICK=1 bench/run.sh` must have produced on any machine, fast or
slow: every part and mode measured, the counts that must agree exactly
(records in a file against its header, delivered + dropped against
emitted), the ablation builds doing what they say, a table with a verdict
for every target, and bench/doc.py able to write it into DOC_COPY (a copy
of docs/PERFORMANCE.md). No figure is compared with a limit: a smoke run
is 2 s rounds on whatever CI runs on.

Run by tests/bench/quick_run.sh (make test-bench-quick); exits 1 with the
first thing that does not hold."""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "..", "..", "bench")
sys.path.insert(0, BENCH)
import report  # noqa: E402  (bench/report.py: the results loader)

BULK = ["base", "loaded", "disabled", "capture", "coalesced", "zstd", "tcpdump", "bpftrace"]
RECORDING = ["capture", "coalesced", "zstd", "tcpdump", "bpftrace"]
ELOG_FILES = ["capture", "coalesced"]  # plain ELOG files: 40-byte header + 32-byte records at least
PRIMS = ["call", "clock_boot", "pid_tgid", "hash_lookup", "count_add", "ring_same", "ring_batched", "ring_other"]
PROFILE_SAMPLES = {"capture": "samples_elog_bpf", "tcpdump": "samples_tcpdump_kernel"}


class Fail(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Fail(what)


def runs(d, part, mode):
    r = {k: v for k, v in d.get((part, mode), {}).items() if k != "-"}
    need(r, f"{part}/{mode}: no run recorded")
    return r


def val(kv, key, where):
    v = report.num(kv.get(key))
    need(v is not None, f"{where}: no {key}")
    return v


def check_flow(d, part, modes, rounds):
    """Every round of every mode moved data and used CPU."""
    for m in modes:
        r = runs(d, part, m)
        need(len(r) == rounds, f"{part}/{m}: {len(r)} runs, expected {rounds}")
        for run, kv in r.items():
            w = f"{part}/{m} run {run}"
            for k in ("gbps", "cpu_s", "bytes", "segs", "ctxt"):
                need(val(kv, k, w) > 0, f"{w}: {k} is not positive")
            # Somebody else's eventlog hooks skew the figures, not the run's
            # shape: only that it was looked at is checked.
            need(kv.get("foreign") in ("none", "loaded", "capturing"),
                 f"{w}: foreign provider {kv.get('foreign')!r}")


def check_events(d, part, modes):
    for m in modes:
        for run, kv in runs(d, part, m).items():
            w = f"{part}/{m} run {run}"
            ev = val(kv, "events", w)
            if m in ("base", "loaded", "disabled", "placebo"):
                # disabled: subscribed, but the flow's sessions are off;
                # placebo: no provider at all.
                need(ev == 0, f"{w}: {ev:.0f} events where nothing is enabled")
            elif m in RECORDING:
                need(ev > 0, f"{w}: recorded no events")
            if m in ELOG_FILES:
                fb = val(kv, "file_bytes", w)
                need(fb >= 40 + 32 * ev, f"{w}: {fb:.0f} file bytes cannot hold {ev:.0f} records")


def check_attrib(d):
    check_flow(d, "attrib", BULK + ["placebo", "no-ring", "no-delivery"], 1)
    check_events(d, "attrib", BULK + ["placebo"])
    # The placebo's own programs ran (it is known work), and nothing of ours.
    kv = runs(d, "attrib", "placebo")["1"]
    need(val(kv, "bpf_runs", "attrib/placebo") > 0, "attrib/placebo: its programs did not run")
    need(val(kv, "bpf_s", "attrib/placebo") > 0, "attrib/placebo: no BPF run time counted")
    need(val(kv, "bpf_elog_s", "attrib/placebo") == 0, "attrib/placebo: eventlog programs ran")
    ns = report.num(d.get(("placebo", "setting"), {}).get("1", {}).get("ns"))
    need(ns is not None and ns > 0, "placebo: its spin per segment is not recorded")
    cap = runs(d, "attrib", "capture")["1"]
    need(val(cap, "bpf_runs", "attrib/capture") > 0, "attrib/capture: no BPF program run counted")
    for m in ("no-ring", "no-delivery"):
        kv = runs(d, "attrib", m)["1"]
        w = f"attrib/{m}"
        need(val(kv, "bpf_runs", w) > 0, f"{w}: no BPF program run counted")
        # Only records that do not go through the TCP emit path (a session's
        # own) may reach the file of an ablation build.
        need(val(kv, "events", w) < 0.01 * val(cap, "events", "attrib/capture"),
             f"{w}: {val(kv, 'events', w):.0f} records delivered by a build that delivers none")
    need(val(runs(d, "attrib", "no-ring")["1"], "dropped", "attrib/no-ring") > 0,
         "attrib/no-ring: its records must be counted as dropped")
    need(val(runs(d, "attrib", "no-delivery")["1"], "dropped", "attrib/no-delivery") == 0,
         "attrib/no-delivery: records dropped by a build that offers none")
    floor = report.num(d.get(("attrib", "nop"), {}).get("-", {}).get("stats_floor_ns"))
    need(floor is not None and floor > 0, "attrib: bpf_stats' own cost per run (nop) not measured")


def check_profile(d):
    for m in ("base", "capture", "tcpdump"):
        kv = runs(d, "profile", m)["1"]
        need(val(kv, "samples_busy", f"profile/{m}") > 0, f"profile/{m}: no busy samples")
    for m, k in PROFILE_SAMPLES.items():
        kv = runs(d, "profile", m)["1"]
        need(val(kv, k, f"profile/{m}") > 0, f"profile/{m}: no sample in its own code ({k})")


def check_prims(d):
    for p in PRIMS:
        kv = runs(d, "prims", p)["1"]
        need(val(kv, "ns", f"prims/{p}") > 0, f"prims/{p}: not measured")


def check_event_rate(d):
    for part in ("sustained", "overload"):
        for run, kv in runs(d, "events", part).items():
            w = f"events/{part} run {run}"
            em, de, dr, wa = (val(kv, k, w) for k in ("emitted", "delivered", "dropped", "walked"))
            need(em > 0, f"{w}: nothing emitted")
            need(de + dr == em, f"{w}: delivered {de:.0f} + dropped {dr:.0f} != emitted {em:.0f}")
            need(wa == de, f"{w}: {wa:.0f} records in the file, its header says {de:.0f}")


def check_read(d):
    f = d.get(("read", "file"), {}).get("-", {})
    ev = report.num(f.get("events"))
    need(ev, "read: the decoded capture's event count is missing")
    caps = {val(kv, "events", "bulk/capture") for kv in runs(d, "bulk", "capture").values()}
    need(ev in caps, f"read: the file's header says {ev:.0f} events, elog said {sorted(caps)}")
    # read mix: one "run" per event id, its count of records in the file.
    mix = sum(report.num(kv.get("count")) or 0 for kv in d.get(("read", "mix"), {}).values())
    need(mix == ev, f"read: the event mix counts {mix:.0f} records, the header {ev:.0f}")
    for m, k in (("decode", "seconds"), ("walk", "seconds"), ("export", "bytes"), ("tshark", "seconds")):
        r = runs(d, "read", m)
        need(all((report.num(kv.get(k)) or 0) > 0 for kv in r.values()), f"read/{m}: {k} missing")


def check_table(res):
    t = open(os.path.join(res, "table.md")).read()
    need("#### Targets" in t, "table.md: no Targets section")
    need("#### 1-2d (control)" in t, "table.md: no placebo control table")
    rows = [line.split("|") for line in t.splitlines() if re.match(r"\| [1-5] ", line)]
    for n in "12345":
        need(any(r[1].strip().startswith(n) for r in rows), f"table.md: no row for target {n}")
    for r in rows:
        need(r[-2].strip(), f"table.md: no verdict for {r[1].strip()!r}")


def check_doc(res, doc):
    env = dict(os.environ, BENCH_DOC=doc, BENCH_DOC_NOTE="bench smoke run (tests/bench/quick_run.sh)")
    p = subprocess.run([sys.executable, os.path.join(BENCH, "doc.py"), res], env=env,
                       capture_output=True, text=True)
    need(p.returncode == 0, f"bench/doc.py failed: {p.stderr.strip()[-2000:]}")
    s = open(doc).read()
    start = dict(line.split(": ", 1) for line in open(os.path.join(res, "conditions.txt"))
                 if ": " in line)["date_utc_start"].strip()
    need(f"Measured {start}" in s, "bench/doc.py: the document does not carry this run's date")
    need("bench smoke run" in s, "bench/doc.py: the document does not carry BENCH_DOC_NOTE")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_quick_run.py RESULTS_DIR DOC_COPY")
    res, doc = sys.argv[1], sys.argv[2]
    d = report.load(os.path.join(res, "results.tsv"))
    try:
        check_flow(d, "bulk", BULK, 2)
        check_events(d, "bulk", BULK)
        check_attrib(d)
        check_flow(d, "precise", ["base", "capture", "tcpdump", "placebo"], 3)
        check_events(d, "precise", ["base", "capture", "tcpdump", "placebo"])
        check_profile(d)
        check_prims(d)
        check_event_rate(d)
        check_read(d)
        check_table(res)
        check_doc(res, doc)
    except Fail as e:
        print(f"bench smoke run: {e} (results in {res})", file=sys.stderr)
        return 1
    print("bench smoke run: every part measured, counts consistent, table and document written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
