#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""bench/ab_report.py BENCH_OUT HOW MODE...: the table of bench/ab.sh.

Per build (mode cap-NAME of bench/bulk.sh, part "ab"), medians over the
rounds of:
  -S  each BPF program's ns per run and runs per MB (bulk.sh's per-run
      DIR/MODE.RUN.bpfown files, the run's own programs: "name runs ns"),
      BPF and capture-tool CPU-s per GB;
  -P  the sampled capture share (bench/profile.py's samples_elog_bpf and
      samples_elog_tool, at bulk.sh's 999 Hz) per GB and per event;
and, either way, machine-wide busy CPU-s per GB, events per GB and
throughput (mode base, when given: no provider). An event here is a record
matched: written or dropped (an ablation build drops every one).
"""
import collections
import statistics
import sys

HZ = 999  # bench/bulk.sh -P samples at 999 Hz


def read(out, modes):
    """{mode: {run: {key: value}}} of part "ab" for the given modes."""
    res = {m: collections.defaultdict(dict) for m in modes}
    for line in open(f"{out}/results.tsv"):
        part, mode, run, key, val = line.rstrip("\n").split("\t")
        if part == "ab" and mode in res:
            res[mode][run][key] = val
    return res


def summarise(out, how, modes):
    """(programs, {mode: {program: [ns per run]}}, {mode: {figure: [values]}})."""
    res = read(out, modes)
    per = {m: collections.defaultdict(list) for m in modes}
    rate = {m: collections.defaultdict(list) for m in modes}
    summ = {m: collections.defaultdict(list) for m in modes}
    for mode in modes:
        for run, r in sorted(res[mode].items()):
            gb = int(r["bytes"]) / 1e9
            ev = max(int(r["events"]) + int(r["dropped"]), 1)
            if how == "-S":
                summ[mode]["bpf CPU-s/GB"].append(float(r.get("bpf_own_s", r["bpf_s"])) / gb)
                summ[mode]["tool CPU-s/GB"].append(float(r.get("tool_cpu_s", 0)) / gb)
                for l in open(f"{out}/ab/{mode}.{run}.bpfown") if mode != "base" else ():
                    name, runs, ns = l.split()
                    per[mode][name].append(int(ns) / int(runs))
                    rate[mode][name].append(int(runs) / gb / 1000)
            else:
                b = int(r["samples_elog_bpf"]) / HZ
                t = int(r["samples_elog_tool"]) / HZ
                summ[mode]["sampled bpf CPU-s/GB"].append(b / gb)
                summ[mode]["sampled tool CPU-s/GB"].append(t / gb)
                summ[mode]["sampled bpf ns/event"].append(b / ev * 1e9)
                summ[mode]["sampled tool ns/event"].append(t / ev * 1e9)
            summ[mode]["busy CPU-s/GB"].append(float(r["cpu_s_per_gb"]))
            summ[mode]["events/GB"].append(ev / gb)
            summ[mode]["Gbit/s"].append(float(r["gbps"]))
    first = next((m for m in modes if per[m]), modes[0])  # base has none
    progs = sorted({p for m in modes for p in per[m]},
                   key=lambda p: -statistics.median(per[first][p]) if per[first].get(p) else 0)
    return progs, per, rate, summ


def med(v):
    return statistics.median(v) if v else float("nan")


def round_ratios(out, summ, modes):
    """{mode: {figure: [run r of mode / run r of modes[0]]}}; empty lists
    unless every build has the same runs (summarise lists them in run order)."""
    res = read(out, modes)
    same = all(sorted(res[m]) == sorted(res[modes[0]]) for m in modes)
    return {m: {k: [a / b for a, b in zip(summ[m][k], summ[modes[0]][k]) if b] if same else []
                for k in summ[modes[0]]} for m in modes}


def spread(v):
    return f"[{min(v):.4g}-{max(v):.4g}]" if v else ""


def main():
    out, how, modes = sys.argv[1], sys.argv[2], sys.argv[3:]
    progs, per, rate, summ = summarise(out, how, modes)
    print("medians over the rounds: " + " | ".join(modes))
    for p in progs:
        print(f"{p + ' ns/run':32s} " + " ".join(f"{med(per[m].get(p, [])):9.0f}" for m in modes))
    for p in progs:
        print(f"{p + ' runs/MB':32s} " + " ".join(f"{med(rate[m].get(p, [])):9.1f}" for m in modes))
    for k in summ[modes[0]]:
        print(f"{k:32s} " + " ".join(f"{med(summ[m][k]):9.4g}" for m in modes))
    # The rounds of one build spread widely on a shared machine: the range
    # of each, and each build's per-round ratio to the first build's run of
    # the same round (run r of every build is in round r, side by side).
    print("min-max over the rounds:")
    for k in summ[modes[0]]:
        print(f"{k:32s} " + " ".join(f"{spread(summ[m][k]):>21s}" for m in modes))
    print(f"per-round ratio to {modes[0]}, median [min-max]:")
    q = round_ratios(out, summ, modes)
    for k in summ[modes[0]]:
        cells = [f"{med(q[m][k]):.3f} {spread(q[m][k])}" if q[m][k] else "-" for m in modes]
        print(f"{k:32s} " + " ".join(f"{c:>21s}" for c in cells))


if __name__ == "__main__":
    main()
