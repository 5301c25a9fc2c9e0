# SPDX-License-Identifier: BSD-2-Clause
"""`elog -r FILE --pcapng OUT` read back by Debian's tshark.

Two inputs: a generated capture (tests/unit/test_export_gen.c: IPv4 and
IPv6 connections with handshake, data, a GRO-sized segment, FIN/RST and
events in between and after) and a real loopback exchange captured live by
`elog -c tcp`. For both: exactly one packet per IN/OUT event, in order,
with the event's seq/ack/flags/length/direction/time, TCP analysis working
(tcp.analysis.ack_rtt present) and every other event kept as a comment.
"""
import json
import os
import shutil
import subprocess

import pytest

from lib.proc import ELOG, EXPORT_GEN, REPO, need, run


FLAG_BITS = {"FIN": 0x1, "SYN": 0x2, "RST": 0x4, "PUSH": 0x8, "ACK": 0x10, "URG": 0x20,
             "ECE": 0x40, "CWR": 0x80, "AE": 0x100}


@pytest.fixture
def tools():
    need(os.access(ELOG, os.X_OK), ELOG + " is not built (run make)")
    need(os.access(EXPORT_GEN, os.X_OK), EXPORT_GEN + " is not built (run make test-export)")
    need(shutil.which("tshark"), "tshark is needed (apt-get install tshark)")


def events(capture):
    """The capture's events as parsed JSON Lines (elog --json)."""
    return [json.loads(line) for line in run([ELOG, "-r", capture, "--json"]).stdout.splitlines()]


def tshark(pcapng):
    """[{field: [values]}] per frame, from tshark -T json."""
    fields = ["frame.time_epoch", "frame.comment", "frame.len", "frame.cap_len",
              "frame.interface_name", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport",
              "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags", "tcp.len",
              "tcp.window_size", "tcp.analysis.ack_rtt", "pkt_comment"]
    args = ["tshark", "-r", pcapng, "-T", "json", "-o", "tcp.relative_sequence_numbers:TRUE"]
    for f in fields:
        args += ["-e", f]
    p = run(args)
    assert "appears to be damaged" not in p.stderr and "isn't" not in p.stderr, p.stderr
    return [pkt["_source"]["layers"] for pkt in json.loads(p.stdout or "[]")]


def one(layers, name, default=None):
    v = layers.get(name)
    return v[0] if v else default


def is_packet(e):
    return e["provider"] == "tcp" and e["event"] in ("IN", "OUT") and e["session"] != 2**64 - 1


def check_export(capture, tmp):
    """Every check of the export of `capture`; returns (packets, frames)."""
    out = os.path.join(tmp, "out.pcapng")
    run([ELOG, "-r", capture, "--pcapng", out])
    evs = events(capture)
    pkts = [e for e in evs if is_packet(e)]
    frames = tshark(out)

    # Exactly one packet per IN/OUT event, nothing else is a frame.
    assert len(frames) == len(pkts), "%d frames for %d IN/OUT events" % (len(frames), len(pkts))
    assert pkts, "the capture has no IN/OUT events"
    # Addresses per session from its CONN_SET_IP event.
    addr = {}
    for e in evs:
        if e["event"] in ("CONN_SET_IP_V4", "CONN_SET_IP_V6") and e["session"] not in addr:
            addr[e["session"]] = e["fields"]
    for e, fr in zip(pkts, frames):
        f = e["fields"]
        assert int(one(fr, "tcp.seq_raw")) == f["seq"], (e, fr)
        assert int(one(fr, "tcp.ack_raw")) == f["ack"], (e, fr)
        flags = sum(FLAG_BITS[n] for n in f["flags"] if n in FLAG_BITS)
        assert int(one(fr, "tcp.flags"), 16) == flags, (e, fr)
        assert int(one(fr, "tcp.len")) == f["len"], (e, fr)
        hdr = 4 * max(5, min(15, f["th_off"]))
        iph = 40 if one(fr, "ipv6.src") else 20
        assert int(one(fr, "frame.len")) == iph + hdr + f["len"]
        assert int(one(fr, "frame.cap_len")) == iph + hdr  # headers only
        # UTC time of the event, to the microsecond.
        assert round(float(one(fr, "frame.time_epoch")) * 1e6) == utc_us(e["time"]), (e, fr)
        a = addr.get(e["session"])
        if a:
            local, remote = a["src_addr"], a["dst_addr"]
            src, dst = (local, remote) if e["event"] == "OUT" else (remote, local)
            sp, dp = ((a["src_port"], a["dst_port"]) if e["event"] == "OUT"
                      else (a["dst_port"], a["src_port"]))
            ipsrc = one(fr, "ipv6.src") or one(fr, "ip.src")
            ipdst = one(fr, "ipv6.dst") or one(fr, "ip.dst")
            assert (ipsrc, ipdst) == (src, dst), (e, fr)
            assert (int(one(fr, "tcp.srcport")), int(one(fr, "tcp.dstport"))) == (sp, dp)
            # With the handshake seen, Wireshark scales the window as we did.
            if "SYN" not in f["flags"] and f["win"]:
                assert int(one(fr, "tcp.window_size")) == f["win"], (e, fr)
    # TCP analysis works: acknowledged data gets an RTT.
    rtts = [float(one(fr, "tcp.analysis.ack_rtt")) for fr in frames if one(fr, "tcp.analysis.ack_rtt")]
    assert rtts, "no tcp.analysis.ack_rtt in the export"
    assert all(r >= 0 for r in rtts)
    # Every other event is a comment, in order; each packet's own event too.
    comments = [c for fr in frames for c in (fr.get("frame.comment") or fr.get("pkt_comment") or [])]
    others = [e for e in evs if not is_packet(e)]
    assert len(comments) == len(evs), "%d comments for %d events" % (len(comments), len(evs))
    names = [c.split("][")[2].split("]")[0] for c in comments]
    assert names == [e["event"] for e in evs], "comments not in event order"
    return pkts, frames, others


def utc_us(iso):
    import datetime
    d = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000000 + d.microsecond


def test_generated_capture(tools, tmp_path):
    cap = str(tmp_path / "gen.elog")
    run([EXPORT_GEN, cap])
    pkts, frames, others = check_export(cap, str(tmp_path))
    assert len(pkts) == 16
    # Both families, and the GRO segment beyond 64 KiB kept its length.
    assert any(one(f, "ipv6.src") for f in frames) and any(one(f, "ip.src") for f in frames)
    assert any(int(one(f, "tcp.len")) == 70000 for f in frames)
    # The 100-byte segment's ACK (frame 7) has its RTT: 150 us later.
    assert float(one(frames[6], "tcp.analysis.ack_rtt")) == pytest.approx(0.000150, abs=1e-6)
    # DUMP_COMPLETE came after the last packet and is still there.
    assert "[DUMP_COMPLETE]" in (frames[-1].get("frame.comment") or frames[-1].get("pkt_comment"))[-1]


def test_series_and_gz_input(tools, tmp_path):
    """A series of two files (one gzip) exports as one pcapng."""
    a, b = str(tmp_path / "a.elog"), str(tmp_path / "b.elog")
    run([EXPORT_GEN, a])
    run([EXPORT_GEN, b])
    run(["gzip", b])
    out = str(tmp_path / "ab.pcapng")
    run([ELOG, "-r", a, b + ".gz", "--pcapng", out])
    assert len(tshark(out)) == 32


def test_errors(tools, tmp_path):
    bad = subprocess.run([ELOG, "-r", "-", "--pcapng", str(tmp_path / "x")], capture_output=True,
                         text=True, stdin=subprocess.DEVNULL)
    assert bad.returncode == 1 and "stdin" in bad.stderr
    empty = tmp_path / "empty.elog"
    empty.write_bytes(b"")
    out = tmp_path / "y.pcapng"
    bad = subprocess.run([ELOG, "-r", str(empty), "--pcapng", str(out)], capture_output=True, text=True)
    assert bad.returncode == 1 and "File is empty" in bad.stderr
    assert not out.exists(), "a failed export leaves no file behind"


@pytest.mark.parametrize("fam", [4, 6])
def test_live_capture(tools, tcp_env, fam):  # noqa: F811
    """A real loopback exchange captured by elog -c tcp, exported, read by tshark."""
    tcp_env.ctl.set("kern.eventlog.tcp.default", 1)
    cap = tcp_env.capture("live.elog")
    tcp_env.traffic.workload("exchange", fam)
    cap.stop()
    pkts, frames, _ = check_export(cap.path, tcp_env.tmp)
    assert any("SYN" in p["fields"]["flags"] for p in pkts)


@pytest.mark.parametrize("name", ["sample", "edge", "types", "empty", "killed", "dropped"])
def test_golden_captures(tools, tmp_path, name):
    """Every golden capture (hostile records, other providers, no events,
    cut files) exports to a file tshark reads: one packet per tcp IN/OUT,
    one comment per event."""
    cap = os.path.join(REPO, "tests", "golden", name + ".elog")
    out = str(tmp_path / "g.pcapng")
    run([ELOG, "-r", cap, "--pcapng", out])
    evs = events(cap)
    frames = tshark(out)
    assert len(frames) == len([e for e in evs if is_packet(e)])
    comments = [c for fr in frames for c in (fr.get("frame.comment") or fr.get("pkt_comment") or [])]
    if frames:
        assert len(comments) == len(evs)
    else:
        # No packet to carry them: the section header's comments.
        need(shutil.which("capinfos"), "capinfos (wireshark-common) is needed")
        shb = [l for l in run(["capinfos", "-k", out]).stdout.splitlines()
               if l.startswith("Capture comment:")]
        assert len(shb) == len(evs)
