# SPDX-License-Identifier: BSD-2-Clause
"""The verdicts of bench/report.py and the sample sorting of bench/profile.py,
on made-up results: what decides MET, NOT MET and "not resolved" (no
benchmark runs here, no timing)."""
import importlib.util
import io
import json
import os
import random
import re
import sys
from contextlib import redirect_stdout

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench")


def load(name):
    """bench/NAME.py by path (bench/profile.py shares its name with a
    standard module)."""
    spec = importlib.util.spec_from_file_location("bench_" + name, os.path.join(BENCH, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


bench_profile = load("profile")
report = load("report")


def series(values):
    return {str(i + 1): v for i, v in enumerate(values)}


def test_boot_ci_of_a_constant_ratio_is_that_ratio():
    base = series([0.30, 0.33, 0.31, 0.35, 0.29, 0.32])
    cap = {k: v * 1.1 for k, v in base.items()}
    lo, hi = report.boot_ci(cap, base)
    assert abs(lo - 1.1) < 1e-9 and abs(hi - 1.1) < 1e-9


def test_boot_ci_needs_three_paired_rounds():
    assert report.boot_ci(series([1.0, 2.0]), series([1.0, 2.0])) == (None, None)
    # Rounds only one side has are not pairs.
    assert report.boot_ci({"1": 1.0, "2": 1.0, "9": 1.0}, {"1": 1.0, "2": 1.0, "3": 1.0}) == (None, None)


def test_boot_ci_contains_the_ratio_of_medians_and_is_deterministic():
    rng = random.Random(7)
    base = series([0.32 * rng.uniform(0.85, 1.15) for _ in range(24)])
    cap = series([0.35 * rng.uniform(0.85, 1.15) for _ in range(24)])
    r = report.med(cap.values()) / report.med(base.values())
    lo, hi = report.boot_ci(cap, base)
    assert lo <= r <= hi and lo < hi
    assert report.boot_ci(cap, base) == (lo, hi)


def test_ci_verdict_upper_limit():
    assert report.ci_verdict((1.01, 1.07), 1.08, True) == "MET"
    assert report.ci_verdict((1.09, 1.20), 1.08, True) == "NOT MET"
    assert report.ci_verdict((1.05, 1.10), 1.08, True).startswith("not resolved")
    assert report.ci_verdict((None, None), 1.08, True) == "n/a"


def test_ci_verdict_lower_limit():
    assert report.ci_verdict((0.96, 1.02), 0.95, False) == "MET"
    assert report.ci_verdict((0.80, 0.94), 0.95, False) == "NOT MET"
    assert report.ci_verdict((0.93, 0.99), 0.95, False).startswith("not resolved")


def write_results(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")


def report_text(path):
    out = io.StringIO()
    argv = sys.argv
    sys.argv = ["report.py", path]
    try:
        with redirect_stdout(out):
            report.main()
    finally:
        sys.argv = argv
    return out.getvalue()


def target_line(text, prefix):
    lines = [l for l in text.splitlines() if l.startswith(prefix)]
    assert len(lines) == 1, (prefix, text)
    return lines[0]


def verdict(text, prefix):
    """The last column of a target's row (columns are 2+ spaces apart)."""
    return re.split(r"\s{2,}", target_line(text, prefix).strip())[-1]


def test_long_series_and_sampled_verdicts(tmp_path):
    rng = random.Random(3)
    rows = []
    for r in range(1, 25):
        noise = rng.uniform(0.95, 1.05)
        for mode, cpu, gbps in (("base", 0.30, 32.0), ("capture", 0.36, 31.5), ("tcpdump", 0.31, 32.0)):
            rows += [("precise", mode, r, "cpu_s_per_gb", cpu * noise * rng.uniform(0.99, 1.01)),
                     ("precise", mode, r, "gbps", gbps * rng.uniform(0.99, 1.01)),
                     ("precise", mode, r, "bytes", 16e9), ("precise", mode, r, "segs", 960000)]
    # Sampled: the capture below tcpdump, which sampling cannot conclude.
    for r in range(1, 7):
        for mode in ("base", "capture", "tcpdump"):
            rows += [("profile", mode, r, "cpu_s_per_gb", 0.33), ("profile", mode, r, "bytes", 16e9),
                     ("profile", mode, r, "samples_busy", 5000),
                     ("profile", mode, r, "samples_elog_tool", 50 if mode == "capture" else 0),
                     ("profile", mode, r, "samples_elog_bpf", 300 if mode == "capture" else 0),
                     ("profile", mode, r, "samples_tcpdump_tool", 60 if mode == "tcpdump" else 0),
                     ("profile", mode, r, "samples_tcpdump_kernel", 400 if mode == "tcpdump" else 0)]
    path = tmp_path / "results.tsv"
    write_results(path, rows)
    text = report_text(str(path))
    assert verdict(text, "1 capture CPU/byte <= 1.08 x base (long series") == "NOT MET"
    assert verdict(text, "1 capture throughput >= 0.95 x base (long series") == "MET"
    assert verdict(text, "2 capture CPU/byte < tcpdump's (long series") == "NOT MET"
    assert "not conclusive" in verdict(text, "2 capture CPU/byte < tcpdump's (sampled")
    # 350 of 5000 samples at 0.33 CPU-s/GB against a base of 0.33: +7.0 %.
    assert "+7.0%" in target_line(text, "1 (lower bound) capture CPU/byte, sampled")
    assert "segments/GB" in text and "60,000" in text


def test_sampled_whole_machine(tmp_path):
    """Part 1-2e (whole machine): busy samples and /proc/stat per GB as
    ratios to base, how they agree per round, the tool's own share and the
    rest of the machine."""
    rows = []
    for r in range(1, 7):
        for mode, busy, tool, cpu in (("base", 5000, 0, 3.0), ("capture", 5500, 350, 3.15),
                                      ("tcpdump", 5200, 460, 3.12)):
            k = "elog" if mode == "capture" else "tcpdump"
            rows += [("profile", mode, r, "cpu_s_per_gb", cpu / 16), ("profile", mode, r, "bytes", 16e9),
                     ("profile", mode, r, "cpu_s", cpu), ("profile", mode, r, "samples_busy", busy),
                     ("profile", mode, r, f"samples_{k}_tool", tool // 7),
                     ("profile", mode, r, f"samples_{k}_bpf" if k == "elog" else f"samples_{k}_kernel",
                      tool - tool // 7)]
    write_results(tmp_path / "results.tsv", rows)
    res = report.sampled(report.load(str(tmp_path / "results.tsv")), report.Table(False))
    w = res["whole"]["capture"]
    assert abs(w["samples"][0] - 1.10) < 1e-9 and abs(w["stat"][0] - 1.05) < 1e-9
    assert abs(w["agree"][0] - 1.10 / 1.05) < 1e-9 and abs(w["agree"][1] - 1.10 / 1.05) < 1e-9
    assert abs(w["tool"] - 0.07) < 1e-9 and abs(w["rest"] - 1.03) < 1e-9
    assert abs(res["whole"]["tcpdump"]["tool"] - 0.092) < 1e-9


def test_profile_sorts_samples_by_whose_code():
    c = bench_profile.classify
    assert c("swapper", ["pv_native_safe_halt", "default_idle", "do_idle"]) == "idle"
    assert c("elog", ["__memmove_avx512_unaligned_erms", "elog_writer_append_run"]) == "elog_tool"
    assert c("tcpdump", ["poll"]) == "tcpdump_tool"
    # tcpdump's filter runs inside AF_PACKET's receive: tcpdump's.
    assert c("iperf3", ["bpf_prog_run_pin_on_cpu", "packet_rcv", "__netif_receive_skb_core"]) == "tcpdump_kernel"
    assert c("iperf3", ["bpf_ringbuf_output", "bpf_prog_b3b8_tcp_elog_emit",
                        "bpf_prog_0ac6_tcp_elog_ingress", "__cgroup_bpf_run_filter_skb"]) == "elog_bpf"
    assert c("iperf3", ["__cgroup_bpf_run_filter_skb", "ip_finish_output"]) == "elog_bpf"
    assert c("iperf3", ["bpf_prog_1234_some_other_program"]) == "other"
    assert c("iperf3", ["tcp_sendmsg_locked", "tcp_sendmsg"]) == "other"


def test_long_series_what_the_cpus_did_besides(tmp_path):
    """Part 1-2d's counters per GB (bench/lib.sh sys_snapshot), medians by
    mode; the table only when every mode has them."""
    rows = []
    for r in range(1, 6):
        for mode, idle, gb in (("base", 4000, 16e9), ("capture", 3000, 16e9), ("tcpdump", 3300, 8e9)):
            rows += [("precise", mode, r, "cpu_s_per_gb", 0.3), ("precise", mode, r, "gbps", 30.0),
                     ("precise", mode, r, "bytes", gb)]
            rows += [("precise", mode, r, k, v * gb / 1e9) for k, v in
                     (("ctxt", 12000), ("call_ipi", idle), ("res_ipi", 5), ("idle_entries", idle),
                      ("idle_us", 90000))]
    write_results(tmp_path / "results.tsv", rows)
    d = report.load(str(tmp_path / "results.tsv"))
    sysd = report.precise(d, report.Table(False))["sys"]
    assert sysd["capture"]["idle_entries"] == 3000 and sysd["base"]["idle_entries"] == 4000
    assert sysd["tcpdump"]["call_ipi"] == 3300 and sysd["tcpdump"]["idle_us"] == 90000
    text = report_text(str(tmp_path / "results.tsv"))
    assert "3,000 (0.75)" in text and "3,300 (0.82)" in text
    # A run without the counters (an older results file): no table, no error.
    write_results(tmp_path / "old.tsv", [r for r in rows if r[3] not in ("idle_entries",)])
    assert "sys" not in report.precise(report.load(str(tmp_path / "old.tsv")), report.Table(False))


def test_placebo_control(tmp_path):
    """Part 1-2d (control): the rest of the machine's busy CPU is the direct
    figure minus the attributed one; the placebo's change in idle entries
    prices one of them, and that predicts the capture's direct ratio."""
    rows = [("placebo", "setting", 1, "ns", 500), ("attrib", "nop", "-", "stats_floor_ns", 0)]
    # Long series, per GB: base 0.30 CPU-s with 4,000 idle entries; the
    # placebo adds 0.04 (attributed) and ends 2,000 idle entries, busy 0.28:
    # the rest did 0.24, 0.06 less, 30 us per idle entry. The capture adds
    # 0.05 with 1,000 idle entries fewer: predicted 0.30 + 0.05 - 0.03.
    for r in range(1, 6):
        for mode, busy, idle in (("base", 0.30, 4000), ("placebo", 0.28, 2000), ("capture", 0.33, 3000)):
            rows += [("precise", mode, r, "cpu_s_per_gb", busy), ("precise", mode, r, "gbps", 30.0),
                     ("precise", mode, r, "bytes", 1e9)]
            rows += [("precise", mode, r, k, v) for k, v in
                     (("ctxt", 12000), ("call_ipi", idle), ("res_ipi", 5), ("idle_entries", idle),
                      ("idle_us", 90000))]
        for mode, bpf, tool in (("base", 0.0, None), ("placebo", 0.04, None), ("capture", 0.04, 0.01)):
            rows += [("attrib", mode, r, "bpf_s", bpf), ("attrib", mode, r, "bpf_runs", 1000),
                     ("attrib", mode, r, "bytes", 1e9), ("attrib", mode, r, "cpu_s_per_gb", 0.30)]
            if tool is not None:
                rows.append(("attrib", mode, r, "tool_cpu_s", tool))
    write_results(tmp_path / "results.tsv", rows)
    d = report.load(str(tmp_path / "results.tsv"))
    t = report.Table(False)
    att = report.attrib(d, t)
    assert abs(att["added"]["placebo"] - 0.04) < 1e-9 and abs(att["added"]["capture"] - 0.05) < 1e-9
    out = report.placebo_control(d, t, att, report.precise(d, t))
    assert abs(out["per_idle_us"] - 30.0) < 1e-6
    assert abs(out["capture_predicted"] - 0.32 / 0.30) < 1e-9
    assert abs(out["capture_measured"] - 0.33 / 0.30) < 1e-9
    text = report_text(str(tmp_path / "results.tsv"))
    assert "500 ns of spinning" in text and "30.0 us" in text and "1.067 (1.100)" in text
    # A placebo that leaves the idle entries as they were prices nothing.
    flat = [r if not (r[0] == "precise" and r[1] == "placebo" and r[3] in ("idle_entries", "call_ipi"))
            else r[:4] + (4000,) for r in rows]
    write_results(tmp_path / "flat.tsv", flat)
    d = report.load(str(tmp_path / "flat.tsv"))
    out = report.placebo_control(d, report.Table(False), report.attrib(d, report.Table(False)),
                                 report.precise(d, report.Table(False)))
    assert "per_idle_us" not in out and "capture_predicted" not in out
    # No placebo in the run (an older results file): no table, no error.
    write_results(tmp_path / "old.tsv", [r for r in rows if r[1] != "placebo"])
    d = report.load(str(tmp_path / "old.tsv"))
    assert report.placebo_control(d, report.Table(False), report.attrib(d, report.Table(False)),
                                  report.precise(d, report.Table(False))) == {}


def test_event_names_come_from_the_schema_compilers_table(tmp_path, monkeypatch):
    table = {"provider": "tcp", "keywords": {"RX": 1},
             "events": [{"id": 100, "name": "IN", "level": "VERBOSE", "keywords": ["RX"],
                         "payload_size": 40, "implicit": False},
                        {"id": 4294967294, "name": "SESSION_CREATE", "level": "INFO",
                         "keywords": [], "payload_size": 0, "implicit": True}]}
    (tmp_path / "tcp_events.json").write_text(json.dumps(table))
    monkeypatch.setenv("ELOG_GEN", str(tmp_path))
    assert report.tcp_event_names() == {100: "IN", 4294967294: "SESSION_CREATE"}
    monkeypatch.setenv("ELOG_GEN", str(tmp_path / "absent"))
    assert report.tcp_event_names() == {}
