# SPDX-License-Identifier: BSD-2-Clause
"""bench/ab_report.py (the table of bench/ab.sh) on made-up bulk results:
medians per build, records matched counted as written + dropped, sampled
shares converted at 999 Hz (no benchmark runs here, no timing)."""
import importlib.util
import os

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench")
spec = importlib.util.spec_from_file_location("ab_report", os.path.join(BENCH, "ab_report.py"))
ab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ab)


def write_results(tmp_path, rows, bpf_files=None):
    with open(tmp_path / "results.tsv", "w") as f:
        # Another part and another mode must not be counted.
        f.write("bulk\tcap-a\t1\tbytes\t1\n")
        f.write("ab\tcapture\t1\tbytes\t1\n")
        for mode, run, kv in rows:
            for k, v in kv.items():
                f.write(f"ab\t{mode}\t{run}\t{k}\t{v}\n")
    (tmp_path / "ab").mkdir(exist_ok=True)
    for name, text in (bpf_files or {}).items():
        (tmp_path / "ab" / name).write_text(text)


def run(mode, run, gb, events, dropped=0, gbps=10.0, cpu_s_per_gb=0.7, **kv):
    return (mode, str(run), dict(bytes=int(gb * 1e9), events=events, dropped=dropped, gbps=gbps,
                                 cpu_s_per_gb=cpu_s_per_gb, **kv))


def test_stats_medians_per_program_and_per_gb(tmp_path):
    # The run's own programs (bpf_own_s, .bpfown) when recorded, else
    # every program's time (bpf_s); base (no provider) has no programs.
    rows = [run("base", r, 2, 0, bpf_s=0.01, bpf_own_s=0, cpu_s_per_gb=0.6) for r in (1, 2, 3)]
    rows += [run("cap-a", r, 2, 300000, bpf_s=9, bpf_own_s=0.1 * r, tool_cpu_s=0.02) for r in (1, 2, 3)]
    rows += [run("tail-a", r, 2, 300000, bpf_s=0.05, tool_cpu_s=0.04, cpu_s_per_gb=0.65) for r in (1, 2, 3)]
    files = {}
    for r, ns in ((1, 300), (2, 400), (3, 1000)):
        files[f"cap-a.{r}.bpfown"] = f"tcp_elog_ingress 100 {100 * ns}\ntcp_elog_egress 10 {10 * 50}\n"
        files[f"tail-a.{r}.bpfown"] = f"tcp_elog_ingress {100 * r} {100 * r * (ns - 20)}\n"
        files[f"cap-a.{r}.bpf"] = "not_ours 1 999999\n"
    write_results(tmp_path, rows, files)
    progs, per, rate, summ = ab.summarise(str(tmp_path), "-S", ["base", "cap-a", "tail-a"])
    assert progs == ["tcp_elog_ingress", "tcp_elog_egress"]
    assert per["base"] == {} and ab.med(summ["base"]["busy CPU-s/GB"]) == 0.6
    assert ab.med(summ["tail-a"]["busy CPU-s/GB"]) == 0.65
    # runs per MB: 100, 200, 300 runs over 2 GB.
    assert [round(x, 9) for x in rate["tail-a"]["tcp_elog_ingress"]] == [0.05, 0.1, 0.15]
    assert ab.med(per["cap-a"]["tcp_elog_ingress"]) == 400
    assert ab.med(per["tail-a"]["tcp_elog_ingress"]) == 380
    assert per["tail-a"]["tcp_elog_egress"] == []
    assert abs(ab.med(summ["cap-a"]["bpf CPU-s/GB"]) - 0.1) < 1e-12
    assert abs(ab.med(summ["tail-a"]["bpf CPU-s/GB"]) - 0.025) < 1e-12
    assert abs(ab.med(summ["tail-a"]["tool CPU-s/GB"]) - 0.02) < 1e-12
    assert ab.med(summ["cap-a"]["events/GB"]) == 150000


def test_sampled_shares_per_gb_and_per_matched_record(tmp_path):
    # 999 samples = 1 CPU-s; an ablation that drops every record still
    # has its records counted.
    rows = [run("cap-full", 1, 4, 600000, samples_elog_bpf=999, samples_elog_tool=333,
                samples_busy=9000, samples_tcpdump_tool=0, samples_tcpdump_kernel=0),
            run("cap-noring", 1, 4, 0, dropped=600000, samples_elog_bpf=666, samples_elog_tool=0,
                samples_busy=9000, samples_tcpdump_tool=0, samples_tcpdump_kernel=0)]
    write_results(tmp_path, rows)
    progs, per, _, summ = ab.summarise(str(tmp_path), "-P", ["cap-full", "cap-noring"])
    assert progs == []
    assert abs(summ["cap-full"]["sampled bpf CPU-s/GB"][0] - 0.25) < 1e-12
    assert abs(summ["cap-full"]["sampled tool CPU-s/GB"][0] - 1 / 12) < 1e-12
    assert abs(summ["cap-full"]["sampled bpf ns/event"][0] - 1e9 / 600000) < 1e-6
    assert abs(summ["cap-noring"]["sampled bpf ns/event"][0] - 2 / 3 * 1e9 / 600000) < 1e-6
    assert summ["cap-noring"]["events/GB"] == [150000]


def test_round_ratios_pair_runs_of_one_round(tmp_path):
    # Run r of each build against run r of the first; a build missing a
    # run gives no ratios rather than ones paired with the wrong round.
    rows = [run("cap-a", r, 1, 1000, samples_elog_bpf=100 * r, samples_elog_tool=0, samples_busy=1,
                samples_tcpdump_tool=0, samples_tcpdump_kernel=0) for r in (1, 2, 3)]
    rows += [run("cap-b", r, 1, 1000, samples_elog_bpf=[50, 400, 300][r - 1], samples_elog_tool=0,
                 samples_busy=1, samples_tcpdump_tool=0, samples_tcpdump_kernel=0) for r in (1, 2, 3)]
    rows += [run("cap-c", r, 1, 1000, samples_elog_bpf=100, samples_elog_tool=0, samples_busy=1,
                 samples_tcpdump_tool=0, samples_tcpdump_kernel=0) for r in (1, 3)]
    write_results(tmp_path, rows)
    _, _, _, summ = ab.summarise(str(tmp_path), "-P", ["cap-a", "cap-b"])
    q = ab.round_ratios(str(tmp_path), summ, ["cap-a", "cap-b"])
    assert [round(x, 9) for x in q["cap-b"]["sampled bpf ns/event"]] == [0.5, 2.0, 1.0]
    assert ab.med(q["cap-b"]["sampled bpf ns/event"]) == 1.0
    _, _, _, summ = ab.summarise(str(tmp_path), "-P", ["cap-a", "cap-c"])
    assert ab.round_ratios(str(tmp_path), summ, ["cap-a", "cap-c"])["cap-c"]["sampled bpf ns/event"] == []
