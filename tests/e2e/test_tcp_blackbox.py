# SPDX-License-Identifier: BSD-2-Clause
"""The black box with the TCP provider, real traffic in a namespace: the
RTO, RST and retransmission triggers, the socket options (mode, dump, dump
by log id, application records), auto_ratio over real connections and by
log id, and who may do what. The framework's modes and limits are checked
exactly with the test provider in test_blackbox.py."""

import json
import os
import struct
import subprocess
import time

from lib.proc import PYTHON, run, wait_for
from lib.elogfile import read_capture
from lib.tcp import IN, RTO, SCRIPT_LIB, TH_RST, seg
from lib.blackbox import BLACKBOX_DUMP_ID, MODE, REASON, dump_info, splitmix64
from lib.net import need_nft, netstat, stall_under_drop

P = "net.inet.tcp.eventlog."
DEFAULT = "kern.eventlog.tcp.default"
RTO_REASON, RST_REASON, RXT_REASON = 16, 17, 18
APP_LOG = 900

# The socket options (include/eventlog/tcp.h).
SOCKOPTS = SCRIPT_LIB + r'''
import errno, json, os, socket, struct, sys, time
TCP_EVENTLOG, TCP_EVENTLOG_LOG_ID, MODE, DUMP, DUMP_ID, APP = 81, 82, 83, 84, 85, 86
SO_COOKIE = 57

def cookie(s):
    return struct.unpack("<Q", s.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]

def enabled(s):
    return struct.unpack("<i", s.getsockopt(socket.IPPROTO_TCP, TCP_EVENTLOG, 4))[0]

def try_set(s, opt, val):
    try:
        s.setsockopt(socket.IPPROTO_TCP, opt, val)
        return 0
    except OSError as e:
        return e.errno

def try_get(s, opt, n=4):
    try:
        return s.getsockopt(socket.IPPROTO_TCP, opt, n)
    except OSError as e:
        return e.errno

def pair(l):
    c = socket.create_connection(l.getsockname())
    a, _ = l.accept()
    return c, a

def out(**kw):
    print(json.dumps(kw), flush=True)

l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1024)
lport = l.getsockname()[1]
mode = sys.argv[1]
'''

WORKLOADS = {
    # A connection that goes quiet under a drop rule the test adds: the
    # client's data is retransmitted by RTOs until the rule goes.
    "stall": r'''
c, a = pair(l)
c.sendall(b"x" * 100); a.recv(100)
out(lport=lport, cport=c.getsockname()[1], client=cookie(c))
stalled_send(c, a)
c.close(); a.close(); l.close(); time.sleep(0.1)
out(done=1)
''',
    "refused": r'''
port = lport; l.close()
c = socket.socket()
try:
    c.connect(("127.0.0.1", port))
    out(err=0)
except OSError as e:
    out(err=e.errno, cport=c.getsockname()[1], client=cookie(c))
c.close(); time.sleep(0.05)
''',
    "app": r'''
(c1, a1), (c2, a2) = pair(l), pair(l)
rec = struct.pack("<I", 7) + b"checkout done".ljust(60, b"\0")
r = [try_set(c1, APP, rec), try_set(c1, APP, rec[:9]), try_set(c1, APP, b"\0\0"),
     try_set(c1, APP, rec + b"more")]
out(errs=r, c1=cookie(c1), c2=cookie(c2), a1=cookie(a1), a2=cookie(a2))
for s in (c1, a1, c2, a2): s.close()
time.sleep(0.05)
''',
    "options": r'''
c, a = pair(l)
r = {}
r["mode9"] = try_set(c, MODE, struct.pack("<i", 9))
r["mode-1"] = try_set(c, MODE, struct.pack("<i", -1))
r["mode_short"] = try_set(c, MODE, b"\1")
r["dump_continual"] = try_set(c, DUMP, struct.pack("<i", 0))
r["dump_id_noid"] = try_set(c, DUMP_ID, struct.pack("<i", 0))
r["get_dump"] = try_get(c, DUMP)
r["get_app"] = try_get(c, APP)
r["tail"] = try_set(c, MODE, struct.pack("<i", 1))
r["get_mode"] = struct.unpack("<i", try_get(c, MODE))[0]
r["enabled"] = enabled(c)
r["dump_tail"] = try_set(c, DUMP, struct.pack("<i", 0))
sys.stdout.write(json.dumps(r) + "\n"); sys.stdout.flush()
sys.stdin.readline()               # the test switches trigger.request off
r2 = {"dump_off": try_set(c, DUMP, struct.pack("<i", 0)),
      "off": try_set(c, MODE, struct.pack("<i", 0)), "enabled_off": enabled(c),
      "cookie": cookie(c)}
out(**r2)
c.close(); a.close(); l.close()
''',
    # n connection pairs; each socket's cookie and whether it is logged.
    "many": r'''
n = int(sys.argv[2])
socks = []
for _ in range(n):
    socks += list(pair(l))
out(socks=[[cookie(s), enabled(s)] for s in socks], listener=[cookie(l), enabled(l)])
for s in socks: s.close()
''',
    # Pairs named with log ids (two connections per id): on after naming?
    "ids": r'''
ids = sys.argv[2].split(",")
res = []
for name in ids:
    for _ in range(2):
        c, a = pair(l)
        c.setsockopt(socket.IPPROTO_TCP, TCP_EVENTLOG_LOG_ID, name.encode())
        res.append([name, enabled(c)])
        c.close(); a.close()
out(res=res)
''',
    # One connection moving argv[2] bytes, a process at each end (so both
    # CPUs log events of both sessions), then each end asks for its dump.
    "bulk": r'''
c, a = pair(l)
n = int(sys.argv[2])
pid = os.fork()
if pid == 0:
    got = 0
    while got < n:
        b = a.recv(1 << 20)
        if not b:
            break
        got += len(b)
    os._exit(0 if got == n else 1)
buf = b"b" * (1 << 20)
for _ in range(n >> 20):
    c.sendall(buf)
_, st = os.waitpid(pid, 0)
e = [try_set(s, DUMP, struct.pack("<i", 0)) for s in (c, a)]
time.sleep(0.3)
out(received=st == 0, err=e, client=cookie(c), server=cookie(a))
c.close(); a.close()
''',
    # Two named connections in TAIL; one closes; a dump by id from the other.
    "group": r'''
(c1, a1), (c2, a2) = pair(l), pair(l)
for c in (c1, c2):
    c.setsockopt(socket.IPPROTO_TCP, MODE, struct.pack("<i", 1))
    c.setsockopt(socket.IPPROTO_TCP, TCP_EVENTLOG_LOG_ID, b"order-42")
    c.sendall(b"z" * 10)
a1.recv(10); a2.recv(10)
k1, k2 = cookie(c1), cookie(c2)
c2.close(); a2.close(); time.sleep(0.2)
e = try_set(c1, DUMP_ID, struct.pack("<i", 0))
time.sleep(0.3)
out(err=e, c1=k1, c2=k2)
c1.close(); a1.close()
''',
}


def workload(ns, name, *args, user=None, stdin=None):
    argv = ["ip", "netns", "exec", ns]
    if user is not None:
        argv += ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"]
    argv += [PYTHON, "-c", SOCKOPTS + WORKLOADS[name], name] + [str(a) for a in args]
    return argv


def run_workload(ns, name, *args, user=None):
    p = run(workload(ns, name, *args, user=user))
    return json.loads(p.stdout.strip().splitlines()[-1])


def fnv1a(name):
    h = 0xCBF29CE484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001B3) & ((1 << 64) - 1)
    return h


def dumps_of(recs, sid):
    return [dump_info({"payload": r.payload}) for r in recs if r.session == sid and r.id == BLACKBOX_DUMP_ID]


def dump_blocks(recs, sid):
    """[(dump info, [records of the dump])] of session sid, in file order:
    each BLACKBOX_DUMP is followed by its `events` records of the session."""
    out, cur = [], None
    for r in recs:
        if r.session != sid:
            continue
        if r.id == BLACKBOX_DUMP_ID:
            cur = (dump_info({"payload": r.payload}), [])
            out.append(cur)
        elif cur is not None and len(cur[1]) < cur[0]["events"]:
            cur[1].append(r)
    return out


def test_rto_dumps_one_per_timeout_ending_with_the_rto(tcp_env, netns):
    env = tcp_env
    need_nft()
    env.ctl.set(DEFAULT, 1)
    env.ctl.set(P + "mode", MODE["TAIL"])
    env.ctl.set(P + "session_limit", 256)
    env.ctl.set(P + "trigger.retransmits", 2)
    cap = env.capture("rto.elog", "TRACE")
    before = netstat(netns)["TCPTimeouts"]
    info, last = stall_under_drop(netns, env.procs, workload(netns, "stall"), "elogbb")
    assert last == {"done": 1}
    timeouts = netstat(netns)["TCPTimeouts"] - before
    assert wait_for(lambda: env.ctl.get(P + "blackbox.dumps") >= timeouts, 5)
    time.sleep(0.2)
    cap.stop()
    hdr, _, recs = read_capture(cap.path)
    assert hdr["dropped"] == 0
    blocks = dump_blocks(recs, info["client"])
    rto = [(d, rs) for d, rs in blocks if d["reason"] == RTO_REASON]
    rto_events = [r for r in recs if r.session == info["client"] and r.id == RTO]
    assert timeouts >= 2, "the drop did not cause repeated timeouts"
    assert len(rto) == timeouts == len({r.ts for d, rs in rto for r in rs if r.id == RTO}), \
        (len(rto), timeouts, len(rto_events))
    for d, rs in rto:
        assert len(rs) == d["events"] and d["mode"] == MODE["TAIL"]
        # The dump holds the events up to the trigger: the RTO ends it.
        assert RTO in [r.id for r in rs[-3:]], [r.id for r in rs[-5:]]
        assert all(a.ts <= b.ts for a, b in zip(rs, rs[1:]))
    # Retransmissions reaching 2 dump once; when that trigger came while
    # the RTO's dump was still to be made, it was merged into it (counted).
    rxt = sum(1 for d, _ in blocks if d["reason"] == RXT_REASON)
    assert rxt == 1 or (rxt == 0 and env.ctl.get(P + "blackbox.merged") >= 1)


def test_rst_from_a_closed_port_triggers_a_dump(tcp_env, netns):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    env.ctl.set(P + "mode", MODE["TAIL"])
    cap = env.capture("rst.elog", "TRACE")
    info = run_workload(netns, "refused")
    assert info["err"] == 111  # ECONNREFUSED
    assert wait_for(lambda: env.ctl.get(P + "blackbox.dumps") >= 1, 5)
    time.sleep(0.1)
    cap.stop()
    _, _, recs = read_capture(cap.path)
    blocks = [b for b in dump_blocks(recs, info["client"]) if b[0]["reason"] == RST_REASON]
    assert len(blocks) == 1, dumps_of(recs, info["client"])
    d, rs = blocks[0]
    ins = [seg(r.payload) for r in rs if r.id == IN]
    assert ins and ins[-1][2] & TH_RST, "the RST that triggered it is in the dump"


def test_app_record_lands_in_its_own_connection_only(tcp_env, netns):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    cap = env.capture("app.elog", "TRACE")
    # Any user may write into the log of its own connection.
    info = run_workload(netns, "app", user=65534)
    cap.stop()
    # Full record, a short one (text NUL padded), too short, too long.
    assert info["errs"] == [0, 0, 22, 22]
    _, _, recs = read_capture(cap.path)
    apps = [r for r in recs if r.id == APP_LOG]
    assert {r.session for r in apps} == {info["c1"]}
    got = [(struct.unpack_from("<I", r.payload)[0], r.payload[4:].rstrip(b"\0")) for r in apps]
    assert got == [(7, b"checkout done"), (7, b"check")]


def test_socket_options_say_what_is_wrong(tcp_env, netns):
    env = tcp_env
    env.ctl.set(DEFAULT, 0)
    cap = env.capture("opts.elog", "TRACE")
    p = subprocess.Popen(workload(netns, "options"), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    env.procs.append(p)
    r = json.loads(p.stdout.readline())
    EINVAL, EPERM, ENODATA, EOPNOTSUPP = 22, 1, 61, 95
    assert r == {"mode9": EINVAL, "mode-1": EINVAL, "mode_short": EINVAL, "dump_continual": ENODATA,
                 "dump_id_noid": ENODATA, "get_dump": EOPNOTSUPP, "get_app": EOPNOTSUPP, "tail": 0,
                 "get_mode": MODE["TAIL"], "enabled": 1, "dump_tail": 0}, r
    env.ctl.set(P + "trigger.request", 0)
    p.stdin.write("go\n"); p.stdin.flush()
    r2 = json.loads(p.stdout.readline())
    p.wait(timeout=10)
    assert (r2["dump_off"], r2["off"], r2["enabled_off"]) == (EPERM, 0, 0)
    cap.stop()
    _, _, recs = read_capture(cap.path)
    (d,) = dumps_of(recs, r2["cookie"])
    assert d["reason"] == REASON["REQUEST"] and d["events"] > 0


def test_unprivileged_users_cannot_dump_or_change_controls(tcp_env, bindir):
    env = tcp_env
    setpriv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    p = run(setpriv + [os.path.join(bindir, "elogctl"), P + "mode=1"], check=False)
    assert p.returncode == 1 and ("privilege" in p.stderr.lower() or "permission" in p.stderr.lower()), \
        p.stderr
    p = run(setpriv + [os.path.join(bindir, "elog-testgen"), "bbdump", "all"], check=False)
    assert p.returncode == 1, p.stdout
    assert env.ctl.get(P + "mode") == MODE["CONTINUAL"]


def test_auto_ratio_over_real_connections_follows_the_rule(tcp_env, netns):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    env.ctl.set(P + "auto_ratio", 10)
    info = run_workload(netns, "many", 500)
    socks = info["socks"] + [info["listener"]]
    assert len(socks) == 1001
    wrong = [(k, on) for k, on in socks if on != (splitmix64(k) % 10 == 0)]
    assert not wrong, wrong[:10]
    picked = sum(on for _, on in socks)
    assert 50 <= picked <= 150, picked


def test_a_busy_connection_grows_its_buffer_to_session_limit(tcp_env, netns):
    # Both ends' events come from both CPUs: two events can start the same
    # chunk at once, and the second must use the first's chunk, not take
    # the failed insert for global_limit (the buffer would stop growing and
    # be counted as trimmed).
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    env.ctl.set(P + "mode", MODE["TAIL"])
    env.ctl.set(P + "session_limit", 32000)  # 2000 chunks each: far below global_limit
    trimmed, refused = env.ctl.get(P + "blackbox.trimmed"), env.ctl.get(P + "blackbox.refused")
    cap = env.capture("bulk.elog", "TRACE", extra=("-b", "16M"))  # both dumps whole
    info = run_workload(netns, "bulk", 1 << 31)
    cap.stop()
    assert info["received"] and info["err"] == [0, 0], info
    assert env.ctl.get(P + "blackbox.trimmed") - trimmed == 0
    assert env.ctl.get(P + "blackbox.refused") - refused == 0
    hdr, _, recs = read_capture(cap.path)
    assert hdr["dropped"] == 0
    for end in ("client", "server"):
        d = [x for x in dumps_of(recs, info[end]) if x["reason"] == REASON["REQUEST"]]
        # The ring full, plus the identity records kept apart that it
        # no longer holds (at most the 8 kinds the provider lists).
        assert len(d) == 1 and 32000 <= d[0]["events"] <= 32008, (end, d)


def test_connections_sharing_a_log_id_are_in_or_out_together(tcp_env, netns):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    env.ctl.set(P + "auto_ratio", 4)
    names = ["svc-%d" % i for i in range(24)]
    res = run_workload(netns, "ids", ",".join(names))["res"]
    by = {}
    for name, on in res:
        by.setdefault(name, []).append(on)
    for name, ons in by.items():
        assert ons == [int(splitmix64(fnv1a(name)) % 4 == 0)] * 2, (name, ons)
    assert 0 < sum(ons[0] for ons in by.values()) < len(names)


def test_dump_by_log_id_includes_a_closed_connection(tcp_env, netns):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    cap = env.capture("group.elog", "TRACE")
    info = run_workload(netns, "group")
    assert info["err"] == 0
    assert wait_for(lambda: env.ctl.get(P + "blackbox.dumps") >= 2, 5)
    cap.stop()
    _, _, recs = read_capture(cap.path)
    for sid in (info["c1"], info["c2"]):
        (d,) = dumps_of(recs, sid)
        assert d["reason"] == REASON["GROUP"] and d["group"] == fnv1a("order-42") and d["events"] > 0
