# SPDX-License-Identifier: BSD-2-Clause
"""Malformed TCP_EVENTLOG arguments (docs/linux-mapping.md, "TCP_EVENTLOG (81)"), from an
unprivileged process inside a network namespace: every malformed call fails
with EINVAL and changes nothing, on that socket or any other.

What the provider can answer and what the kernel answers first:
* setsockopt with optlen 0..3 (NULL optval included when optlen is 0):
  EINVAL from the provider's cgroup/setsockopt program.
* setsockopt with a negative optlen: EINVAL from the kernel's own check.
* setsockopt with a NULL optval and optlen 4: the kernel copies optval in
  before any cgroup hook runs, so the caller gets EFAULT, as for every
  socket option; the provider never sees the call.
* getsockopt with optlen 0..3: EINVAL.
* larger optlen (8) is accepted and reads the first int, as Linux does for
  its own int options (FreeBSD's sooptcopyin too).
"""
import errno
import json
import os
import struct

from lib.proc import NOBODY, PYTHON, need, run
from lib.elogfile import read_capture
from lib.tcp import CONN_OWNER, CONN_PARAMS, CONN_SET_IP_V4, SESSION_CREATE, ports_v4

PROBE = r'''
import ctypes, errno, json, socket
libc = ctypes.CDLL(None, use_errno=True)
libc.setsockopt.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.getsockopt.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
TCP, OPT = socket.IPPROTO_TCP, 81

def sset(s, val, optlen, null=False):
    buf = (ctypes.c_int * 4)(val, 0, 0, 0)
    r = libc.setsockopt(s.fileno(), TCP, OPT, None if null else ctypes.addressof(buf), optlen)
    return "ok" if r == 0 else errno.errorcode[ctypes.get_errno()]

def sget(s, optlen=4):
    buf = (ctypes.c_int * 4)(-7, -7, -7, -7)
    n = ctypes.c_int(optlen)
    r = libc.getsockopt(s.fileno(), TCP, OPT, ctypes.addressof(buf), ctypes.addressof(n))
    return buf[0] if r == 0 else errno.errorcode[ctypes.get_errno()]

l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(8)
lport = l.getsockname()[1]
on, off, t = socket.socket(), socket.socket(), socket.socket()
# Explicit states: whatever the provider's default is, on is enabled and
# off and t are disabled before they connect.
enable_on = [sset(on, 1, 4), sset(off, 0, 4), sset(t, 0, 4)]
for s in (on, off, t):
    s.connect(("127.0.0.1", lport))
accepted = [l.accept()[0] for _ in range(3)]
res = {"pid": __import__("os").getpid(), "enable_on": enable_on, "lport": lport, "ports": {k: s.getsockname()[1] for k, s in (("on", on), ("off", off), ("t", t))}}
bad = {}
for v in (1, 0):
    for n in (0, 1, 2, 3):
        bad[f"set{v}_len{n}"] = sset(t, v, n)
    bad[f"set{v}_len-1"] = sset(t, v, -1)
    bad[f"set{v}_null_len0"] = sset(t, v, 0, null=True)
    bad[f"set{v}_null_len4"] = sset(t, v, 4, null=True)
for n in (0, 1, 2, 3):
    bad[f"get_len{n}"] = sget(t, n)
res["bad_on_disabled"] = bad
res["after_bad"] = {"on": sget(on), "off": sget(off), "t": sget(t)}
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
res["udp"] = sset(u, 1, 4)
# A well-formed call still works on the socket that took the bad ones.
res["enable_t"] = sset(t, 1, 8)
res["t_enabled"] = sget(t)
bad2 = {f"set0_len{n}": sset(t, 0, n) for n in (0, 1, 2, 3)}
bad2["set0_null_len0"] = sset(t, 0, 0, null=True)
res["bad_on_enabled"] = bad2
res["after_bad2"] = {"on": sget(on), "off": sget(off), "t": sget(t)}
t.sendall(b"x"); accepted[2].recv(1)
for s in [on, off, t, u, l] + accepted:
    s.close()
print(json.dumps(res))
'''


def test_malformed_tcp_eventlog_is_einval_and_isolated(exclusive_provider, tcp_env):
    exclusive_provider("tcp")  # no other test run unloads it meanwhile
    env = tcp_env
    need(os.access(PYTHON, os.X_OK), PYTHON + " is needed for the workload")
    cap = env.capture("sockopt.elog", "TRACE")
    p = run(["ip", "netns", "exec", env.traffic.ns] + NOBODY + [PYTHON, "-c", PROBE])
    cap.stop()
    r = json.loads(p.stdout.strip().splitlines()[-1])

    assert r["enable_on"] == ["ok"] * 3, r
    einval = errno.errorcode[errno.EINVAL]
    for v in (1, 0):
        for n in (0, 1, 2, 3):
            assert r["bad_on_disabled"][f"set{v}_len{n}"] == einval, (v, n, r)
        assert r["bad_on_disabled"][f"set{v}_len-1"] == einval
        assert r["bad_on_disabled"][f"set{v}_null_len0"] == einval
        # The kernel's answer before any hook: see the module docstring.
        assert r["bad_on_disabled"][f"set{v}_null_len4"] == errno.errorcode[errno.EFAULT]
    for n in (0, 1, 2, 3):
        assert r["bad_on_disabled"][f"get_len{n}"] == einval, (n, r)
    assert r["after_bad"] == {"on": 1, "off": 0, "t": 0}, "no socket changed"
    assert r["udp"] == errno.errorcode[errno.ENOPROTOOPT], "not a TCP socket: Linux's answer"
    assert r["enable_t"] == "ok" and r["t_enabled"] == 1
    assert set(r["bad_on_enabled"].values()) == {einval}, r["bad_on_enabled"]
    assert r["after_bad2"] == {"on": 1, "off": 0, "t": 1}, "no socket changed"

    # The capture agrees: the enabled client and the target (enabled once,
    # by the well-formed call) are logged; the other client never is.
    _, _, recs = read_capture(cap.path)
    ports = r["ports"]
    sess = {}
    for rec in recs:
        if rec.id == CONN_SET_IP_V4:
            _, sport, _, dport = ports_v4(rec.payload)
            if dport == r["lport"] and sport in ports.values():
                sess.setdefault(sport, set()).add(rec.session)
    assert set(sess) == {ports["on"], ports["t"]}, sess
    t_ip = [rec for rec in recs if rec.id == CONN_SET_IP_V4 and ports_v4(rec.payload)[1] == ports["t"]
            and ports_v4(rec.payload)[3] == r["lport"]]
    assert len(t_ip) == 1, "t's state once, from the well-formed call: the malformed ones enabled nothing"
    first = next(rec for rec in recs if rec.session == t_ip[0].session)
    assert first.id == SESSION_CREATE, "its session starts with SESSION_CREATE"
    # Enabling an established socket emits its state, in this order
    # (docs/linux-mapping.md, TCP_EVENTLOG): SESSION_CREATE, its
    # addresses, CONN_PARAMS (synchronized), CONN_OWNER, and only then
    # anything else (its segments).
    t_recs = [rec for rec in recs if rec.session == t_ip[0].session]
    names = {SESSION_CREATE: "SESSION_CREATE", CONN_SET_IP_V4: "CONN_SET_IP_V4", CONN_PARAMS: "CONN_PARAMS",
             CONN_OWNER: "CONN_OWNER"}
    head = [names.get(rec.id, rec.id) for rec in t_recs[:4]]
    assert head == ["SESSION_CREATE", "CONN_SET_IP_V4", "CONN_PARAMS", "CONN_OWNER"], \
        [names.get(rec.id, rec.id) for rec in t_recs]
    assert [rec.id for rec in t_recs].count(CONN_PARAMS) == 1 and [rec.id for rec in t_recs].count(CONN_OWNER) == 1
    # The state describes t itself: its addresses, and the prober as owner.
    _, sport, _, dport = ports_v4(t_recs[1].payload)
    assert (sport, dport) == (ports["t"], r["lport"])
    owner = struct.unpack("<i", t_recs[3].payload)[0]
    assert owner == r["pid"], (owner, r["pid"])
