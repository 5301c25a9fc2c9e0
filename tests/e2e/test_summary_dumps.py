# SPDX-License-Identifier: BSD-2-Clause
"""Summary, report and selectors on captures made of black box dumps, whose
records come after their dump record with older times, each dump of a
session repeating its identity records:

- tcp, TAIL_AUTO with the RTO and retransmission triggers: a connection
  stalled by an nftables drop is dumped at its second retransmission, at
  each RTO and at its end; its summary must still agree with its TCP_INFO
  and count each RTO of the capture once, its times must
  run forwards, it must say how many dumps it had and that none lost
  anything, the report must be made and start at its earliest record, and
  --port must give exactly its records, dumps included;
- the test provider, TAIL, two dumps of one session: no connection to
  summarise (said), and --session gives exactly the session's records."""
import json
import os
import re
import base64
import gzip
import struct
import time

import pytest

from lib.proc import PYTHON, run, wait_for
from lib.tcp import SCRIPT_LIB
from lib.blackbox import BLACKBOX_DUMP_ID, EV, MODE
from lib.net import need_nft, netstat, stall_under_drop

P = "net.inet.tcp.eventlog."

STALL = SCRIPT_LIB + r'''
import json, socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
c.sendall(b"x" * 100); a.recv(100)
print(json.dumps({"lport": l.getsockname()[1], "cport": c.getsockname()[1]}), flush=True)
stalled_send(c, a)
c.shutdown(socket.SHUT_WR)
assert a.recv(1) == b""
a.close()
assert c.recv(1) == b""
time.sleep(0.05)
info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
c.close(); l.close(); time.sleep(0.1)
print(json.dumps({"info": info.hex()}), flush=True)
'''


def test_tcp_dumps(tcp_env, netns, tmp_path):
    env = tcp_env
    need_nft()
    env.ctl.set("kern.eventlog.tcp.default", 1)
    env.ctl.set(P + "mode", MODE["TAIL_AUTO"])
    env.ctl.set(P + "session_limit", 4096)
    env.ctl.set(P + "trigger.retransmits", 2)
    cap = env.capture("dumps.elog", "TRACE")
    before = netstat(netns)["TCPTimeouts"]
    t0 = time.monotonic()
    ports, last = stall_under_drop(netns, env.procs, ["ip", "netns", "exec", netns, PYTHON, "-c", STALL], "elogdump")
    info = bytes.fromhex(last["info"])
    wall = time.monotonic() - t0
    timeouts = netstat(netns)["TCPTimeouts"] - before
    assert timeouts >= 2, "the drop did not cause repeated timeouts"
    assert wait_for(lambda: env.ctl.get(P + "blackbox.dumps") >= 2, 5)
    time.sleep(0.2)
    cap.stop()
    elog = cap.elog
    events = [json.loads(l) for l in run([elog, "-r", cap.path, "--json"]).stdout.splitlines()]
    (sid,) = {e["session"] for e in events if e["event"] == "CONN_SET_IP_V4"
              and e["fields"]["src_port"] == ports["cport"]}
    mine = [e for e in events if e["session"] == sid]
    dumps = [e for e in mine if e["event"] == "BLACKBOX_DUMP"]
    assert len(dumps) >= 2, dumps
    # What makes these captures hard: records older than one before them,
    # identity records repeated by each dump.
    assert any(b["boot_us"] < a["boot_us"] for a, b in zip(mine, mine[1:]))
    assert sum(e["event"] == "CONN_SET_IP_V4" for e in mine) >= 2

    rows = [json.loads(l) for l in run([elog, "-r", cap.path, "--summary", "--json",
                                        "--port", str(ports["cport"])]).stdout.splitlines()]
    (row,) = [r for r in rows if r["session"] == sid]
    bytes_acked, total_retrans = struct.unpack_from("<Q", info, 120)[0], struct.unpack_from("<I", info, 100)[0]
    assert row["bytes_acked"] == bytes_acked - 2 == 1100, (row, bytes_acked)
    assert row["retrans_segs"] == total_retrans, (row, total_retrans)
    assert row["rtos"] == sum(e["event"] == "RTO" for e in mine), row
    assert row["end_reason"] == "fin"
    assert row["bb_dumps"] == len(dumps) and row["bb_not_kept"] == 0, row
    # Time runs forwards: the stall is in it, nothing wrapped.
    assert 1.0 < row["duration_s"] < wall, (row["duration_s"], wall)
    # From the earliest record to the latest one the connection made (a
    # dump record is stamped when the dump was made, later).
    made = [e for e in mine if e["event"] != "BLACKBOX_DUMP"]
    assert row["start"] == min(e["time"] for e in made), row
    assert row["end"] == max(e["time"] for e in made), row
    assert 0 <= row["recovery_s"] <= row["duration_s"]
    limits = sum(row[k + "_limited_s"] for k in ("app", "cwnd", "rwnd", "other"))
    assert 0 < limits <= row["duration_s"], row

    # --port: the session's records, dumps included, as the capture has them.
    sel = run([elog, "-r", cap.path, "--json", "--port", str(ports["cport"])]).stdout.splitlines()
    peers = {e["session"] for e in events if e["event"] == "CONN_SET_IP_V4"
             and ports["cport"] in (e["fields"]["src_port"], e["fields"]["dst_port"])}
    assert [json.loads(l) for l in sel] == [e for e in events if e["session"] in peers]

    # The report: made, and its times start at the session's earliest record.
    html = str(tmp_path / "dumps.html")
    run([elog, "-r", cap.path, "--port", str(ports["cport"]), "--report", html])
    page = open(html).read()
    conns = re.findall(r'class="elog-conn" data-index="\d+">([^<]*)<', page)
    assert len(conns) == 2
    for blob in conns:
        body = json.loads(gzip.decompress(base64.b64decode(blob)))
        for r in body["timeline"]["rows"]:
            assert all(d >= 0 for d in r["dt"]), r["name"]
        for g in body["graphs"]:
            for s in g["series"]:
                assert all(d >= 0 for d in s["dt"]), (g["title"], s["name"])


@pytest.mark.usefixtures("fresh_test_provider")
def test_test_provider_dumps(box):  # noqa: F811 (box is the imported fixture)
    box.set(mode=MODE["TAIL"], session_limit=64)
    box.start()
    box.gen("create", 0, "enable", 0, 1, "emitraw", 0, EV, 3, 1, 100, 16, "bbdump", 1000,
            "emitraw", 0, EV, 3, 1, 10, 16, "bbdump", 1000)
    cap = box.stop()
    mine = [e for e in cap["events"] if e["session"] == 1000]
    assert sum(e["id"] == BLACKBOX_DUMP_ID for e in mine) == 2
    elog = os.path.join(box.bindir, "elog")
    lines = run([elog, "-r", box.path, "--json"]).stdout.splitlines()
    want = [l for l in lines if json.loads(l)["session"] == 1000]
    assert run([elog, "-r", box.path, "--json", "--session", "1000"]).stdout.splitlines() == want
    assert len(want) == len(mine)
    p = run([elog, "-r", box.path, "--summary"])
    assert p.stdout == "" and "no connection" in p.stderr
