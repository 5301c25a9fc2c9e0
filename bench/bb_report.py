#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""bench/bb_report.py RESULTS.tsv [--markdown]: the table of bench/blackbox.sh.

One table for the black box's four questions, each figure with its target:
  1 bulk transfer: throughput and busy CPU per GB of CONTINUAL capture (at
    VERBOSE, and at TRACE: every event, as TAIL keeps them) and TAIL against
    base (part bb, ratios of medians, [min-max] of the
    per-round ratios), and the CPU each adds by attribution (part bbattrib:
    BPF run time less what bpf_stats add per run, minus base's, plus the
    tool's own CPU, per GB, over base's busy CPU per GB; the same
    arithmetic as bench/report.py's part 1-2b, on the run's own programs
    when bench/bulk.sh recorded them apart). Target: TAIL adds at most
    half of what CONTINUAL adds.
  2 auto_ratio 100 with TAIL: adds at most 1 % of base's CPU per GB.
  3 concurrent connections in TAIL (part bbconns): slots held against
    global_limit, refused and trimmed, and the buffer maps' memory by the
    kernel's accounting (bytes_memlock, less the empty maps').
  4 dump latency (part bblat): from the trigger to the dump made (the
    BLACKBOX_DUMP record's time) and to its line in the recorder's index.
When target 1 is not met, a second table breaks the BPF time down by
program (part bbprog), CONTINUAL beside TAIL.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import Table, fmt, load, med, num, ratio, rstr, series  # noqa: E402

SLOT_BYTES = 128  # one buffered event (docs/linux-mapping.md, "Black box")
MODES = (("base", "base"), ("capture", "CONTINUAL (capture, VERBOSE)"),
         ("trace", "CONTINUAL at TRACE"), ("tail", "TAIL"), ("ratio100", "TAIL, auto_ratio 100"))


def per_gb(d, part, mode, key):
    """{run: key / GB moved} of one mode."""
    v = series(d, part, mode, key)
    b = series(d, part, mode, "bytes")
    return {k: v[k] / (b[k] / 1e9) for k in v if b.get(k)}


def base_busy(d):
    """Base's busy CPU-s per GB: the series without bpf_stats if it ran."""
    return med(series(d, "bb", "base", "cpu_s_per_gb").values()) or \
        med(series(d, "bbattrib", "base", "cpu_s_per_gb").values())


def attrib(d):
    """{mode: (added CPU-s/GB, added / base busy CPU per GB)}."""
    part = "bbattrib"
    floor = num(d.get((part, "nop"), {}).get("-", {}).get("stats_floor_ns")) or 0.0

    def bpf(m):
        # Our own programs' time when recorded (bench/bulk.sh: the
        # machine's other tenants' programs left out), else every program's.
        b = series(d, part, m, "bpf_own_s") or series(d, part, m, "bpf_s")
        n = series(d, part, m, "bpf_own_runs") or series(d, part, m, "bpf_runs")
        by = series(d, part, m, "bytes")
        return [(b[k] - n.get(k, 0) * floor / 1e9) / (by[k] / 1e9) for k in b if by.get(k)]

    busy = base_busy(d)
    base = med(bpf("base")) or 0.0
    out = {}
    for m, _ in MODES:
        if not bpf(m):
            continue
        added = med(bpf(m)) - base + (med(per_gb(d, part, m, "tool_cpu_s").values()) or 0.0)
        out[m] = (added, added / busy if busy else None)
    return out


def pct(x):
    return "n/a" if x is None else "%+.1f %%" % (100 * x)


def one(d, part, key):
    v = series(d, part, "tail", key)
    return v.get("1")


def latency(d, trig):
    """(n, median, max) in ms of the dumps' times to disk and to made."""
    disk = list(series(d, "bblat", "tail", trig + "_disk_ms").values())
    made = list(series(d, "bblat", "tail", trig + "_made_ms").values())
    if not disk:
        return None
    return len(disk), med(disk), max(disk), med(made), max(made)


def conns(d):
    """The connections' figures, or None when part bbconns did not run."""
    g = one(d, "bbconns", "global_limit")
    if g is None:
        return None
    r = {k: one(d, "bbconns", k) for k in (
        "conns", "sessions", "refused", "trimmed", "records", "records_after_close",
        "session_limit", "elog_bb_buf_memlock", "elog_bb_buf_memlock_empty",
        "elog_bb_meta_memlock", "elog_bb_meta_memlock_empty")}
    r["global_limit"] = g
    r["buf_bytes"] = r["elog_bb_buf_memlock"] - r["elog_bb_buf_memlock_empty"]
    r["meta_bytes"] = r["elog_bb_meta_memlock"] - r["elog_bb_meta_memlock_empty"]
    chunks = r["records"] / 16
    r["bytes_per_chunk"] = r["buf_bytes"] / chunks if chunks else None
    r["bytes_per_session"] = r["meta_bytes"] / r["sessions"] if r["sessions"] else None
    r["limit_bytes"] = g * SLOT_BYTES
    return r


def mib(b):
    return "%.1f MiB" % (b / 1048576)


def verdict(ok):
    return "n/a" if ok is None else ("MET" if ok else "NOT MET")


def table(d, t):
    """Prints the table; returns {question: True/False/None}."""
    res = {}
    t.head("Black box (bench/blackbox.sh): the four questions",
           ["question", "measure", "value", "target", "verdict"])
    n = len(series(d, "bb", "base", "gbps"))
    for m, name in MODES:
        g = series(d, "bb", m, "gbps")
        if not g:
            continue
        c = med(series(d, "bb", m, "cpu_s_per_gb").values())
        if m == "base":
            t.row("1 bulk", "%s: Gbit/s, busy CPU-s/GB (%d runs)" % (name, n),
                  "%.2f, %.3f" % (med(g.values()), c), "-", "-")
        else:
            t.row("1 bulk", "%s: throughput ratio; busy CPU/GB ratio" % name,
                  "%s; %s" % (rstr(ratio(d, "bb", m, "gbps")), rstr(ratio(d, "bb", m, "cpu_s_per_gb"))),
                  "-", "-")
    a = attrib(d)
    for m, name in MODES[1:]:
        if m in a:
            t.row("1 bulk", "%s: CPU added by attribution, CPU-s/GB (of base busy)" % name,
                  "%.4f (%s)" % (a[m][0], pct(a[m][1])), "-", "-")
    ev = {m: med(per_gb(d, "bb", m, "events").values()) for m in ("capture", "trace")}
    if ev["capture"] and ev["trace"]:
        t.row("1 bulk", "events per GB written: CONTINUAL (VERBOSE); at TRACE (TAIL keeps every event)",
              "%.0f; %.0f" % (ev["capture"], ev["trace"]), "-", "-")
    if "trace" in a and "tail" in a and a["trace"][0] > 0:
        t.row("1 bulk", "TAIL's added CPU / CONTINUAL at TRACE's (the same events)",
              "%.2f" % (a["tail"][0] / a["trace"][0]), "-", "-")
    q1 = None
    if "capture" in a and "tail" in a and a["capture"][0] > 0:
        r = a["tail"][0] / a["capture"][0]
        q1 = r <= 0.5
        t.row("1 bulk", "TAIL's added CPU / CONTINUAL's (VERBOSE)", "%.2f" % r, "<= 0.50", verdict(q1))
    res[1] = q1
    q2 = None
    if "ratio100" in a and a["ratio100"][1] is not None:
        q2 = a["ratio100"][1] <= 0.01
        t.row("2 auto_ratio 100", "TAIL, auto_ratio 100: CPU added / base busy CPU per GB",
              pct(a["ratio100"][1]), "<= +1.0 %", verdict(q2))
    res[2] = q2
    c = conns(d)
    q3 = None
    if c:
        q3 = c["records"] <= c["global_limit"]
        t.row("3 connections", "connections open at once (one session each), session_limit",
              "%d, %d" % (c["conns"], c["session_limit"]), "-", "-")
        t.row("3 connections", "sessions given a buffer; refused; trimmed (global_limit)",
              "%d; %d; %d" % (c["sessions"], c["refused"], c["trimmed"]), "counted", "-")
        t.row("3 connections", "slots held / global_limit",
              "%d / %d (%.1f %%)" % (c["records"], c["global_limit"], 100 * c["records"] / c["global_limit"]),
              "<= global_limit", verdict(q3))
        t.row("3 connections", "memory held, bytes_memlock over the empty maps: buffers + sessions",
              "%s + %s (%s per 16-slot chunk, %s per session)" % (
                  mib(c["buf_bytes"]), mib(c["meta_bytes"]), fmt(c["bytes_per_chunk"], ".0f"),
                  fmt(c["bytes_per_session"], ".0f")),
              "global_limit x 128 B = %s" % mib(c["limit_bytes"]), "-")
        t.row("3 connections", "slots held 3 s after every connection closed",
              "%d" % c["records_after_close"], "0", verdict(c["records_after_close"] == 0))
    res[3] = q3
    for trig, name in (("request", "TCP_EVENTLOG_DUMP"), ("demand", "elog --dump --session")):
        lat = latency(d, trig)
        if lat:
            t.row("4 dump latency", "%s, %d dumps: ms to the dump made, median / max" % (name, lat[0]),
                  "%.1f / %.1f" % (lat[3], lat[4]), "none set", "-")
            t.row("4 dump latency", "%s: ms to its index line and file, median / max" % name,
                  "%.1f / %.1f" % (lat[1], lat[2]), "none set", "-")
    t.flush()
    if q1 is False:
        breakdown(d, t)
    return res


def progs(d, mode):
    """{program: (ns per run, BPF s per GB)}, medians over the runs."""
    by = series(d, "bbattrib", mode, "bytes")
    names = {k[:-3] for run in d.get(("bbprog", mode), {}).values() for k in run if k.endswith("_ns")}
    out = {}
    for p in names:
        ns = series(d, "bbprog", mode, p + "_ns")
        runs = series(d, "bbprog", mode, p + "_runs")
        per_run = [ns[k] / runs[k] for k in ns if runs.get(k)]
        s_gb = [ns[k] / 1e9 / (by[k] / 1e9) for k in ns if by.get(k)]
        out[p] = (med(per_run), med(s_gb) if s_gb else None)
    return out


def breakdown(d, t):
    ms = [m for m in ("capture", "trace", "tail") if progs(d, m)]
    if not ms:
        return
    pr = {m: progs(d, m) for m in ms}
    names = {"capture": "CONTINUAL", "trace": "TRACE", "tail": "TAIL"}
    cols = ["program"]
    for m in ms:
        cols += [names[m] + " ns/run", names[m] + " BPF s/GB"]
    t.head("Black box, target 1 not met: BPF time per program (bpf_stats, as recorded, "
           "each run including bpf_stats' own ns), medians", cols)
    last = pr[ms[-1]]
    for p in sorted(set().union(*pr.values()), key=lambda p: -((last.get(p) or (0, 0))[1] or 0)):
        cells = [p]
        for m in ms:
            v = pr[m].get(p, (None, None))
            cells += [fmt(v[0], ".0f"), fmt(v[1], ".4f")]
        t.row(*cells)
    t.flush()


def main(argv):
    if len(argv) < 2 or len(argv) > 3 or (len(argv) == 3 and argv[2] != "--markdown"):
        sys.exit("usage: bb_report.py RESULTS.tsv [--markdown]")
    table(load(argv[1]), Table(len(argv) == 3))


if __name__ == "__main__":
    main(sys.argv)
