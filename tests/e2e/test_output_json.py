# SPDX-License-Identifier: BSD-2-Clause
"""`elog --json`: JSON Lines from -r (golden files) and from a live capture."""
import datetime
import json
import os
import shutil
import subprocess

import pytest

from lib.proc import ELOG, GOLDEN, need, run

HEADER_KEYS = ["provider", "session", "event", "event_id", "time", "boot_us", "cpu", "thread"]


@pytest.fixture
def elog():
    need(os.access(ELOG, os.X_OK), ELOG + " is not built (run make)")
    return ELOG


@pytest.mark.parametrize("name", ["sample", "edge", "types"])
def test_golden(elog, name):
    """Byte for byte the reviewed output (tests/golden/export/NAME.jsonl)."""
    out = run([elog, "-r", os.path.join(GOLDEN, name + ".elog"), "--json"]).stdout
    with open(os.path.join(GOLDEN, "export", name + ".jsonl")) as f:
        assert out == f.read()


@pytest.mark.parametrize("name", ["sample", "edge", "types", "killed", "empty", "dropped"])
def test_every_line_is_an_object(elog, name):
    p = subprocess.run([elog, "-r", os.path.join(GOLDEN, name + ".elog"), "--json"],
                       capture_output=True, text=True)
    assert p.returncode == 0
    text = run([elog, "-r", os.path.join(GOLDEN, name + ".elog"), "-e"]).stdout
    lines = p.stdout.splitlines()
    assert len(lines) == len(text.splitlines()), "one JSON line per text line"
    for line in lines:
        o = json.loads(line)
        assert list(o)[:len(HEADER_KEYS)] == HEADER_KEYS
        datetime.datetime.strptime(o["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        assert ("fields" in o) != ("payload_hex" in o)
    need(shutil.which("jq"), "jq is needed (scripts/install-deps.sh installs it)")
    run(["jq", "-e", "-s", "length == %d" % len(lines)], input=p.stdout)


def test_json_names_fields(elog):
    evs = [json.loads(l) for l in run([elog, "-r", os.path.join(GOLDEN, "sample.elog"), "--json"]).stdout.splitlines()]
    syn = next(e for e in evs if e["event"] == "IN")
    assert syn["fields"]["flags"] == ["SYN", "ACK"]
    assert syn["fields"]["state"] == "ESTABLISHED"
    assert syn["fields"]["th_sum"] == "0xbeef"
    ip = next(e for e in evs if e["event"] == "CONN_SET_IP_V6")
    assert ip["fields"]["src_addr"] == "2001:db8::1" and ip["fields"]["dst_port"] == 50000
    assert evs[0]["time"] == "2026-11-22T01:02:03.456789Z"


def test_json_option_errors(elog, tmp_path):
    p = subprocess.run([elog, "-r", os.path.join(GOLDEN, "sample.elog"), "--json", "--pcapng",
                        str(tmp_path / "x")], capture_output=True, text=True)
    assert p.returncode == 1 and "--json cannot be used with --pcapng" in p.stderr


def test_live_json(elog, tcp_env):  # noqa: F811
    """`elog -c tcp --json` prints one object per event as it happens."""
    tcp_env.ctl.set("kern.eventlog.tcp.default", 1)
    cap = tcp_env.capture("unused", text=True, extra=["--json"])
    # elog subscribes before it reads: give it a moment, then traffic.
    import time
    time.sleep(1.0)
    w = tcp_env.traffic.workload("exchange", 4)
    time.sleep(0.5)
    out = cap.stop()
    evs = [json.loads(l) for l in out.splitlines()]
    assert evs, "no JSON lines from the live capture"
    ours = {e["session"] for e in evs if e["event"] == "CONN_SET_IP_V4"
            and e["fields"]["dst_port"] == w["lport"]}
    assert ours, "the exchange's client session is missing"
    mine = [e for e in evs if e["session"] in ours]
    assert mine[0]["event"] == "SESSION_CREATE" and mine[-1]["event"] == "SESSION_END"
    assert any(e["event"] == "OUT" and "SYN" in e["fields"]["flags"] for e in mine)
    for e in evs:
        assert list(e)[:len(HEADER_KEYS)] == HEADER_KEYS
        assert e["provider"] == "tcp"
        t = datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        now = datetime.datetime.utcnow()
        assert abs((now - t).total_seconds()) < 600, "live times are UTC wall clock"
