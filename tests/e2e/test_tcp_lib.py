# SPDX-License-Identifier: BSD-2-Clause
"""Helpers shared by the TCP provider's end-to-end tests (test_tcp_*.py).

Everything here runs real programs against the real kernel: elog and elogctl
from the `bindir` fixture (conftest.py), loopback traffic inside the `netns`
fixture's namespace, and an ELOG v1 reader written from elog(5) alone,
independent of lib/, that also knows the TCP payload layouts.

The `tcp_env` fixture (conftest-style, defined here and imported by the test
modules) ties the shared fixtures together; nothing is skipped in CI.
"""
import json
import os
import re
import signal
import struct
import subprocess
import time

import pytest

PYTHON = "/usr/bin/python3"

# Schema facts the independent checks need (schemas/tcp.src).
SESSION_CREATE = 0xFFFFFFFE
SESSION_END = 0xFFFFFFFF
DUMP_COMPLETE = 0xFFFFFFFD
CONN_SET_IP_V4, CONN_SET_IP_V6, CONN_PARAMS, MSS, CONN_OWNER = 0, 1, 3, 4, 5
IN, OUT = 100, 101
CWND, ENTER_RECOVERY, EXIT_RECOVERY = 200, 202, 203
RTT, RTT_SAMPLE, RTO, RETRANSMIT_REASON = 300, 301, 400, 401
USER_SEND, SENDFILE, CC_ALGO_CHANGE = 104, 105, 7
ACK, SACK = 102, 103
LOG_ID = 2
DSACK = 402
PRR_STATE = 204
GOODPUT = 207
HYSTART = 206
TIMER_START, TIMER_CANCEL, TIMER_FIRED, TIMER_PROCESSED = 500, 501, 502, 504
SOCKET_OPT_UINT32 = 700
KW_RX, KW_TX, KW_CONN, KW_SESSION = 0x1, 0x2, 0x80, 0x80000000
INFO, VERBOSE = 3, 4
LEVELS = {"NONE": 0, "ERROR": 1, "WARN": 2, "INFO": 3, "VERBOSE": 4, "TRACE": 5}


def _schema_filters():
    """id -> (level, keywords) of every event, read from schemas/tcp.src
    itself (KEYWORD n is bit n-1), not from generated code."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "schemas", "tcp.src")
    kw = {"SESSION": KW_SESSION}
    out = {SESSION_CREATE: (INFO, KW_SESSION), SESSION_END: (INFO, KW_SESSION),
           DUMP_COMPLETE: (INFO, KW_SESSION)}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and w[0] == "KEYWORD":
                kw[w[1]] = 1 << (int(w[2]) - 1)
            elif len(w) >= 5 and w[0] == "EVENT":
                out[int(w[2])] = (LEVELS[w[3]], sum(kw[k] for k in w[4].split(",")))
    return out


EVENT_FILTER = _schema_filters()
TH_FIN, TH_SYN, TH_RST, TH_ACK = 0x01, 0x02, 0x04, 0x10


from helpers import need  # noqa: E402,F401 (re-exported for the test files)


def run(args, check=True, **kw):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d: %s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def counters(ctl):
    """The provider's session counters, through elogctl."""
    return {k: ctl.get("kern.eventlog.tcp." + k)
            for k in ("sessions_created", "sessions_active", "sessions_enabled")}


# ---- traffic inside a network namespace ----

WORKLOAD = r'''
import json, socket, sys, time
# fam 4, 6, or 46: IPv6 sockets talking IPv4 through v4-mapped addresses.
mode, fam = sys.argv[1], socket.AF_INET6 if sys.argv[2] in ("6", "46") else socket.AF_INET
host = {"4": "127.0.0.1", "6": "::1", "46": "::ffff:127.0.0.1"}[sys.argv[2]]

def pair(l):
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.connect(l.getsockname()[:2])
    a, _ = l.accept()
    return c, a

l = socket.socket(fam, socket.SOCK_STREAM)
l.bind((host, 0))
l.listen(16)
lport = l.getsockname()[1]
if mode == "exchange":
    c, a = pair(l)
    c.sendall(b"hello")
    assert a.recv(16) == b"hello"
    a.sendall(b"world!")
    assert c.recv(16) == b"world!"
    cport = c.getsockname()[1]
    info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    cc = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()
    c.close()
    assert a.recv(16) == b""
    a.close()
    l.close()
    time.sleep(0.05)
    print(json.dumps({"lport": lport, "cports": [cport], "pid": __import__("os").getpid(),
                      "tcp_info": info.hex(), "cc": cc}), flush=True)
elif mode == "rst":
    n, cports = int(sys.argv[3]), []
    for _ in range(n):
        c, a = pair(l)
        cports.append(c.getsockname()[1])
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()  # SO_LINGER 0: abortive close, RST to the peer
        time.sleep(0.005)
        a.close()  # already reset: destroyed without a FIN exchange
    l.close()
    time.sleep(0.05)
    print(json.dumps({"lport": lport, "cports": cports}), flush=True)
elif mode == "stray":
    # A bare ACK to the listener, from a port with no socket: Linux answers
    # with a RST from its control socket (tcp_v4_send_reset), not from l.
    import struct
    sport, seq, ack = 40000 + lport % 20000, 1000, 2000
    def csum(b):
        b += b"\0" * (len(b) & 1)
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return ~s & 0xffff
    hdr = struct.pack("!HHIIBBHHH", sport, lport, seq, ack, 5 << 4, 0x10, 1024, 0, 0)
    pseudo = socket.inet_aton(host) * 2 + struct.pack("!BBH", 0, 6, len(hdr))
    hdr = hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    r.sendto(hdr, (host, 0))
    time.sleep(0.1)
    r.close()
    l.close()
    time.sleep(0.05)
    print(json.dumps({"lport": lport, "cports": [], "sport": sport, "seq": seq, "ack": ack}), flush=True)
elif mode == "optin":
    # Run as an unprivileged user: TCP_EVENTLOG (81) on chosen sockets only.
    def opt(s, v=None):
        if v is not None:
            s.setsockopt(socket.IPPROTO_TCP, 81, v)
        return int.from_bytes(s.getsockopt(socket.IPPROTO_TCP, 81, 4), "little")
    def listener(on):
        s = socket.socket(fam, socket.SOCK_STREAM)
        if on:
            opt(s, 1)  # before listen(): the listener's own session is enabled
        s.bind((host, 0))
        s.listen(4)
        return s
    def talk(c, a):
        c.sendall(b"ping")
        a.recv(4)
        a.sendall(b"pong")
        c.recv(4)
    l1, l2 = listener(True), listener(False)
    c1, a1 = pair(l1)                      # enabled listener, plain client
    c2 = socket.socket(fam, socket.SOCK_STREAM)
    opt(c2, 1)                             # enabled client, plain listener
    c2.connect(l2.getsockname()[:2])
    a2, _ = l2.accept()
    talk(c1, a1)
    talk(c2, a2)
    out = {"uid": __import__("os").getuid(), "l1": l1.getsockname()[1], "l2": l2.getsockname()[1],
           "c1": c1.getsockname()[1], "c2": c2.getsockname()[1],
           "get": {"l1": opt(l1), "a1": opt(a1), "c1": opt(c1), "l2": opt(l2), "a2": opt(a2), "c2": opt(c2)}}
    for s in (c1, a1, c2, a2, l1, l2):
        s.close()
    time.sleep(0.05)
    print(json.dumps(out), flush=True)
elif mode == "bulk":
    # n MiB from the client, then, once every byte is acknowledged and the
    # connection is quiet, the sender's TCP_INFO and a 1-byte marker: the
    # marker's OUT is the first event after that TCP_INFO snapshot.
    # An optional congestion control for the sender (argv[4]).
    n = int(sys.argv[3])
    c = socket.socket(fam, socket.SOCK_STREAM)
    if len(sys.argv) > 4:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, sys.argv[4].encode())
    c.connect(l.getsockname()[:2])
    a, _ = l.accept()
    import threading
    got = [0]
    done = threading.Event()
    def sink():
        while True:
            b = a.recv(1 << 20)
            if not b:
                break
            got[0] += len(b)
            if got[0] == n << 20:
                done.set()
    t = threading.Thread(target=sink)
    t.start()
    buf = b"x" * (1 << 20)
    for _ in range(n):
        c.sendall(buf)
    done.wait(30)
    for _ in range(100):  # every byte acknowledged (tcpi_unacked == 0)
        info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
        if int.from_bytes(info[24:28], "little") == 0:
            break
        time.sleep(0.01)
    time.sleep(0.2)
    info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
    c.sendall(b"!")
    c.shutdown(socket.SHUT_WR)
    t.join()
    assert got[0] == (n << 20) + 1
    cport = c.getsockname()[1]
    c.close(); a.close(); l.close()
    time.sleep(0.05)
    print(json.dumps({"lport": lport, "cports": [cport], "tcp_info": info.hex()}), flush=True)
elif mode == "app":
    # Application calls: plain sends, one MSG_MORE send, a 1 MiB sendfile,
    # a congestion control switch, then more data after it.
    import os, tempfile, threading
    c, a = pair(l)
    total = [0]
    def sink():
        while True:
            b = a.recv(1 << 20)
            if not b:
                break
            total[0] += len(b)
    t = threading.Thread(target=sink)
    t.start()
    before = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 7)
    c.sendall(b"a" * 1000)
    c.send(b"b" * 100, socket.MSG_MORE)
    c.sendall(b"c" * 10)
    with tempfile.TemporaryFile() as f:
        f.write(b"f" * (1 << 20))
        f.flush()
        sent = 0
        while sent < (1 << 20):
            sent += os.sendfile(c.fileno(), f.fileno(), sent, (1 << 20) - sent)
    after = "cubic" if before != "cubic" else "reno"
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, after.encode())
    c.sendall(b"d" * 5000)
    c.shutdown(socket.SHUT_WR)
    t.join()
    cport = c.getsockname()[1]
    c.close(); a.close(); l.close()
    time.sleep(0.05)
    print(json.dumps({"lport": lport, "cports": [cport], "sends": [1000, 100, 10, 5000], "sendfile": 1 << 20,
                      "total": total[0], "cc_before": before, "cc_after": after}), flush=True)
elif mode == "logid":
    # n connections; each client is named "elog-<i>" once established
    # (argv[4] "enabled": after TCP_EVENTLOG enabled it).
    n, out = int(sys.argv[3]), {"lport": lport, "cports": [], "names": [], "enabled": []}
    conns = []
    for i in range(n):
        c, a = pair(l)
        if sys.argv[4:5] == ["enabled"]:
            c.setsockopt(socket.IPPROTO_TCP, 81, 1)
        c.setsockopt(socket.IPPROTO_TCP, 82, b"elog-%d" % i)
        out["cports"].append(c.getsockname()[1])
        out["names"].append(c.getsockopt(socket.IPPROTO_TCP, 82, 64).rstrip(b"\0").decode())
        out["enabled"].append(int.from_bytes(c.getsockopt(socket.IPPROTO_TCP, 81, 4), "little"))
        c.sendall(b"x")
        a.recv(1)
        conns += [c, a]
    for s in conns:
        s.close()
    l.close()
    time.sleep(0.05)
    print(json.dumps(out), flush=True)
elif mode == "keepalive":
    # Data, then an idle connection with a 1 s keepalive: the probe timer
    # starts, fires and is processed at least once.
    c, a = pair(l)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    c.sendall(b"x" * 100)
    a.recv(100)
    time.sleep(1.6)
    cport = c.getsockname()[1]
    c.close(); a.close(); l.close()
    time.sleep(0.05)
    print(json.dumps({"lport": lport, "cports": [cport]}), flush=True)
elif mode == "hold":
    c, a = pair(l)
    c.sendall(b"x")
    a.recv(1)
    print(json.dumps({"lport": lport, "cports": [c.getsockname()[1]]}), flush=True)
    sys.stdin.read()  # until the test closes our stdin
    c.close(); a.close(); l.close()
    time.sleep(0.05)
'''


class Traffic:
    """Loopback workloads run inside the namespace `ns` (the netns fixture);
    long-lived ones go into `procs`, which the procs fixture kills."""

    def __init__(self, ns, procs):
        self.ns = ns
        self.procs = procs

    def _argv(self, mode, fam, extra=()):
        return ["ip", "netns", "exec", self.ns, PYTHON, "-c", WORKLOAD, mode, str(fam)] + [str(x) for x in extra]

    def workload(self, mode, fam=4, *extra, user=None):
        """Runs a finished workload (exchange, rst, ...); returns its JSON.
        user: run it as that uid/gid (setpriv), e.g. 65534."""
        argv = self._argv(mode, fam, extra)
        if user is not None:
            i = argv.index(PYTHON)
            argv[i:i] = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"]
        p = run(argv)
        return json.loads(p.stdout.strip().splitlines()[-1])

    def hold(self, fam=4):
        """Opens a connection that stays up until release(proc)."""
        p = subprocess.Popen(self._argv("hold", fam), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        line = p.stdout.readline()
        assert line, "hold workload died"
        return p, json.loads(line)

    @staticmethod
    def release(p):
        p.stdin.close()
        p.wait(timeout=10)


# ---- captures ----

class Capture:
    """One `elog -c tcp ...` writing a binary capture (or text on stdout)."""

    def __init__(self, bindir, procs, path, level="TRACE", keywords=None, extra=(), text=False):
        self.path = path
        self.elog = os.path.join(bindir, "elog")
        args = [self.elog, "-c", "tcp", level] + ([keywords] if keywords else []) + list(extra)
        if not text:
            args += ["-o", path]
        self.text = text
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=text or None)
        procs.append(self.proc)
        if not text:
            self._wait_ready()

    def _wait_ready(self):
        # elog subscribes first and creates the file after: once the file
        # exists, the kernel is delivering to this capture.
        deadline = time.time() + 10
        while not os.path.exists(self.path):
            if self.proc.poll() is not None:
                raise AssertionError("elog exited %d: %s" % (self.proc.returncode, self.proc.stderr.read()))
            if time.time() > deadline:
                raise AssertionError("elog did not start within 10 s")
            time.sleep(0.02)

    def stop(self):
        """SIGINT, as a user would; a clean capture exits 0."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, err = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError("elog did not stop on SIGINT")
        assert self.proc.returncode == 0, "elog exited %d: %s" % (self.proc.returncode, err)
        return out

    def decode(self):
        """`elog -e -r`: the text of the capture; decoding twice must agree."""
        first = run([self.elog, "-e", "-r", self.path]).stdout
        second = run([self.elog, "-e", "-r", self.path]).stdout
        assert first == second, "decoding the same capture twice differs"
        return first


LINE = re.compile(r"^\[\s*\d+\][0-9a-f]{4,}::\d\d:\d\d:\d\d\.\d{6} \[(\w+)\]\[(\d+)\]\[(\w+)\] (.*)$")


def parse_text(text):
    """[(provider, session, EVENT, text)] of a decoded capture."""
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        assert m, "unexpected line: %r" % line
        out.append((m.group(1), int(m.group(2)), m.group(3), m.group(4)))
    return out


# ---- the independent ELOG v1 reader (man/elog.5) ----

class Record:
    __slots__ = ("length", "cpu", "provider", "ts", "session", "id", "tid", "payload")

    def __init__(self, hdr, payload):
        (self.length, self.cpu, self.provider, _reserved, self.ts, self.session,
         self.id, self.tid) = hdr
        self.payload = payload


def read_capture(path):
    """(header dict, {provider id: name}, [Record]) of an ELOG v1 file."""
    with open(path, "rb") as f:
        data = f.read()
    assert len(data) >= 44, "capture shorter than header + provider count"
    magic, version, start, start_utc, count, dropped = struct.unpack_from("<4sIQQQQ", data, 0)
    assert magic == b"ELOG" and version == 1
    (nprov,) = struct.unpack_from("<I", data, 40)
    assert 1 <= nprov <= 32
    off = 44
    providers = {}
    for _ in range(nprov):
        pid, name = struct.unpack_from("<H32s", data, off)
        providers[pid] = name.rstrip(b"\0").decode()
        off += 34
    records = []
    while off < len(data):
        assert off + 32 <= len(data), "truncated event header"
        hdr = struct.unpack_from("<HHHHQQIi", data, off)
        length = hdr[0]
        assert 32 <= length and off + length <= len(data), "bad event_length %d" % length
        records.append(Record(hdr, data[off + 32:off + length]))
        off += length
    return ({"start": start, "start_utc": start_utc, "event_count": count, "dropped": dropped},
            providers, records)


def ports_v4(payload):
    """(src_addr, src_port, dst_addr, dst_port) of a CONN_SET_IP_V4 payload."""
    src, sport, dst, dport = struct.unpack("<4sH2x4sH2x", payload)
    return (src, struct.unpack(">H", struct.pack("<H", sport))[0],
            dst, struct.unpack(">H", struct.pack("<H", dport))[0])


def seg(payload):
    """seq, ack, flags, len of an IN or OUT payload."""
    seq, ack, flags, _win_raw, _win, length = struct.unpack_from("<IIHHII", payload, 0)
    return seq, ack, flags, length


def tcp_info(hexstr):
    """The fields of struct tcp_info (linux/tcp.h) the tests compare."""
    b = bytes.fromhex(hexstr)
    f = struct.unpack_from("<BBBBBBBB", b, 0)
    u = struct.unpack_from("<24I", b, 8)
    info = {"options": f[5], "snd_wscale": f[6] & 0xf, "rcv_wscale": f[6] >> 4, "snd_mss": u[2],
            "rtt": u[15], "snd_ssthresh": u[17], "snd_cwnd": u[18], "total_retrans": u[23]}
    if len(b) >= 220:
        info["dsack_dups"] = struct.unpack_from("<I", b, 216)[0]
    return info


def sessions_by_port(records, lport, cports):
    """{'listener', 'client', 'server'} session ids of one workload (IPv4)."""
    found = {"clients": set(), "servers": set(), "listener": None}
    for r in records:
        if r.id != CONN_SET_IP_V4 or len(r.payload) != 16:
            continue
        _s, sport, _d, dport = ports_v4(r.payload)
        if sport == lport and dport == 0:
            found["listener"] = r.session
        elif sport in cports and dport == lport:
            found["clients"].add(r.session)
        elif sport == lport and dport in cports:
            found["servers"].add(r.session)
    return found


def wait_for(cond, timeout=3.0, step=0.05):
    deadline = time.time() + timeout
    while True:
        v = cond()
        if v or time.time() > deadline:
            return v
        time.sleep(step)


class TcpEnv:
    """What a TCP test needs: the tools, controls, traffic and captures."""

    def __init__(self, bindir, ctl, ns, procs, tmp):
        self.bindir, self.ctl, self.procs, self.tmp = bindir, ctl, procs, tmp
        self.traffic = Traffic(ns, procs)

    def capture(self, name, *args, **kw):
        return Capture(self.bindir, self.procs, os.path.join(self.tmp, name), *args, **kw)

    def counters(self):
        return counters(self.ctl)


@pytest.fixture
def tcp_env(exclusive_provider, bindir, elogctl, netns, procs, tmp_path):
    """The TCP provider loaded, default 0 unless a test sets it (elogctl
    restores every control the test changes), a namespace for traffic. Holds
    the provider's test lock, so a concurrent test run on the same machine
    cannot change the default or unload the provider under this test (the
    lock is set up first so that it is released last, after elogctl has
    restored the controls)."""
    need(os.access(PYTHON, os.X_OK), PYTHON + " is needed for the workloads")
    exclusive_provider("tcp")
    elogctl("-L", "tcp")
    env = TcpEnv(bindir, elogctl, netns, procs, str(tmp_path))
    yield env


def ports_v6(payload):
    """(src_addr, src_port, dst_addr, dst_port) of a CONN_SET_IP_V6 payload
    (in6_addr, port in network order, 2 bytes of padding, twice)."""
    src, sport, dst, dport = struct.unpack("<16sH2x16sH2x", payload)
    return (src, struct.unpack(">H", struct.pack("<H", sport))[0],
            dst, struct.unpack(">H", struct.pack("<H", dport))[0])


def conn_ports(r):
    """(src_port, dst_port) of a CONN_SET_IP_V4 or CONN_SET_IP_V6 record,
    else None."""
    if r.id == CONN_SET_IP_V4 and len(r.payload) == 16:
        _s, sport, _d, dport = ports_v4(r.payload)
    elif r.id == CONN_SET_IP_V6 and len(r.payload) == 40:
        _s, sport, _d, dport = ports_v6(r.payload)
    else:
        return None
    return sport, dport


def sessions_by_port_any(records, lport, cports):
    """sessions_by_port for IPv4 and IPv6 alike."""
    found = {"clients": set(), "servers": set(), "listener": None}
    for r in records:
        p = conn_ports(r)
        if p is None:
            continue
        sport, dport = p
        if sport == lport and dport == 0:
            found["listener"] = r.session
        elif sport in cports and dport == lport:
            found["clients"].add(r.session)
        elif sport == lport and dport in cports:
            found["servers"].add(r.session)
    return found
