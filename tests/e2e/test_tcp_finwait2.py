# SPDX-License-Identifier: BSD-2-Clause
"""A connection closed before its peer's FIN, followed to its end.

close() before the peer's FIN (the common case) orphans the socket; once
the ACK of its FIN arrives, Linux frees it and a FIN_WAIT_2 minisocket
(inet_timewait_sock) carries on: the peer's FIN, the last ACK and the move
to TIME_WAIT happen there, or an RST, data that the minisocket answers
with an RST, or the FIN_WAIT_2 timeout. The log must follow the connection
through all of that and end its session then (docs/linux-mapping.md,
Sessions). Checked against the kernel: every segment the namespace's
counters count (InSegs, OutSegs, OutRsts) is an IN or OUT of the log,
each of the minisocket's segments is its peer's OUT or IN, and at the
quiet points `ss -tno` shows the state the log has (FIN-WAIT-2 with the
timewait timer: the session still open, its TWOMSL timer running;
TIME-WAIT or gone: the session ended). Cubic set per socket
(TCP_CONGESTION) and the namespace's default, bbr; IPv4 and IPv6."""
import json
import os
import subprocess
import time

import pytest

from lib.proc import PYTHON, need, run, wait_for
from lib.elogfile import read_capture
from lib.tcp import (IN, OUT, SESSION_END, TH_ACK, TH_FIN, TH_RST, TIMER_CANCEL, TIMER_FIRED,
                     TIMER_PROCESSED, TIMER_START, conn_ports, seg, sessions_by_port_any)

DEFAULT = "kern.eventlog.tcp.default"
TWOMSL = 7  # schemas/tcp.src TIMER_REASON
# schemas/tcp.src tcp_state
FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT = 6, 9, 10

# Run inside the test's namespace: argv mode, family (4/6), cc ("cubic" set
# per socket, "default" for the namespace's). Prints JSON: the ports, the
# namespace's Tcp counters and the boot-clock time (us) at the start and
# the end, and `ss -tnoaH` at each quiet point with its time.
WORKLOAD = r'''
import json, socket, struct, subprocess, sys, time
mode, fam, cc = sys.argv[1], sys.argv[2], sys.argv[3]
af = socket.AF_INET6 if fam == "6" else socket.AF_INET
host = "::1" if fam == "6" else "127.0.0.1"

def now_us():
    return time.clock_gettime_ns(time.CLOCK_BOOTTIME) // 1000

def snmp():
    with open("/proc/net/snmp") as f:
        k, v = [l.split() for l in f if l.startswith("Tcp:")]
    return {n: int(v[k.index(n)]) for n in ("InSegs", "OutSegs", "OutRsts")}

def ss():
    return subprocess.run(["ss", "-tnoaH"], check=True, capture_output=True, text=True).stdout

def client_state(text, cport):
    for line in text.splitlines():
        w = line.split()
        if len(w) >= 5 and w[3].rsplit(":", 1)[1] == str(cport):
            return w[0]
    return None

def until(cport, want):
    """Waits for the client's socket to be in state want (None: gone)."""
    for _ in range(500):
        text = ss()
        if client_state(text, cport) == want:
            out["quiet"].append({"t": now_us(), "ss": text, "want": want})
            return
        time.sleep(0.01)
    raise AssertionError("client never reached %s: %s" % (want, text))

out = {"quiet": []}
out["snmp0"], out["t0"] = snmp(), now_us()
l = socket.socket(af, socket.SOCK_STREAM)
l.bind((host, 0))
l.listen(1)
c = socket.socket(af, socket.SOCK_STREAM)
if cc == "cubic":
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic")
if mode == "timeout":
    # The FIN_WAIT_2 timeout of this socket: 1 s (tcp_fin_time()).
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_LINGER2, 1)
c.connect((host, l.getsockname()[1]))
a, _ = l.accept()
if cc == "cubic":
    a.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic")
out["lport"], out["cport"] = l.getsockname()[1], c.getsockname()[1]
out["cc"] = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()
c.sendall(b"q" * 100)
assert len(a.recv(1000)) == 100
a.sendall(b"r" * 300)
got = 0
while got < 300:
    got += len(c.recv(1000))
# Closed first: FIN_WAIT_1, and FIN_WAIT_2 (a minisocket) once the peer
# has acknowledged the FIN.
c.close()
until(out["cport"], "FIN-WAIT-2")
time.sleep(0.1)
if mode == "fin":
    a.close()
    until(out["cport"], "TIME-WAIT")
elif mode == "data":
    # Data after close: the minisocket answers with an RST and is gone.
    a.sendall(b"d" * 50)
    until(out["cport"], None)
elif mode == "rst":
    a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    a.close()
    until(out["cport"], None)
elif mode == "timeout":
    until(out["cport"], None)
time.sleep(0.1)
out["snmp1"], out["t1"] = snmp(), now_us()
# Closed after the count: in "timeout" its FIN meets no socket.
if mode in ("data", "timeout"):
    a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    a.close()
l.close()
time.sleep(0.05)
print(json.dumps(out), flush=True)
'''


def segments(recs, session):
    return [(r.id, seg(r.payload), r.payload[20 if r.id == IN else 24], r) for r in recs
            if r.session == session and r.id in (IN, OUT)]


def run_workload(env, mode, fam, cc):
    ns = env.traffic.ns
    need(os.access("/usr/bin/ss", os.X_OK), "ss (iproute2) is needed")
    if cc == "default":
        # The namespace's default, set here so the test does not depend on
        # the host's.
        run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.tcp_congestion_control=bbr"])
    env.ctl.set(DEFAULT, 1)
    active0 = env.counters()["sessions_active"]
    cap = env.capture("fw2%s%s%s.elog" % (mode, fam, cc), "TRACE", extra=["-b", "16M"])
    p = run(["ip", "netns", "exec", ns, PYTHON, "-c", WORKLOAD, mode, str(fam), cc])
    w = json.loads(p.stdout.strip().splitlines()[-1])
    # Every session of the workload has ended (the listener, the server
    # and the client, whose last part may be a minisocket).
    ended = wait_for(lambda: env.counters()["sessions_active"] == active0, timeout=5)
    left = env.counters()
    # Stopped first, so that a failure leaves the whole capture behind
    # (the stop itself ends sessions still followed: counted before).
    cap.stop()
    assert ended, (left, active0, cap.path)
    assert w["cc"] == ("cubic" if cc == "cubic" else "bbr"), w["cc"]
    hdr, _, recs = read_capture(cap.path)
    assert hdr["dropped"] == 0
    found = sessions_by_port_any(recs, w["lport"], [w["cport"]])
    assert len(found["clients"]) == len(found["servers"]) == 1 and found["listener"], found
    return w, found, recs


@pytest.mark.parametrize("fam", [4, 6])
@pytest.mark.parametrize("cc", ["cubic", "default"])
@pytest.mark.parametrize("mode", ["fin", "data", "rst", "timeout"])
def test_close_followed_through_fin_wait_2(tcp_env, mode, fam, cc):
    w, found, recs = run_workload(tcp_env, mode, fam, cc)
    (client,), (server,) = found["clients"], found["servers"]
    what = (mode, fam, cc)
    # The namespace holds the workload's sockets only: every segment the
    # kernel counted between t0 and t1 is one IN and one OUT of the log
    # (the listener's session has the SYN, the SYN-ACK and the final ACK).
    ours = {client, server, found["listener"]}
    window = [r for r in recs if r.session in ours and w["t0"] <= r.ts <= w["t1"]]
    d = {k: w["snmp1"][k] - w["snmp0"][k] for k in w["snmp0"]}
    ins = sum(1 for r in window if r.id == IN)
    outs = [r for r in window if r.id == OUT]
    assert (ins, len(outs)) == (d["InSegs"], d["OutSegs"]), \
        (what, d, ins, len(outs), [(r.session, r.ts, r.id, seg(r.payload)) for r in window if r.id in (IN, OUT)],
         [(r.session, r.ts, r.id) for r in recs if r.session in ours and r.id not in (IN, OUT)][-12:])
    assert sum(1 for r in outs if seg(r.payload)[2] & TH_RST) == d["OutRsts"], (what, d)

    cs, ss_ = segments(recs, client), segments(recs, server)
    # The client's FIN: sent in FIN_WAIT_1, acknowledged there.
    fin = [i for i, (k, s, _st, _r) in enumerate(cs) if k == OUT and s[2] & TH_FIN]
    assert len(fin) == 1, (what, cs)
    fin_seq = cs[fin[0]][1][0]
    acked = [i for i, (k, s, st, _r) in enumerate(cs)
             if k == IN and i > fin[0] and s[1] == fin_seq + 1 and st == FIN_WAIT_1]
    assert acked, (what, [(k, s, st) for k, s, st, _r in cs])
    # What the client's minisocket received and sent (everything after the
    # ACK of its FIN), and its peer's records of the same segments.
    after = [(k, s, st) for k, s, st, _r in cs[acked[0] + 1:]]
    peer = {(k, s) for k, s, _st, _r in ss_}
    for k, s, st in after:
        assert (OUT if k == IN else IN, s) in peer, ("not the peer's", what, k, s, ss_)
        if k == IN:
            assert st == FIN_WAIT_2, ("an IN of the minisocket meets FIN_WAIT_2", what, after)
    kinds = [(k, s[2] & (TH_FIN | TH_RST | TH_ACK), st) for k, s, st in after]
    if mode == "fin":
        assert kinds == [(IN, TH_FIN | TH_ACK, FIN_WAIT_2), (OUT, TH_ACK, TIME_WAIT)], (what, after)
    elif mode == "data":
        assert [(k, f & TH_RST) for k, f, _st in kinds] == [(IN, 0), (OUT, TH_RST)], (what, after)
        assert after[0][1][3] == 50, (what, after)
    elif mode == "rst":
        assert [(k, f & TH_RST) for k, f, _st in kinds] == [(IN, TH_RST)], (what, after)
    else:
        assert after == [], (what, after)

    # The client's session: its TWOMSL timer (the FIN_WAIT_2 timeout)
    # started as the minisocket took over; its end as the kernel had it,
    # then SESSION_END, last.
    mine = [r for r in recs if r.session == client]
    assert mine[-1].id == SESSION_END, (what, [r.id for r in mine[-6:]])
    timers = [(r.id, r.payload[8] if r.id == TIMER_START else r.payload[0]) for r in mine
              if r.id in (TIMER_START, TIMER_CANCEL, TIMER_FIRED, TIMER_PROCESSED)]
    tw = [t for t in timers if t[1] == TWOMSL]
    assert tw[:1] == [(TIMER_START, TWOMSL)], (what, tw)
    ends = {"fin": [], "data": [(TIMER_CANCEL, TWOMSL)], "rst": [(TIMER_CANCEL, TWOMSL)],
            "timeout": [(TIMER_FIRED, TWOMSL), (TIMER_PROCESSED, TWOMSL)]}
    assert tw[1:] == ends[mode], (what, tw)
    end_ts = mine[-1].ts
    # Quiet points: FIN-WAIT-2 in ss, the session open with TWOMSL running;
    # TIME-WAIT or gone, the session over.
    for q in w["quiet"]:
        if q["want"] == "FIN-WAIT-2":
            assert "timer:(timewait," in [l for l in q["ss"].splitlines() if ":%d " % w["cport"] in l][0], q
            assert end_ts > q["t"], ("ended before FIN_WAIT_2 was over", what, q)
            assert [r for r in mine if r.id == TIMER_START and r.ts <= q["t"]], (what, q)
        else:
            assert end_ts <= q["t"], ("still open at %s" % q["want"], what, q, end_ts)


def test_capture_end_ends_followed_sessions(tcp_env):
    """A minisocket is followed only while somebody captures (its hooks are
    the per-packet ones): when the last capture stops, a connection still in
    FIN_WAIT_2 ends its session, and none is left counted as active."""
    env = tcp_env
    ns = env.traffic.ns
    env.ctl.set(DEFAULT, 1)
    active0 = env.counters()["sessions_active"]
    cap = env.capture("fw2stop.elog", "TRACE")
    script = r'''
import json, socket, subprocess, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.socket(); c.connect(l.getsockname()); a, _ = l.accept()
c.close()
for _ in range(500):
    if "FIN-WAIT-2" in subprocess.run(["ss", "-tnoaH"], capture_output=True, text=True).stdout:
        break
    time.sleep(0.01)
print(json.dumps({"cport": a.getpeername()[1]}), flush=True)
sys.stdin.read()
a.close(); l.close()
'''
    p = subprocess.Popen(["ip", "netns", "exec", ns, PYTHON, "-c", script], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    env.procs.append(p)
    assert p.stdout.readline(), "workload died"
    # The listener, the server and the client's minisocket.
    assert env.counters()["sessions_active"] == active0 + 3, (env.counters(), active0)
    cap.stop()
    # The client's session ended with the capture; the others are open.
    assert wait_for(lambda: env.counters()["sessions_active"] == active0 + 2, timeout=5), \
        (env.counters(), active0)
    p.stdin.close()
    p.wait(timeout=10)
    assert wait_for(lambda: env.counters()["sessions_active"] == active0, timeout=5), \
        (env.counters(), active0)


def test_namespace_end_ends_followed_session(tcp_env):
    """A namespace deleted while a connection of it is in FIN_WAIT_2: Linux
    purges the minisocket (its timer stopped outside any segment's
    processing), and the session ends with TIMER_CANCEL, SESSION_END."""
    env = tcp_env
    need(os.access("/usr/sbin/nft", os.X_OK), "nft (nftables) is needed to drop segments")
    env.ctl.set(DEFAULT, 1)
    ns = "elogfw2%d" % os.getpid()
    run(["ip", "netns", "add", ns])
    try:
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        active0 = env.counters()["sessions_active"]
        cap = env.capture("fw2purge.elog", "TRACE")
        # The server's RST is dropped, so the minisocket stays in FIN_WAIT_2
        # until the namespace goes (an orphan in LAST_ACK would keep the
        # namespace alive; a minisocket does not).
        script = r'''
import json, socket, struct, subprocess, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.socket(); c.connect(l.getsockname()); a, _ = l.accept()
cport = c.getsockname()[1]
c.close()
for _ in range(500):
    if "FIN-WAIT-2" in subprocess.run(["ss", "-tnoaH"], capture_output=True, text=True).stdout:
        break
    time.sleep(0.01)
subprocess.run(["nft", "-f", "-"], check=True, text=True, input=
    "table inet elogfw2 {\n  chain in { type filter hook input priority 0; policy drop; }\n}\n")
a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
a.close(); l.close()
print(json.dumps({"cport": cport}), flush=True)
'''
        w = json.loads(run(["ip", "netns", "exec", ns, PYTHON, "-c", script]).stdout.strip().splitlines()[-1])
        time.sleep(0.2)
        run(["ip", "netns", "del", ns])
        ns = None
        assert wait_for(lambda: env.counters()["sessions_active"] == active0, timeout=10), \
            (env.counters(), active0)
        cap.stop()
    finally:
        if ns:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    _, _, recs = read_capture(cap.path)
    client = {r.session for r in recs if conn_ports(r) and conn_ports(r)[0] == w["cport"]}
    assert len(client) == 1, client
    mine = [r for r in recs if r.session in client]
    tail = [(r.id, r.payload[8] if r.id == TIMER_START else r.payload[0] if r.id != SESSION_END else None)
            for r in mine if r.id in (TIMER_START, TIMER_CANCEL, TIMER_FIRED, SESSION_END)][-3:]
    assert tail == [(TIMER_START, TWOMSL), (TIMER_CANCEL, TWOMSL), (SESSION_END, None)], tail
