# SPDX-License-Identifier: BSD-2-Clause
"""`elog -r` selectors and `elog --summary` on real captures: two named
connections in a namespace with nftables dropping 5 % of the data segments,
IPv4 and IPv6. The summary must agree with the kernel (the sender's TCP_INFO
and the namespace's RetransSegs); each selector, and combinations, must give
exactly the events an independent reading of the capture (the JSON Lines of
the whole capture, grouped by session) says they should."""
import json
import os
import struct

import pytest

from lib.proc import PYTHON, run
from lib.tcp import SCRIPT_LIB, TCP
from lib.net import need_nft, nft_drop, nft_dropping, snmp

DEFAULT = "kern.eventlog.tcp.default"
MIB = 16

# Connection A sends MIB MiB with cubic under loss, then both ends close
# (FIN each way); its TCP_INFO is taken once the peer's FIN is in, so every
# figure is final. Connection B exchanges a few bytes. Both are named with
# TCP_EVENTLOG_LOG_ID (82, include/eventlog/tcp.h).
WORKLOAD = SCRIPT_LIB + r'''
import json, socket, sys, time
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
host = "::1" if sys.argv[1] == "6" else "127.0.0.1"
n = int(sys.argv[2])
l = socket.socket(fam, socket.SOCK_STREAM)
l.bind((host, 0))
l.listen(4)

def pair(name):
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic")
    c.connect(l.getsockname()[:2])
    a, _ = l.accept()
    c.setsockopt(socket.IPPROTO_TCP, 82, name)
    return c, a

c, a = pair(b"elog-sum-a")
t, got = drain(a)
buf = b"x" * (1 << 20)
for _ in range(n):
    c.sendall(buf)
c.shutdown(socket.SHUT_WR)
t.join()
a.close()
assert c.recv(1) == b""
time.sleep(0.05)
info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
ca = c.getsockname()[1]
c.close()

c2, a2 = pair(b"elog-sum-b")
c2.sendall(b"ping")
assert a2.recv(4) == b"ping"
a2.sendall(b"pong")
assert c2.recv(4) == b"pong"
cb = c2.getsockname()[1]
c2.close(); a2.close(); l.close()
time.sleep(0.05)
print(json.dumps({"ca": ca, "cb": cb, "info": info.hex(), "got": got[0]}), flush=True)
'''


def tcp_info(hexstr):
    """struct tcp_info (linux/tcp.h): the fields compared here."""
    b = bytes.fromhex(hexstr)
    return {"total_retrans": struct.unpack_from("<I", b, 100)[0],
            "bytes_acked": struct.unpack_from("<Q", b, 120)[0],
            "min_rtt": struct.unpack_from("<I", b, 148)[0]}


class Decoded:
    """The capture and its independent reading: every event as JSON, and per
    session what its CONN_SET_IP and LOG_ID events say."""

    def __init__(self, elog, path):
        self.elog, self.path = elog, path
        self.lines = run([elog, "-r", path, "--json"]).stdout.splitlines()
        self.events = [json.loads(l) for l in self.lines]
        self.conn = {}
        self.log_id = {}
        for e in self.events:
            f = e["fields"]
            if e["event"] in ("CONN_SET_IP_V4", "CONN_SET_IP_V6"):
                self.conn.setdefault(e["session"], (f["src_addr"], f["src_port"], f["dst_addr"], f["dst_port"]))
            elif e["event"] == "LOG_ID":
                self.log_id.setdefault(e["session"], f["log_id"])

    def lines_of(self, sessions, keep=lambda e: True):
        return [l for l, e in zip(self.lines, self.events) if e["session"] in sessions and keep(e)]

    def select(self, *args, check=True):
        return run([self.elog, "-r", self.path, "--json", *args], check=check)

    def summary(self, *args):
        out = run([self.elog, "-r", self.path, "--summary", "--json", *args]).stdout
        return [json.loads(l) for l in out.splitlines()]


def capture_loss(env, netns, fam):
    need_nft()
    env.ctl.set(DEFAULT, 1)
    # Names are logged within net.inet.tcp.eventlog.log_id_limit: no limit.
    env.ctl.set("net.inet.tcp.eventlog.log_id_limit", -1)
    nft_drop(netns, "elogsum", "iif lo meta l4proto tcp meta length gt 100 numgen random mod 100 lt 5 counter drop")
    before = snmp(netns)["RetransSegs"]
    cap = env.capture("sum%d.elog" % fam, "TRACE", extra=["-b", "8M"])
    p = run(["ip", "netns", "exec", netns, PYTHON, "-c", WORKLOAD, str(fam), str(MIB)])
    cap.stop()
    w = json.loads(p.stdout.strip().splitlines()[-1])
    w["retrans_segs"] = snmp(netns)["RetransSegs"] - before
    assert w["got"] == MIB << 20
    assert w["retrans_segs"] > 0, "no loss happened: the nft rule did not work"
    return Decoded(os.path.join(env.bindir, "elog"), cap.path), w


@pytest.mark.parametrize("fam", [4, 6])
def test_summary_against_the_kernel(tcp_env, netns, fam):
    c, w = capture_loss(tcp_env, netns, fam)
    info = tcp_info(w["info"])
    host = "127.0.0.1" if fam == 4 else "[::1]"
    # Other traffic of the host may be in the capture (default 1): the rows
    # of this workload's connections are those with one of its ports.
    ports = (":%d" % w["ca"], ":%d" % w["cb"])
    rows = [r for r in c.summary() if r["local"].endswith(ports) or r["remote"].endswith(ports)]
    by_local = {r["local"]: r for r in rows}
    a = by_local["%s:%d" % (host, w["ca"])]
    b = by_local["%s:%d" % (host, w["cb"])]
    assert a["remote"] == by_local[a["remote"]]["local"], "the accepted end has its own row"
    # TCP_INFO after the FIN exchange: bytes_acked counts the SYN and the
    # FIN, the summary counts data.
    assert a["bytes_acked"] == info["bytes_acked"] - 2 == MIB << 20, (a, info)
    assert a["retrans_segs"] == info["total_retrans"], (a, info, w["retrans_segs"], tcp_env.counters())
    assert a["rtt_min_us"] == info["min_rtt"], (a, info)
    assert a["retrans_segs"] == sum(a["retrans_" + k] for k in ("rto", "tlp", "fast", "other"))
    # Only A lost anything: every retransmission the namespace counted is
    # in the summary, and in A's row.
    assert sum(r["retrans_segs"] for r in rows) == w["retrans_segs"] == a["retrans_segs"]
    assert a["recoveries"] >= 1 and a["recovery_s"] > 0
    assert a["end_reason"] == "fin" and b["end_reason"] == "fin"
    assert a["bytes_out"] >= MIB << 20 and a["segs_out"] > 0 and a["segs_in"] > 0
    assert a["rtt_min_us"] <= a["rtt_median_us"] <= a["rtt_p99_us"] < 10 ** 7, a  # no wrapped value
    assert 0 < a["cwnd_min"] <= a["cwnd_max"]
    assert a["goodput_bps"] > 0 and a["duration_s"] > 0
    assert b["bytes_acked"] == 4 and b["bytes_in"] == 4 and b["retrans_segs"] == 0
    # Listeners have no row; the accepted ends do.
    assert len(rows) == 4, rows
    # The text table: a header and one row per connection, same figures.
    text = run([c.elog, "-r", c.path, "--summary", "--port", str(w["ca"]), "--port", str(w["cb"])]).stdout.splitlines()
    head = text[0].split()
    assert len(text) == 5 and head[:3] == ["local", "remote", "log_id"]
    cells = {tuple(l.split()[:2]): dict(zip(head, l.split())) for l in text[1:]}
    for r in rows:
        cell = cells[(r["local"], r["remote"])]
        for k in ("bytes_acked", "retrans_segs", "rtt_min_us", "end_reason", "log_id"):
            assert cell[k] == ("-" if r[k] is None else str(r[k])), (k, cell, r)
    # The names given with TCP_EVENTLOG_LOG_ID (on the clients).
    assert a["log_id"] == "elog-sum-a" and b["log_id"] == "elog-sum-b"
    # Each RETRANSMIT_REASON names exactly the bytes of segments A sent
    # again (their OUTs, taken at egress, one per segment of a GSO skb):
    # rsm_start..rsm_end is seq..seq+len (one more for a FIN) of one OUT
    # or of several back to back.
    (sa,) = [s for s, (_, sport, _, _) in c.conn.items() if sport == w["ca"]]
    outs = {}
    for e in c.events:
        f = e["fields"]
        if e["session"] == sa and e["event"] == "OUT" and f["len"]:
            outs.setdefault(f["seq"], set()).add((f["seq"] + f["len"] + ("FIN" in f["flags"])) & 0xffffffff)

    def sent_again(f):
        at = f["rsm_start"]
        for _ in range(64):
            if at == f["rsm_end"]:
                return True
            ends = [x for x in outs.get(at, ()) if 0 < (x - at) & 0xffffffff <= (f["rsm_end"] - at) & 0xffffffff]
            if not ends:
                return False
            at = max(ends, key=lambda x: (x - at) & 0xffffffff)
        return False
    rr = [e["fields"] for e in c.events if e["session"] == sa and e["event"] == "RETRANSMIT_REASON"]
    assert rr and all(sent_again(f) for f in rr), [f for f in rr if not sent_again(f)]


SYN_WORKLOAD = r'''
import json, socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
host = "::1" if sys.argv[1] == "6" else "127.0.0.1"
l = socket.socket(fam, socket.SOCK_STREAM)
l.bind((host, 0))
l.listen(1)
c = socket.create_connection(l.getsockname()[:2], timeout=10)
a, _ = l.accept()
c.sendall(b"x")
assert a.recv(1) == b"x"
info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
print(json.dumps({"cport": c.getsockname()[1], "info": info.hex()}), flush=True)
c.close(); a.close(); l.close()
'''


@pytest.mark.parametrize("fam", [4, 6])
def test_syn_retransmission(tcp_env, netns, fam):
    """The first SYN is dropped: Linux retransmits it after its timeout
    (counted in total_retrans and TCPTimeouts); the client's log has that
    RTO and one RETRANSMIT_REASON for the SYN (iss..iss+1)."""
    need_nft()
    tcp_env.ctl.set(DEFAULT, 1)
    cap = tcp_env.capture("syn%d.elog" % fam, "TRACE", extra=["-b", "8M"])
    with nft_dropping(netns, "elogsyn", "tcp flags & (syn | ack) == syn numgen inc mod 2 0 drop"):
        p = run(["ip", "netns", "exec", netns, PYTHON, "-c", SYN_WORKLOAD, str(fam)])
    cap.stop()
    w = json.loads(p.stdout.strip().splitlines()[-1])
    assert tcp_info(w["info"])["total_retrans"] == 1
    c = Decoded(os.path.join(tcp_env.bindir, "elog"), cap.path)
    (sc,) = [s for s, (_, sport, _, _) in c.conn.items() if sport == w["cport"]]
    mine = [e for e in c.events if e["session"] == sc]
    (iss,) = {e["fields"]["iss"] for e in mine if e["event"] == "CONN_PARAMS"}
    rr = [e["fields"] for e in mine if e["event"] == "RETRANSMIT_REASON"]
    assert [(f["rsm_start"], f["rsm_end"]) for f in rr] == [(iss, (iss + 1) & 0xffffffff)], rr
    assert [e["fields"]["timeout_num"] for e in mine if e["event"] == "RTO"] == [1]
    (row,) = [r for r in c.summary() if r["local"].endswith(":%d" % w["cport"])]
    assert row["retrans_segs"] == 1 and row["rtos"] == 1, row


def test_selectors(tcp_env, netns):
    c, w = capture_loss(tcp_env, netns, 4)
    ev_kw = {name: TCP.keywords[eid] for name, eid in TCP.ids.items()}
    kw = TCP.keyword
    ca, cb = w["ca"], w["cb"]

    def sessions(pred):
        return {s for s, t in c.conn.items() if pred(t)}

    a_both = sessions(lambda t: ca in (t[1], t[3]))
    b_both = sessions(lambda t: cb in (t[1], t[3]))
    a_client = sessions(lambda t: t[1] == ca)
    assert len(a_both) == 2 and len(b_both) == 2 and len(a_client) == 1

    def check(args, expected):
        got = c.select(*args).stdout.splitlines()
        assert got == expected, (args, len(got), len(expected))
        return got

    # A port: both ends of that connection, every one of their events,
    # those before the addresses and those that carry none.
    got = check(["--port", str(ca)], c.lines_of(a_both))
    names = {json.loads(l)["event"] for l in got}
    assert {"SESSION_CREATE", "TIMER_START", "RETRANSMIT_REASON", "SESSION_END"} <= names
    # A session id.
    (sa,) = a_client
    check(["--session", str(sa)], c.lines_of({sa}))
    # Endpoints: the 4-tuple either way round, one end, an address alone.
    (lport,) = {t[3] for s, t in c.conn.items() if s in a_client}
    check(["--conn", "127.0.0.1:%d-127.0.0.1:%d" % (lport, ca)], c.lines_of(a_both))
    check(["--conn", "127.0.0.1:%d" % cb], c.lines_of(b_both))
    check(["--conn", "::ffff:127.0.0.1"], c.lines_of(sessions(lambda t: "127.0.0.1" in (t[0], t[2]))))
    # Listener and accepted ends share the listening port.
    check(["--port", str(lport)], c.lines_of(sessions(lambda t: lport in (t[1], t[3]))))
    # Event names and keywords, and combinations with connections.
    check(["--port", str(ca), "--event", "RETRANSMIT_REASON,ENTER_RECOVERY"],
          c.lines_of(a_both, lambda e: e["event"] in ("RETRANSMIT_REASON", "ENTER_RECOVERY")))
    check(["--keyword", "RTT", "--event", "SESSION_END", "--port", str(cb), "--port", str(ca)],
          c.lines_of(a_both | b_both, lambda e: ev_kw[e["event"]] & kw["RTT"] or e["event"] == "SESSION_END"))
    check(["--session", str(sa), "--port", str(ca)], c.lines_of({sa}))
    # Nothing matches: said, and exit 1.
    p = c.select("--session", str(sa), "--port", str(cb), check=False)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr == "elog: no connection in the capture matches --session %d --port %d\n" % (sa, cb)
    p = c.select("--log-id", "nobody", check=False)
    assert p.returncode == 1 and "no connection in the capture matches --log-id nobody" in p.stderr
    # The summary follows the selection.
    rows = c.summary("--port", str(ca))
    assert sorted(r["session"] for r in rows) == sorted(a_both)
    # Log ids (set on the clients only), alone and with keywords.
    assert c.log_id[next(iter(a_client))] == "elog-sum-a"
    check(["--log-id", "elog-sum-a"], c.lines_of(a_client))
    mask = kw["LOSS"] | kw["CONN"]
    check(["--log-id", "elog-sum-b", "--keyword", "LOSS|CONN"],
          c.lines_of(sessions(lambda t: t[1] == cb), lambda e: ev_kw[e["event"]] & mask))
