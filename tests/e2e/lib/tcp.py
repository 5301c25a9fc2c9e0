# SPDX-License-Identifier: BSD-2-Clause
"""What the TCP provider's end-to-end tests share: its event ids (from the
schema compiler's tables), loopback workloads run inside the `netns`
fixture's namespace, the TCP payload layouts the independent checks read,
and TcpEnv, which the `tcp_env` fixture (conftest.py) hands to a test."""

import json
import os
import re
import struct
import subprocess

from .elogfile import read_capture
from .proc import PYTHON, CleanCapture, run
from .schema import LEVELS, schema

TCP = schema("tcp")
# Every event of the tcp schema by its name (IN, OUT, SESSION_CREATE, ...).
globals().update(TCP.ids)
EVENT_FILTER = TCP.filters  # id -> (level, keywords)
KW_RX, KW_TX, KW_CONN, KW_SESSION = (TCP.keyword[k] for k in ("RX", "TX", "CONN", "SESSION"))
INFO, VERBOSE = LEVELS["INFO"], LEVELS["VERBOSE"]
TH_FIN, TH_SYN, TH_RST, TH_ACK = 0x01, 0x02, 0x04, 0x10  # TCP header flags


def counters(ctl):
    """The provider's session counters and its hook runs the kernel skipped
    (recursion_misses, events lost and counted), through elogctl."""
    return {k: ctl.get("kern.eventlog.tcp." + k)
            for k in ("sessions_created", "sessions_active", "sessions_enabled", "skipped_runs")}


# Prepended to the workload scripts run in the namespace.
SCRIPT_LIB = r'''
import sys, threading

def drain(a, size=1 << 20, first=None, each=None):
    """Reads socket a to its end in a thread: (the started thread, [bytes
    read so far]); first() runs before the first read, each(total) after
    every read."""
    got = [0]
    def sink():
        if first:
            first()
        while True:
            b = a.recv(size)
            if not b:
                break
            got[0] += len(b)
            if each:
                each(got[0])
    t = threading.Thread(target=sink)
    t.start()
    return t, got

def stalled_send(c, a):
    """1000 bytes from c while the test drops the peer's input, told on
    stdin when to begin and when the drop is lifted; returns once a has
    them all."""
    sys.stdin.readline()               # the test drops the server's input now
    c.sendall(b"y" * 1000)
    sys.stdin.readline()               # and lifts it
    got = 0
    while got < 1000:
        got += len(a.recv(4096))
'''

WORKLOAD = SCRIPT_LIB + r'''
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
    done = threading.Event()
    t, got = drain(a, each=lambda total: total == n << 20 and done.set())
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
    import os, tempfile
    c, a = pair(l)
    t, total = drain(a)
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



LINE = re.compile(r"^\[\s*\d+\][0-9a-f]{4,}::\d\d:\d\d:\d\d\.\d{6} \[(\w+)\]\[(\d+)\]\[(\w+)\] (.*)$")


def parse_text(text):
    """[(provider, session, EVENT, text)] of a decoded capture."""
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        assert m, "unexpected line: %r" % line
        out.append((m.group(1), int(m.group(2)), m.group(3), m.group(4)))
    return out



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



def ports_v6(payload):
    """(src_addr, src_port, dst_addr, dst_port) of a CONN_SET_IP_V6 payload
    (in6_addr, port in network order, 2 bytes of padding, twice)."""
    src, sport, dst, dport = struct.unpack("<16sH2x16sH2x", payload)
    return (src, struct.unpack(">H", struct.pack("<H", sport))[0],
            dst, struct.unpack(">H", struct.pack("<H", dport))[0])


def conn_ports(r):
    """(src_port, dst_port) of a CONN_SET_IP_V4 or CONN_SET_IP_V6 record,
    else None."""
    if r.id == TCP.CONN_SET_IP_V4 and len(r.payload) == 16:
        _s, sport, _d, dport = ports_v4(r.payload)
    elif r.id == TCP.CONN_SET_IP_V6 and len(r.payload) == 40:
        _s, sport, _d, dport = ports_v6(r.payload)
    else:
        return None
    return sport, dport



def sessions_by_port_any(records, lport, cports, ids=(TCP.CONN_SET_IP_V4, TCP.CONN_SET_IP_V6)):
    """{'listener', 'clients', 'servers'} session ids of one workload, from
    its CONN_SET_IP_V4 and CONN_SET_IP_V6 records (ids: which of them)."""
    found = {"clients": set(), "servers": set(), "listener": None}
    for r in records:
        p = conn_ports(r) if r.id in ids else None
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


def sessions_by_port(records, lport, cports):
    """sessions_by_port_any of the IPv4 records only."""
    return sessions_by_port_any(records, lport, cports, ids=(TCP.CONN_SET_IP_V4,))


class TcpEnv:
    """What a TCP test needs: the tools, controls, traffic and captures."""

    def __init__(self, bindir, ctl, ns, procs, tmp):
        self.bindir, self.ctl, self.procs, self.tmp = bindir, ctl, procs, tmp
        self.traffic = Traffic(ns, procs)

    def capture(self, name, level="TRACE", keywords=None, extra=(), text=False):
        """`elog -c tcp LEVEL [KEYWORDS] EXTRA...` writing tmp/name (or, with
        text, text on its stdout); stop() insists on a clean exit."""
        args = ["-c", "tcp", level] + ([keywords] if keywords else []) + list(extra)
        path = os.path.join(self.tmp, name)
        return CleanCapture(self.bindir, args, output=None if text else path, procs=self.procs,
                            text=text or None, wait_file=not text)

    def captured(self, name, mode, fam=4, *args, user=None, extra=()):
        """One workload (Traffic.workload) under a TRACE capture into
        tmp/name: (the stopped capture, the workload's JSON, the capture's
        header and records)."""
        cap = self.capture(name, "TRACE", extra=extra)
        w = self.traffic.workload(mode, fam, *args, user=user)
        cap.stop()
        hdr, _, recs = read_capture(cap.path)
        return cap, w, hdr, recs

    def counters(self):
        return counters(self.ctl)
