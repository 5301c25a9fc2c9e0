# SPDX-License-Identifier: BSD-2-Clause
"""Soak: many short TCP connections under two captures,
every fourth one ended by RST.

SOAK_CONNECTIONS connections (default 10,000: about 8 s here, so CI runs
the full soak on both builds); bench/soak.sh runs it on its own, any
count, and prints the measurements recorded in docs/RELIABILITY.md.

Checked, exactly:
* sessions_active returns to its value before the workload, and every
  session of the workload (told apart by CONN_OWNER = the workload's pid)
  has its SESSION_CREATE and SESSION_END in the lossless capture: N client
  and N server sessions, one listener; every RST-closed client sent a RST.
* A lossless capture (A, 4 MiB ring) and a lossy one (B, 128 KiB ring,
  stopped with SIGSTOP three times during the workload). For both: header
  event_count == records in the file == `elog -s` "Events received", and
  header dropped_events == "Dropped events". B lost events (dropped > 0)
  and its accounting is exact against A: with the provider's default 0
  (set under the tcp test lock) A holds the workload's sessions only,
  every record B holds is in A, and B's header dropped_events equals the
  number of the workload's events A holds and B lacks, which is all A
  holds beyond B's records (same filter; the workload runs inside B's
  window).
* elog's memory stays bounded: its anonymous memory (heap; the ring
  mappings are not anonymous) grows by less than 32 MiB between 30 % and
  100 % of the workload (the reorder window's arena grows to the largest
  burst, by doubling; under ASan the blocks it leaves sit in the
  quarantine), and its peak (VmHWM) stays below 256 MiB. On the ASan
  build LeakSanitizer also checks every allocation at exit: a leak makes
  elog exit non-zero, which fails the test.
"""
import collections
import json
import os
import signal
import struct
import subprocess
import time

from lib.proc import PYTHON, Capture, need, wait_for
from lib.elogfile import read_capture
from lib.tcp import CONN_OWNER, CONN_SET_IP_V4, OUT, SESSION_CREATE, SESSION_END, TH_RST, ports_v4, seg
from lib.kernel import status_kb

N = int(os.environ.get("SOAK_CONNECTIONS", "10000"))
RST_EVERY = 4
HEAP_GROWTH_MAX_KB = 32 << 10
HWM_MAX_KB = 256 << 10

WORKLOAD = r'''
import json, os, socket, struct, sys
n, rst_every = int(sys.argv[1]), int(sys.argv[2])
OPT = 81  # TCP_EVENTLOG: the listener's accepted sockets inherit it
l = socket.socket()
l.setsockopt(socket.IPPROTO_TCP, OPT, 1)
l.bind(("127.0.0.1", 0))
l.listen(64)
lport = l.getsockname()[1]
rst_ports, fin_ports = [], []
linger0 = struct.pack("ii", 1, 0)
for i in range(n):
    c = socket.socket()
    c.setsockopt(socket.IPPROTO_TCP, OPT, 1)
    c.connect(("127.0.0.1", lport))
    a, _ = l.accept()
    c.sendall(b"ping")
    assert a.recv(4) == b"ping"
    port = c.getsockname()[1]
    if i % rst_every == 0:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger0)
        c.close()            # abortive: RST
        try:
            a.recv(1)        # ECONNRESET once the RST is in
        except ConnectionResetError:
            pass
        a.close()
        rst_ports.append(port)
    else:
        c.close()
        assert a.recv(1) == b""
        a.close()
        fin_ports.append(port)
    if (i + 1) % max(1, n // 10) == 0:
        print("P", i + 1, flush=True)
        sys.stdin.readline()  # the test has sampled (and stalled B) before we go on
l.close()
print(json.dumps({"pid": os.getpid(), "lport": lport, "rst": rst_ports, "fin": fin_ports}), flush=True)
'''


def stats(stderr):
    """(received, dropped) from `elog -s`."""
    got = {}
    for line in stderr.splitlines():
        k, _, v = line.strip().partition(": ")
        if k in ("Events received", "Dropped events"):
            got[k] = int(v)
    return got["Events received"], got["Dropped events"]


def key(r):
    return (r.session, r.id, r.ts, r.cpu, r.tid, r.payload)


def test_soak_short_connections(exclusive_provider, tcp_env):
    exclusive_provider("tcp")  # serialised with other runs that take the lock
    env = tcp_env
    need(os.access(PYTHON, os.X_OK), PYTHON + " is needed for the workload")
    # The workload enables its own sockets (TCP_EVENTLOG on the listener and
    # each client). Default 0, set explicitly under the provider's test lock
    # (tcp_env): no other socket of the host has a session, so the captures
    # hold the workload's events only, and B's drop count can be exact.
    env.ctl.set("kern.eventlog.tcp.default", 0)
    caps = {}
    for name, buf in (("a", "2M"), ("b", "64K")):
        path = os.path.join(env.tmp, name + ".elog")
        caps[name] = Capture(env.bindir, ["-c", "tcp", "TRACE", "-b", buf, "-s"], output=path,
                             procs=env.procs)
        # The file appears once the capture is subscribed.
        assert wait_for(lambda: os.path.exists(path) or caps[name].proc.poll() is not None, 10)
        assert caps[name].proc.poll() is None, caps[name].stop()
    a, b = caps["a"], caps["b"]
    base = env.counters()["sessions_active"]

    w = subprocess.Popen(["ip", "netns", "exec", env.traffic.ns, PYTHON, "-c", WORKLOAD, str(N),
                          str(RST_EVERY)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    env.procs.append(w)
    mem = {"a": {}, "b": {}}
    # B's consumer stalls (SIGSTOP) during 20-30 %, 50-60 % and 80-90 % of
    # the workload: its ring must overflow there, whatever the speed.
    stall_at = {2 * N // 10: True, 3 * N // 10: False, 5 * N // 10: True, 6 * N // 10: False,
                8 * N // 10: True, 9 * N // 10: False}
    t0 = time.monotonic()
    result = None
    try:
        for line in w.stdout:
            if line.startswith("P "):
                done = int(line.split()[1])
                for name, c in (("a", a), ("b", b)):
                    mem[name][done] = {k: status_kb(c.proc.pid, k) for k in ("RssAnon", "VmRSS", "VmHWM")}
                if done in stall_at:
                    b.proc.send_signal(signal.SIGSTOP if stall_at[done] else signal.SIGCONT)
                w.stdin.write("go\n")
                w.stdin.flush()
            elif line.startswith("{"):
                result = json.loads(line)
    finally:
        b.proc.send_signal(signal.SIGCONT)
    elapsed = time.monotonic() - t0
    assert w.wait(timeout=60) == 0, w.stderr.read()
    assert result and len(result["rst"]) + len(result["fin"]) == N

    # Every socket of the workload is gone: the counter is back.
    assert wait_for(lambda: env.counters()["sessions_active"] == base, 30), \
        "sessions_active %d, baseline %d" % (env.counters()["sessions_active"], base)
    for name, c in (("a", a), ("b", b)):
        mem[name]["end"] = {k: status_kb(c.proc.pid, k) for k in ("RssAnon", "VmRSS", "VmHWM")}
    assert b.stop() == 0, b.stderr  # B's window lies inside A's
    assert a.stop() == 0, a.stderr
    a_err, b_err = a.stderr, b.stderr

    ha, _, ra = read_capture(a.output)
    hb, _, rb = read_capture(b.output)
    for h, recs, err in ((ha, ra, a_err), (hb, rb, b_err)):
        assert h["event_count"] == len(recs)
        assert stats(err) == (len(recs), h["dropped"]), err
    assert ha["dropped"] == 0, "the lossless capture lost events: its ring is too small"
    assert hb["dropped"] > 0, "the stalls did not overflow B's ring"

    # The workload's sessions, complete in A.
    pid = result["pid"]
    mine = {r.session for r in ra if r.id == CONN_OWNER and struct.unpack("<i", r.payload[:4])[0] == pid}
    by_sess = collections.defaultdict(list)
    for r in ra:
        if r.session in mine:
            by_sess[r.session].append(r)
    clients, servers, listeners = {}, {}, []
    for s, recs in by_sess.items():
        ip = [r for r in recs if r.id == CONN_SET_IP_V4]
        assert ip, f"session {s} has no CONN_SET_IP_V4"
        _, sport, _, dport = ports_v4(ip[-1].payload)
        if dport == result["lport"]:
            clients[s] = sport
        elif sport == result["lport"] and dport == 0:
            listeners.append(s)
        else:
            assert sport == result["lport"], (s, sport, dport)
            servers[s] = dport
        ids = [r.id for r in recs]
        assert ids[0] == SESSION_CREATE and ids[-1] == SESSION_END, (s, ids[:3], ids[-3:])
        assert ids.count(SESSION_CREATE) == 1 and ids.count(SESSION_END) == 1, s
    assert len(clients) == N and len(servers) == N and len(listeners) == 1
    rst_sent = {port for s, port in clients.items()
                if any(r.id == OUT and seg(r.payload)[2] & TH_RST for r in by_sess[s])}
    assert rst_sent == set(result["rst"]), "exactly the RST-closed clients sent a RST"

    # B's accounting against A.
    # Default 0 under the lock: A holds the workload's sessions and nothing else.
    foreign = collections.Counter((r.session, r.id) for r in ra if r.session not in mine)
    assert not foreign, ("A holds events of other sessions", foreign.most_common(5))
    a_keys = collections.Counter(key(r) for r in ra)
    b_keys = collections.Counter(key(r) for r in rb)
    assert not b_keys - a_keys, "B holds records A does not"
    a_mine = collections.Counter(key(r) for r in ra if r.session in mine)
    b_mine = collections.Counter(key(r) for r in rb if r.session in mine)
    missing_mine = sum((a_mine - b_mine).values())
    # Exact: B dropped precisely the workload's events it lacks (A is
    # lossless, has the same filter, and every event of A falls inside B's
    # window: the workload starts after B subscribed and its sessions have
    # all ended before B stops).
    assert hb["dropped"] == missing_mine == len(ra) - len(rb), \
        (missing_mine, hb["dropped"], len(ra), len(rb))

    # Memory: bounded, not growing with the number of connections.
    for name in ("a", "b"):
        marks = sorted(k for k in mem[name] if k != "end")
        early = next(k for k in marks if k >= 0.3 * N)
        growth = mem[name]["end"]["RssAnon"] - mem[name][early]["RssAnon"]
        assert growth < HEAP_GROWTH_MAX_KB, (name, mem[name])
        assert mem[name]["end"]["VmHWM"] < HWM_MAX_KB, (name, mem[name])

    report = os.environ.get("SOAK_REPORT")
    if report:
        with open(report, "w") as f:
            json.dump({"connections": N, "rst": len(result["rst"]), "workload_s": round(elapsed, 1),
                       "a": {"events": len(ra), "dropped": ha["dropped"], "ring": "2 MiB/CPU"},
                       "b": {"events": len(rb), "dropped": hb["dropped"], "ring": "64 KiB/CPU",
                             "workload_events_missing": missing_mine},
                       "workload_sessions": len(mine), "sessions_active_baseline": base,
                       "memory_kb": mem}, f, indent=1)
