# SPDX-License-Identifier: BSD-2-Clause
"""TCP provider end to end: the session filters (net.inet.tcp.eventlog.filter.*).

Every socket of a workload reports its cookie (SO_COOKIE), which is its
session id, so a capture is checked exactly: the sessions of the workload
that have any event at all are the ones the filters select, and each of
those is whole (SESSION_CREATE first, its 4-tuple, the SYN of an active
open, SESSION_END last). Host traffic outside the workload does not
matter. Namespaces, cgroups and addresses are the test's own and go away
even on failure; every control changed is restored (elogctl fixture)."""
import contextlib
import json
import os
import socket
import subprocess
import time

import pytest

from lib.proc import PIN_ROOT, PYTHON, run
from lib.elogfile import read_capture
from lib.blackbox import splitmix64
from lib.tcp import (CONN_OWNER, CONN_SET_IP_V4, CONN_SET_IP_V6, CWND, IN, OUT, RTT, SESSION_CREATE,
                     SESSION_END, TH_SYN, ports_v4, ports_v6, seg)
from lib.kernel import pretend_other_build

DEFAULT = "kern.eventlog.tcp.default"
F = "net.inet.tcp.eventlog.filter."
FILTERS = [F + n for n in ("lport", "rport", "local_prefix", "remote_prefix", "cgroup", "netns")]
CGROUP2 = "/sys/fs/cgroup/unified"

# Listeners and connections from a JSON spec, each socket created in the
# network namespace ("ns", a path) and cgroup ("cg", a directory) it names:
# a socket keeps the ones it was created in, so one process can place
# sockets anywhere. Prints the cookies and 4-tuples; with "hold", keeps the
# connections open, exchanges one message on each per line read, and ends
# at EOF.
WORKLOAD = r'''
import ctypes, json, os, socket, sys
spec = json.loads(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)

def place(ns, cg):
    fd = os.open(ns, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), "setns " + ns)
    os.close(fd)
    if cg:
        with open(os.path.join(cg, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

def cookie(s):
    return int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 57, 8), "little")  # SO_COOKIE

def fam(f):
    return socket.AF_INET6 if f == 6 else socket.AF_INET

def opt(s, v):
    if v is not None:
        s.setsockopt(socket.IPPROTO_TCP, 81, v)  # TCP_EVENTLOG

def ends(s):
    return [list(s.getsockname()[:2]), list(s.getpeername()[:2])]

out = {"pid": os.getpid(), "listeners": {}, "conns": []}
ls = {}
for l in spec["listeners"]:
    place(l["ns"], l.get("cg"))
    s = socket.socket(fam(l["fam"]), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    opt(s, l.get("opt"))
    s.bind((l["addr"], l["port"]))
    s.listen(16)
    ls[l["id"]] = s
    out["listeners"][l["id"]] = cookie(s)
held = []
for c in spec["conns"]:
    place(c["ns"], c.get("cg"))
    s = socket.socket(fam(c["fam"]), socket.SOCK_STREAM)
    opt(s, c.get("opt"))
    if c.get("bind"):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(tuple(c["bind"]))
    s.connect(tuple(c["to"]))
    a, _ = ls[c["l"]].accept()
    s.sendall(b"hello")
    assert a.recv(5) == b"hello"
    a.sendall(b"world")
    assert s.recv(5) == b"world"
    out["conns"].append({"c": cookie(s), "a": cookie(a), "cends": ends(s), "aends": ends(a)})
    if spec.get("hold"):
        held.append((s, a))
    else:
        s.close()
        assert a.recv(1) == b""
        a.close()
print(json.dumps(out), flush=True)
if spec.get("hold"):
    for line in sys.stdin:
        for s, a in held:
            s.sendall(b"x")
            assert a.recv(1) == b"x"
        print("ok", flush=True)
    for s, a in held:
        s.close()
        a.close()
for s in ls.values():
    s.close()
'''


def run_workload(spec):
    p = run([PYTHON, "-c", WORKLOAD, json.dumps(spec)])
    return json.loads(p.stdout.strip().splitlines()[-1])


def cookies(w):
    """name -> cookie of every socket of a workload: L<id>, c<i> (client),
    a<i> (accepted)."""
    out = {"L" + k: v for k, v in w["listeners"].items()}
    for i, c in enumerate(w["conns"]):
        out["c%d" % i] = c["c"]
        out["a%d" % i] = c["a"]
    return out


def addr_bytes(a):
    """An address as CONN_SET_IP carries it: 4 bytes for IPv4 and
    IPv4-mapped IPv6 (the provider reports such a socket as IPv4)."""
    if ":" not in a:
        return socket.inet_pton(socket.AF_INET, a)
    b = socket.inet_pton(socket.AF_INET6, a)
    return b[12:] if b[:12] == b"\0" * 10 + b"\xff\xff" else b


def check_exact(recs, w, want, tag=""):
    """The workload's sessions with events are exactly `want` (names, see
    cookies()), each one whole."""
    names = cookies(w)
    by_cookie = {v: k for k, v in names.items()}
    logged = {}
    for r in recs:
        if r.session in by_cookie:
            logged.setdefault(by_cookie[r.session], []).append(r)
    assert set(logged) == set(want), "%s: logged %s, wanted %s" % (tag, sorted(logged), sorted(want))
    for name, rs in logged.items():
        ids = [r.id for r in rs]
        assert ids[0] == SESSION_CREATE, (tag, name, ids[:6])
        assert ids[-1] == SESSION_END, (tag, name, ids[-6:])
        assert IN in ids and OUT in ids and CONN_OWNER in ids, (tag, name, ids)
        if name.startswith("L"):
            continue
        conn = w["conns"][int(name[1:])]
        (local, lport), (remote, rport) = conn["cends" if name[0] == "c" else "aends"]
        tuples = []
        for r in rs:
            if r.id == CONN_SET_IP_V4:
                tuples.append(ports_v4(r.payload))
            elif r.id == CONN_SET_IP_V6:
                tuples.append(ports_v6(r.payload))
        assert tuples and set(tuples) == {(addr_bytes(local), lport, addr_bytes(remote), rport)}, \
            (tag, name, tuples, conn)
        if name[0] == "c":
            # Decided before the SYN left: the whole handshake is there.
            first_out = next(r for r in rs if r.id == OUT)
            assert seg(first_out.payload)[2] & TH_SYN, (tag, name)


def capture_run(env, name, spec):
    cap = env.capture(name, "TRACE")
    try:
        w = run_workload(spec)
        time.sleep(0.2)
    finally:
        cap.stop()
    _, _, recs = read_capture(cap.path)
    return w, recs


def set_filters(env, **kw):
    """Sets the named filters (lport=..., local_prefix=...) and clears the others."""
    for full in FILTERS:
        env.ctl.set(full, kw.get(full[len(F):], ""))


def ns_path(ns):
    return "/run/netns/" + ns


# ---- ports ----

def test_port_filters_select_exactly(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    ns = ns_path(env.traffic.ns)
    spec = {
        "listeners": [{"id": "5001", "ns": ns, "fam": 4, "addr": "127.0.0.1", "port": 5001},
                      {"id": "5002", "ns": ns, "fam": 6, "addr": "::1", "port": 5002},
                      {"id": "6001", "ns": ns, "fam": 4, "addr": "127.0.0.1", "port": 6001}],
        "conns": [{"l": "5001", "ns": ns, "fam": 4, "bind": ["127.0.0.1", 7001], "to": ["127.0.0.1", 5001]},
                  {"l": "5002", "ns": ns, "fam": 6, "bind": ["::1", 7002], "to": ["::1", 5002]},
                  {"l": "6001", "ns": ns, "fam": 4, "bind": ["127.0.0.1", 7003], "to": ["127.0.0.1", 6001]}],
    }
    # Local ports 5000-5099: the accepted ends on 5001 and 5002, no listener.
    set_filters(env, lport="5000-5099")
    w, recs = capture_run(env, "lport.elog", spec)
    check_exact(recs, w, {"a0", "a1"}, "lport")
    # Remote port 5001 only: the client that connected to it.
    set_filters(env, rport="5001")
    w, recs = capture_run(env, "rport.elog", spec)
    check_exact(recs, w, {"c0"}, "rport")
    # Both (every filter set must match): local 5000-5099 from remote 7002.
    set_filters(env, lport="5000-5099", rport="7002")
    w, recs = capture_run(env, "both.elog", spec)
    check_exact(recs, w, {"a1"}, "lport+rport")
    # Cleared: every socket again, listeners included.
    set_filters(env)
    w, recs = capture_run(env, "none.elog", spec)
    check_exact(recs, w, set(cookies(w)), "no filter")


# ---- address prefixes ----

def test_prefix_filters_select_exactly_v4_and_v6(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    nsname = env.traffic.ns
    for a in ("10.1.0.1/32", "10.1.0.2/32", "10.2.0.1/32"):
        run(["ip", "-n", nsname, "addr", "add", a, "dev", "lo"])
    for a in ("fd00:1::1/128", "fd00:1::2/128", "fd00:2::1/128"):
        run(["ip", "-n", nsname, "addr", "add", a, "dev", "lo", "nodad"])
    ns = ns_path(nsname)
    spec = {
        "listeners": [{"id": "A", "ns": ns, "fam": 4, "addr": "10.2.0.1", "port": 5001},
                      {"id": "B", "ns": ns, "fam": 4, "addr": "10.1.0.1", "port": 5002},
                      {"id": "C", "ns": ns, "fam": 6, "addr": "fd00:2::1", "port": 5003},
                      {"id": "D", "ns": ns, "fam": 6, "addr": "fd00:1::1", "port": 5004},
                      {"id": "E", "ns": ns, "fam": 6, "addr": "::", "port": 5005}],
        "conns": [{"l": "A", "ns": ns, "fam": 4, "bind": ["10.1.0.2", 0], "to": ["10.2.0.1", 5001]},
                  {"l": "B", "ns": ns, "fam": 4, "bind": ["10.2.0.1", 0], "to": ["10.1.0.1", 5002]},
                  {"l": "C", "ns": ns, "fam": 6, "bind": ["fd00:1::2", 0], "to": ["fd00:2::1", 5003]},
                  {"l": "D", "ns": ns, "fam": 6, "bind": ["fd00:2::1", 0], "to": ["fd00:1::1", 5004]},
                  # IPv6 sockets talking IPv4: matched as IPv4.
                  {"l": "E", "ns": ns, "fam": 6, "bind": ["::ffff:10.1.0.2", 0],
                   "to": ["::ffff:10.2.0.1", 5005]}],
    }
    set_filters(env, local_prefix="10.1.0.0/16,fd00:1::/32")
    w, recs = capture_run(env, "local.elog", spec)
    check_exact(recs, w, {"c0", "a1", "c2", "a3", "c4"}, "local_prefix")
    set_filters(env, remote_prefix="10.1.0.2/32, fd00:2::1/128")
    w, recs = capture_run(env, "remote.elog", spec)
    check_exact(recs, w, {"a0", "c2", "a3", "a4"}, "remote_prefix")
    set_filters(env, local_prefix="10.0.0.0/8", remote_prefix="10.2.0.0/16")
    w, recs = capture_run(env, "both.elog", spec)
    check_exact(recs, w, {"c0", "a1", "c4"}, "local+remote")
    # ::/0 is every IPv6 address, IPv4-mapped ones included: every connection.
    set_filters(env, remote_prefix="::/0")
    w, recs = capture_run(env, "all.elog", spec)
    check_exact(recs, w, {n for n in cookies(w) if not n.startswith("L")}, "::/0")


def test_filters_apply_to_the_sessions_auto_ratio_picks(tcp_env):
    """Both narrow the default: a connection is logged when auto_ratio
    picks its session and the filters select it."""
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    env.ctl.set("net.inet.tcp.eventlog.auto_ratio", 2)
    ns = ns_path(env.traffic.ns)
    spec = {"listeners": [{"id": "1", "ns": ns, "fam": 4, "addr": "127.0.0.1", "port": 5001},
                          {"id": "2", "ns": ns, "fam": 6, "addr": "::1", "port": 6001}],
            "conns": [{"l": "1", "ns": ns, "fam": 4, "to": ["127.0.0.1", 5001]} for _ in range(8)] +
                     [{"l": "2", "ns": ns, "fam": 6, "to": ["::1", 6001]} for _ in range(8)]}
    set_filters(env, local_prefix="127.0.0.0/8")
    w, recs = capture_run(env, "ratio.elog", spec)
    names = cookies(w)
    want = {n for n, c in names.items() if n[0] != "L" and n[1:].isdigit() and int(n[1:]) < 8
            and splitmix64(c) % 2 == 0}
    assert want and len(want) < 16, want  # both verdicts occur (16 sockets)
    check_exact(recs, w, want, "auto_ratio 2 + local_prefix")


# ---- cgroup ----

@contextlib.contextmanager
def cgroups(*rel):
    """Creates CGROUP2/<unique>/<rel>... ; removes them all at the end
    (after the processes in them are gone)."""
    base = os.path.join(CGROUP2, "elogfilt%d_%d" % (os.getpid(), time.monotonic_ns() % 1000000))
    made = []
    try:
        for d in [base] + [os.path.join(base, r) for r in rel]:
            os.mkdir(d)
            made.append(d)
        yield base
    finally:
        for d in reversed(made):
            for _ in range(100):
                try:
                    os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.05)


def test_cgroup_filter_selects_a_cgroup_and_below(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    ns = ns_path(env.traffic.ns)
    with cgroups("a", "a/leaf", "b") as base:
        leaf, b = os.path.join(base, "a/leaf"), os.path.join(base, "b")
        # An accepted socket is in its listener's cgroup.
        spec = {
            "listeners": [{"id": "A", "ns": ns, "cg": leaf, "fam": 4, "addr": "127.0.0.1", "port": 5001},
                          {"id": "B", "ns": ns, "cg": b, "fam": 6, "addr": "::1", "port": 5002}],
            "conns": [{"l": "A", "ns": ns, "cg": leaf, "fam": 4, "to": ["127.0.0.1", 5001]},
                      {"l": "A", "ns": ns, "cg": b, "fam": 4, "to": ["127.0.0.1", 5001]},
                      {"l": "B", "ns": ns, "cg": leaf, "fam": 6, "to": ["::1", 5002]},
                      {"l": "B", "ns": ns, "cg": b, "fam": 6, "to": ["::1", 5002]}],
        }
        in_a = {"c0", "a0", "a1", "c2"}
        # A parent of the sockets' cgroup, by its path on the mount.
        set_filters(env, cgroup=os.path.join(base, "a"))
        assert env.ctl.text(F + "cgroup") == str(os.stat(os.path.join(base, "a")).st_ino)
        w, recs = capture_run(env, "a.elog", spec)
        check_exact(recs, w, in_a, "cgroup a")
        # By id.
        set_filters(env, cgroup=str(os.stat(b).st_ino))
        w, recs = capture_run(env, "b.elog", spec)
        check_exact(recs, w, {"c1", "c3", "a2", "a3"}, "cgroup b")
        # As /proc/PID/cgroup names it, with a port filter (both must match).
        set_filters(env, cgroup=leaf[len(CGROUP2):], lport="5001")
        w, recs = capture_run(env, "leaf.elog", spec)
        check_exact(recs, w, {"a0", "a1"}, "cgroup leaf + lport")
        set_filters(env)


# ---- network namespace ----

def test_netns_filter_selects_one_namespace(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    other = "elogfilt%d_%d" % (os.getpid(), time.monotonic_ns() % 1000000)
    run(["ip", "netns", "add", other])
    try:
        run(["ip", "-n", other, "link", "set", "lo", "up"])
        ns1, ns2 = ns_path(env.traffic.ns), ns_path(other)
        # The same ports in both: only the namespace tells them apart.
        spec = {"listeners": [], "conns": []}
        for tag, ns in (("1", ns1), ("2", ns2)):
            spec["listeners"] += [{"id": "v4" + tag, "ns": ns, "fam": 4, "addr": "127.0.0.1", "port": 5001},
                                  {"id": "v6" + tag, "ns": ns, "fam": 6, "addr": "::1", "port": 5001}]
            spec["conns"] += [{"l": "v4" + tag, "ns": ns, "fam": 4, "to": ["127.0.0.1", 5001]},
                              {"l": "v6" + tag, "ns": ns, "fam": 6, "to": ["::1", 5001]}]
        set_filters(env, netns=env.traffic.ns)  # a name in /run/netns
        assert env.ctl.text(F + "netns") == str(os.stat(ns1).st_ino)
        w, recs = capture_run(env, "ns1.elog", spec)
        check_exact(recs, w, {"c0", "a0", "c1", "a1"}, "netns 1")
        set_filters(env, netns="net:[%d]" % os.stat(ns2).st_ino)
        w, recs = capture_run(env, "ns2.elog", spec)
        check_exact(recs, w, {"c2", "a2", "c3", "a3"}, "netns 2")
        set_filters(env)
    finally:
        subprocess.run(["ip", "netns", "del", other], capture_output=True)


# ---- the default, the socket option and the walks ----

def test_the_application_s_choice_wins_and_filters_narrow_only_the_default(tcp_env):
    """TCP_EVENTLOG on a socket is not filtered (nor are the children of a
    listener it enabled); the filters only narrow what the default enables,
    so with default 0 they select nothing."""
    env = tcp_env
    ns = ns_path(env.traffic.ns)
    spec = {
        "listeners": [{"id": "1", "ns": ns, "fam": 4, "addr": "127.0.0.1", "port": 5001},
                      {"id": "2", "ns": ns, "fam": 4, "addr": "127.0.0.1", "port": 6001, "opt": 1},
                      {"id": "3", "ns": ns, "fam": 6, "addr": "::1", "port": 6002}],
        "conns": [{"l": "1", "ns": ns, "fam": 4, "to": ["127.0.0.1", 5001], "opt": 0},
                  {"l": "1", "ns": ns, "fam": 4, "to": ["127.0.0.1", 5001]},
                  {"l": "2", "ns": ns, "fam": 4, "to": ["127.0.0.1", 6001]},
                  {"l": "3", "ns": ns, "fam": 6, "to": ["::1", 6002], "opt": 1}],
    }
    set_filters(env, rport="5001")
    asked = {"L2", "a2", "c3"}
    env.ctl.set(DEFAULT, 1)
    w, recs = capture_run(env, "default1.elog", spec)
    check_exact(recs, w, asked | {"c1"}, "default 1")
    env.ctl.set(DEFAULT, 0)
    w, recs = capture_run(env, "default0.elog", spec)
    check_exact(recs, w, asked, "default 0")


def test_default_2_applies_the_filters_to_live_connections(tcp_env):
    """Connections enabled by default 1 before a filter was set: default 2
    enables the ones the filter selects (with their state) and switches the
    others off, listeners included."""
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    set_filters(env)
    ns = ns_path(env.traffic.ns)
    spec = {
        "hold": True,
        "listeners": [{"id": "1", "ns": ns, "fam": 4, "addr": "127.0.0.1", "port": 5001},
                      {"id": "2", "ns": ns, "fam": 6, "addr": "::1", "port": 6001}],
        "conns": [{"l": "1", "ns": ns, "fam": 4, "to": ["127.0.0.1", 5001]},
                  {"l": "2", "ns": ns, "fam": 6, "to": ["::1", 6001]}],
    }
    p = subprocess.Popen([PYTHON, "-c", WORKLOAD, json.dumps(spec)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    env.procs.append(p)
    w = json.loads(p.stdout.readline())
    time.sleep(0.3)  # the first exchange's delayed ACKs done
    cap = env.capture("walk.elog", "TRACE")
    try:
        t0 = boot_us()
        env.ctl.set(F + "lport", "5000-5099")
        env.ctl.set(DEFAULT, 2)
        t1 = boot_us()
        p.stdin.write("\n")
        p.stdin.flush()
        assert p.stdout.readline() == "ok\n"
        time.sleep(0.2)
    finally:
        cap.stop()
        p.stdin.close()
        p.wait(timeout=10)
    _, _, recs = read_capture(cap.path)
    names = cookies(w)
    # Until the walk, sessions are as the default left them (a delayed ACK
    # of the first exchange may still log); from it on, only a0 is.
    after = {n for n, c in names.items() if any(r.session == c and r.ts > t1 for r in recs)}
    assert after == {"a0"}, after
    created = {n for n, c in names.items()
               if any(r.session == c and r.id == SESSION_CREATE and r.ts >= t0 for r in recs)}
    assert created == {"a0"}, created
    ids = [r.id for r in recs if r.session == names["a0"] and r.ts >= t0 and r.id not in (CWND, RTT)]
    assert ids[:2] == [SESSION_CREATE, CONN_SET_IP_V4], ids
    create = next(r for r in recs if r.session == names["a0"] and r.id == SESSION_CREATE and r.ts >= t0)
    assert create.ts <= t1, "its state came from the walk"
    after = [r.id for r in recs if r.session == names["a0"] and r.ts > t1]
    assert IN in after and OUT in after, after


def boot_us():
    """Now, on the clock of event timestamps (CLOCK_BOOTTIME, microseconds)."""
    return time.clock_gettime_ns(time.CLOCK_BOOTTIME) // 1000


# ---- elogctl ----

BAD = [
    ("lport", "2000-1000", "invalid port range '2000-1000': reversed, 2000 > 1000"),
    ("lport", "65536", "invalid port range '65536'"),
    ("rport", "80-", "invalid port range '80-'"),
    ("rport", "http", "invalid port range 'http'"),
    ("local_prefix", "10.0.0.300/8", "invalid prefix '10.0.0.300/8': '10.0.0.300' is not an IPv4 address"),
    ("local_prefix", "10.0.0.0/33", "invalid prefix '10.0.0.0/33': the length must be 0 to 32"),
    ("local_prefix", "fd00::/129", "invalid prefix 'fd00::/129': the length must be 0 to 128"),
    ("local_prefix", "10.1.2.3/8", "invalid prefix '10.1.2.3/8': address bits set past the length"),
    ("remote_prefix", "10.0.0.0/8,::ffff:10.0.0.0/104", "prefix 10.0.0.0/8 is given twice"),
    ("remote_prefix", "10.0.0.0/8,,fd00::/8", "invalid prefix list '10.0.0.0/8,,fd00::/8': an empty entry"),
    ("remote_prefix", ",".join("10.0.%d.0/24" % i for i in range(65)), "too many prefixes (at most 64)"),
    ("cgroup", "/nonexistent/elogfilt", "no such cgroup: /nonexistent/elogfilt"),
    ("cgroup", "/proc", "'/proc' is not a cgroup2 directory"),
    ("cgroup", "4294967295", "no cgroup has id 4294967295"),
    ("cgroup", "system.slice", "invalid cgroup 'system.slice'"),
    ("netns", "elogfilt-nonexistent", "no such network namespace: /run/netns/elogfilt-nonexistent"),
    ("netns", "/proc/self/ns/mnt", "'/proc/self/ns/mnt' is not a network namespace"),
    ("netns", "0", "invalid network namespace '0'"),
]


def test_bad_filter_values_are_refused_and_change_nothing(tcp_env):
    env = tcp_env
    good = {"lport": "5000-5099", "rport": "443", "local_prefix": "10.0.0.0/8,fd00::/8",
            "remote_prefix": "192.168.0.0/16", "cgroup": "1", "netns": "4026531840"}
    for name, value in good.items():
        env.ctl.set(F + name, value)
        assert env.ctl.text(F + name) == value
    for name, value, msg in BAD:
        p = env.ctl(f"{F}{name}={value}", check=False)
        assert p.returncode == 1 and p.stdout == "", (name, value, p)
        assert p.stderr.startswith(f"elogctl: {F}{name}: {msg}") and p.stderr.count("\n") == 1, \
            (name, value, p.stderr)
        for n, v in good.items():
            assert env.ctl.text(F + n) == v, (name, value, n)


def test_bad_filter_values_load_nothing(tcp_env):
    """Refused before anything is loaded: an unloaded provider stays so."""
    env = tcp_env
    env.ctl("-U", "tcp")
    try:
        for name, value, msg in BAD:
            p = env.ctl(f"{F}{name}={value}", check=False)
            assert p.returncode == 1 and msg in p.stderr, (name, value, p.stderr)
            assert not os.path.exists(f"{PIN_ROOT}/tcp"), (name, value)
        # Unloaded, every filter reads as its load-time value: none.
        for full in FILTERS:
            assert env.ctl.text(full) == ""
        assert not os.path.exists(f"{PIN_ROOT}/tcp")
    finally:
        env.ctl("-L", "tcp")


def test_filters_kept_when_reloaded_from_another_build(tcp_env):
    env = tcp_env
    values = {"lport": "1-1023", "local_prefix": "fd00::/8,10.0.0.0/8,2001:db8::/32",
              "remote_prefix": "127.0.0.0/8"}
    for name, value in values.items():
        env.ctl.set(F + name, value)
    ours = pretend_other_build("tcp")
    assert env.ctl.text(F + "local_prefix") == values["local_prefix"]
    assert os.listdir(f"{PIN_ROOT}/tcp/ready") == [ours], "reloaded from this build"
    for name, value in values.items():
        assert env.ctl.text(F + name) == value


@pytest.mark.parametrize("value,shown", [("10.1.0.0/16", "10.1.0.0/16"),
                                         ("::ffff:10.1.0.0/112", "10.1.0.0/16"),
                                         ("FD00:0:0::/16", "fd00::/16"),
                                         ("127.0.0.1", "127.0.0.1/32"),
                                         ("::1", "::1/128"),
                                         (" 10.0.0.0/8 ,fd00::/8", "10.0.0.0/8,fd00::/8"),
                                         ("0.0.0.0/0", "0.0.0.0/0"),
                                         ("", "")])
def test_prefix_values_read_back_normalised(tcp_env, value, shown):
    tcp_env.ctl.set(F + "remote_prefix", value)
    assert tcp_env.ctl.text(F + "remote_prefix") == shown
