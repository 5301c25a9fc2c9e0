# SPDX-License-Identifier: BSD-2-Clause
"""bench/bb_report.py (the table of bench/blackbox.sh) on made-up results:
the CPU added by attribution (stats floor subtracted per run, base's BPF time
subtracted, the tool's CPU added, over base's busy CPU per GB), the two
cost verdicts on both sides of their targets, the memory held per chunk and
per session, the latency medians, and the per-program breakdown printed
only when target 1 is not met (no benchmark runs here, no timing)."""
import importlib.util
import io
import os
import sys

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench")
sys.path.insert(0, BENCH)
spec = importlib.util.spec_from_file_location("bb_report", os.path.join(BENCH, "bb_report.py"))
bb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bb)


def results(tmp_path, lines):
    p = tmp_path / "results.tsv"
    p.write_text("".join("\t".join(str(x) for x in ln) + "\n" for ln in lines))
    return bb.load(str(p))


def bulk(tail_bpf, ratio_bpf, tail_tool=0.01):
    """Two rounds of 2 GB each; base's busy CPU 0.5 s/GB (part bb); a stats
    floor of 50 ns over 1e6 runs (0.05 s) in every attributed run."""
    ln = [("bbattrib", "nop", "-", "stats_floor_ns", 50)]
    for r in (1, 2):
        for m, cpu, g in (("base", 1.0, 30), ("capture", 1.2, 27), ("trace", 1.3, 26), ("tail", 1.1, 28),
                          ("ratio100", 1.0, 30)):
            ln += [("bb", m, r, "bytes", 2e9), ("bb", m, r, "cpu_s_per_gb", cpu / 2),
                   ("bb", m, r, "gbps", g)]
        ln += [("bb", "capture", r, "events", 3e6), ("bb", "trace", r, "events", 5e6)]
        for m, bpf, tool in (("base", 0.05, 0), ("capture", 0.05 + 0.2, 0.04), ("trace", 0.05 + 0.3, 0.06),
                             ("tail", 0.05 + tail_bpf, tail_tool), ("ratio100", 0.05 + ratio_bpf, 0.0)):
            ln += [("bbattrib", m, r, "bytes", 2e9), ("bbattrib", m, r, "bpf_s", bpf),
                   ("bbattrib", m, r, "bpf_runs", 1e6), ("bbattrib", m, r, "tool_cpu_s", tool)]
    return ln


def show(d):
    out = io.StringIO()
    old, sys.stdout = sys.stdout, out
    try:
        res = bb.table(d, bb.Table(False))
    finally:
        sys.stdout = old
    return res, out.getvalue()


def test_attribution_arithmetic(tmp_path):
    d = results(tmp_path, bulk(tail_bpf=0.06, ratio_bpf=0.002))
    a = bb.attrib(d)
    # capture: (0.25 - 0.05 floor) / 2 GB = 0.1, minus base's 0, plus 0.02 tool.
    assert abs(a["capture"][0] - 0.12) < 1e-12
    assert abs(a["capture"][1] - 0.24) < 1e-12
    assert abs(a["tail"][0] - (0.03 + 0.005)) < 1e-12
    assert abs(a["ratio100"][1] - 0.002) < 1e-12
    assert a["base"] == (0.0, 0.0)


def test_attribution_prefers_the_runs_own_programs(tmp_path):
    # Another tenant's programs ran during the capture runs: every
    # program's time is 1 s more there, our own programs' is as before.
    ln = []
    for x in bulk(tail_bpf=0.06, ratio_bpf=0.002):
        ln.append(x)
        if x[0] == "bbattrib" and x[3] in ("bpf_s", "bpf_runs"):
            ln.append((x[0], x[1], x[2], x[3].replace("bpf_", "bpf_own_"), x[4]))
            ln[-2] = x[:4] + (x[4] + 1 if x[3] == "bpf_s" and x[1] == "capture" else x[4],)
    a = bb.attrib(results(tmp_path, ln))
    assert abs(a["capture"][0] - 0.12) < 1e-12


def test_verdicts_met(tmp_path):
    # TAIL 0.035 of CONTINUAL's 0.12 (0.29); ratio100 +0.2 %.
    res, text = show(results(tmp_path, bulk(tail_bpf=0.06, ratio_bpf=0.002)))
    assert res[1] is True and res[2] is True
    assert "0.29" in text and "+0.2 %" in text
    # Against CONTINUAL at TRACE: 0.035 / (0.15 + 0.03); events per GB.
    assert "0.19" in text and "1500000; 2500000" in text
    assert "per program" not in text
    assert res[3] is None  # no connections part


def test_verdicts_not_met_shows_breakdown(tmp_path):
    # TAIL 0.07 / 0.12 (0.58) > 0.5; ratio100 (0.022 / 2) / 0.5 = 2.2 % > 1 %.
    ln = bulk(tail_bpf=0.12, ratio_bpf=0.022, tail_tool=0.02)
    for r in (1, 2):
        ln += [("bbprog", "tail", r, "tcp_elog_egress_runs", 1000), ("bbprog", "tail", r, "tcp_elog_egress_ns", 300000 * r),
               ("bbprog", "capture", r, "tcp_elog_egress_runs", 1000), ("bbprog", "capture", r, "tcp_elog_egress_ns", 400000)]
    d = results(tmp_path, ln)
    res, text = show(d)
    assert res[1] is False and res[2] is False
    assert "0.58" in text and "+2.2 %" in text
    assert "per program" in text
    p = bb.progs(d, "tail")["tcp_elog_egress"]
    assert p[0] == 450  # median of 300 and 600 ns per run
    assert abs(p[1] - 0.000225) < 1e-12  # median of 0.3 ms and 0.6 ms over 2 GB


def test_connections_memory_and_latency(tmp_path):
    ln = [("bbconns", "tail", 1, k, v) for k, v in (
        ("global_limit", 262144), ("session_limit", 5000), ("conns", 10000), ("sessions", 10000),
        ("refused", 0), ("trimmed", 6000), ("records", 262144), ("records_after_close", 0),
        ("elog_bb_buf_memlock_empty", 1000), ("elog_bb_buf_memlock", 1000 + 16384 * 2120),
        ("elog_bb_meta_memlock_empty", 500), ("elog_bb_meta_memlock", 500 + 10000 * 1208))]
    for i, (disk, made) in enumerate(((120, 40), (100, 10), (150, 49)), 1):
        ln += [("bblat", "tail", i, "request_disk_ms", disk), ("bblat", "tail", i, "request_made_ms", made)]
    d = results(tmp_path, ln)
    c = bb.conns(d)
    assert c["bytes_per_chunk"] == 2120 and c["bytes_per_session"] == 1208
    assert c["limit_bytes"] == 32 * 1048576
    assert bb.latency(d, "request") == (3, 120, 150, 40, 49)
    assert bb.latency(d, "demand") is None
    res, text = show(d)
    assert res[3] is True
    assert "262144 / 262144 (100.0 %)" in text
    # One slot over the limit is not met.
    ln = [x if x[3] != "records" else x[:4] + (262160,) for x in ln]
    res, _ = show(results(tmp_path, ln))
    assert res[3] is False
