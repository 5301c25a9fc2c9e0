# SPDX-License-Identifier: BSD-2-Clause
"""The congestion state an ACK leaves, against TCP_INFO at quiet points.

A sender transfers bursts under random loss; after each, once every byte is
acknowledged and the connection has been quiet for longer than the
retransmission timeout last armed, it reads TCP_INFO. The log's cwnd, ssthresh (CWND)
and srtt (RTT) as of that instant (the last records stamped before it) must
be the kernel's: Linux processes the last ACK after the provider's ingress
hook, and no hook runs after a pure ACK, so the provider logs the state it
left at the socket's next hook (docs/linux-mapping.md, CWND). Cubic set per
socket (TCP_CONGESTION) and the namespace's default, bbr; IPv4 and IPv6.
At a quiet point that hook is the expiry of the retransmit timer the last
ACK stopped lazily, a tracepoint program; the kernel this was built on
sometimes does not run those (docs/linux-mapping.md, "tracepoint programs
that do not run"), so one point per case may show no hook after the last
ACK and the state before it; every other point must agree."""
import json
import os
import struct

import pytest

from lib.proc import PYTHON, need, run
from lib.elogfile import read_capture
from lib.tcp import CWND, RTT, TCP, sessions_by_port_any, tcp_info

ACK, SACK = TCP.ACK, TCP.SACK

DEFAULT = "kern.eventlog.tcp.default"
BURSTS = 12
QUIET_S = 0.5
INFINITE_SSTHRESH = 0x7fffffff
MIN_RTO_US = 200000
# Quiet points per case whose disagreement a lost run of the timer
# expiry's tracepoint program explains (no hook of the socket ran after its
# last ACK): the kernel's, documented, not the provider's.
MISSED_MAX = 1

WORKLOAD = r'''
import json, socket, subprocess, sys, threading, time
fam, cc, bursts, quiet_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
af = socket.AF_INET6 if fam == "6" else socket.AF_INET
host = "::1" if fam == "6" else "127.0.0.1"
subprocess.run(["nft", "-f", "-"], check=True, text=True, input="""table inet elogstate {
  chain in { type filter hook input priority 0; policy accept;
    meta l4proto tcp meta length gt 200 numgen random mod 100 lt 2 drop
  }
}""")
try:
    l = socket.socket(af, socket.SOCK_STREAM)
    l.bind((host, 0))
    l.listen(1)
    c = socket.socket(af, socket.SOCK_STREAM)
    if cc == "cubic":
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic")
    c.connect((host, l.getsockname()[1]))
    a, _ = l.accept()
    def drain():
        while a.recv(1 << 20):
            pass
    t = threading.Thread(target=drain)
    t.start()
    def timeouts():
        with open("/proc/net/netstat") as f:
            k, v = [l.split() for l in f if l.startswith("TcpExt:")]
        return int(v[k.index("TCPTimeouts")])
    quiet = []
    for i in range(bursts):
        def rto_us():
            return int.from_bytes(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)[8:12],
                                  "little")  # tcpi_rto
        before, rto_max = timeouts(), rto_us()
        c.sendall(b"x" * ((20, 100, 400, 1000)[i % 4] << 10))
        for _ in range(1000):
            info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
            rto_max = max(rto_max, int.from_bytes(info[8:12], "little"))
            if int.from_bytes(info[24:28], "little") == 0:  # tcpi_unacked
                break
            time.sleep(0.01)
        # Quiet for longer than the retransmission timeout last armed: after
        # timeouts it is backed off (0.4, 0.8, 1.6 s ...) until a fresh RTT
        # sample, and the timer the last ACK stopped lazily may have been
        # armed with the largest value seen during the burst.
        wait = quiet_s if timeouts() == before else 3 * quiet_s
        time.sleep(max(wait, rto_max / 1e6 + 0.1))
        t0 = time.clock_gettime_ns(time.CLOCK_BOOTTIME) // 1000
        info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
        quiet.append({"t": t0, "info": info.hex()})
    out = {"lport": l.getsockname()[1], "cports": [c.getsockname()[1]], "quiet": quiet,
           "cc": c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()}
    c.close()
    t.join()
    a.close(); l.close()
finally:
    subprocess.run(["nft", "delete", "table", "inet", "elogstate"])
time.sleep(0.05)
print(json.dumps(out), flush=True)
'''


def around(mine, t):
    """Why a quiet point disagrees: the records of the session from the last
    one before t to the first CWND/RTT after it, as (ms from t, name)."""
    names = {v: k for k, v in TCP.ids.items()}
    i = max([k for k, r in enumerate(mine) if r.ts <= t] or [0])
    out = []
    for r in mine[i:]:
        out.append(("%+.1f" % ((r.ts - t) / 1000), names.get(r.id, r.id)))
        if r.ts > t and r.id in (CWND, RTT) or len(out) > 12:
            break
    return out


def expiry_missed(mine, t):
    """Whether no hook of the socket logged anything between its last ACK
    and t although the retransmit timer that ACK stopped lazily had expired
    by then (the wait is longer than its timeout, and at least the 200 ms
    minimum): the expiry's tracepoint program did not run."""
    last = None
    for r in mine:
        if r.ts > t:
            break
        last = r
    return last is not None and last.id in (ACK, SACK) and t - last.ts > MIN_RTO_US


def state_at(mine, t):
    """(cwnd, ssthresh, srtt) the log says at boot-clock time t (us)."""
    cwnd = ssthresh = srtt = None
    for r in mine:
        if r.ts > t:
            break
        if r.id == CWND:
            cwnd, ssthresh = struct.unpack_from("<II", r.payload)
        elif r.id == RTT:
            srtt = struct.unpack_from("<I", r.payload, 4)[0]
    return cwnd, ssthresh, srtt


@pytest.mark.parametrize("fam", [4, 6])
@pytest.mark.parametrize("cc", ["cubic", "default"])
def test_state_at_quiet_points_matches_tcp_info(tcp_env, fam, cc):
    env = tcp_env
    ns = env.traffic.ns
    need(os.access("/usr/sbin/nft", os.X_OK), "nft (nftables) is needed to drop segments")
    if cc == "default":
        run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.tcp_congestion_control=bbr"])
    env.ctl.set(DEFAULT, 1)
    cap = env.capture("state%d%s.elog" % (fam, cc), "TRACE", "CC|RTT|CONN|TIMER", extra=["-b", "16M"])
    p = run(["ip", "netns", "exec", ns, PYTHON, "-c", WORKLOAD, str(fam), cc, str(BURSTS), str(QUIET_S)])
    cap.stop()
    w = json.loads(p.stdout.strip().splitlines()[-1])
    assert w["cc"] == ("cubic" if cc == "cubic" else "bbr"), w["cc"]
    hdr, _, recs = read_capture(cap.path)
    assert hdr["dropped"] == 0
    (client,) = sessions_by_port_any(recs, w["lport"], w["cports"])["clients"]
    mine = [r for r in recs if r.session == client]
    agree = {"cwnd": 0, "ssthresh": 0, "srtt": 0}
    off, missed = [], {}
    for i, q in enumerate(w["quiet"]):
        info = tcp_info(q["info"])
        mss = info["snd_mss"]
        want = (info["snd_cwnd"] * mss,
                0xffffffff if info["snd_ssthresh"] >= INFINITE_SSTHRESH else info["snd_ssthresh"] * mss,
                info["rtt"])
        got = state_at(mine, q["t"])
        for k, a, b in zip(("cwnd", "ssthresh", "srtt"), got, want):
            if a == b:
                agree[k] += 1
            elif expiry_missed(mine, q["t"]):
                missed.setdefault(i, []).append((k, a, b, around(mine, q["t"])))
            else:
                off.append((k, a, b, around(mine, q["t"])))
    n = len(w["quiet"])
    print("quiet points %d (%s, IPv%d): agree %s, expiry not seen at %d" % (n, w["cc"], fam, agree, len(missed)))
    # Every point where the expiry's hook ran agrees; the kernel's lost
    # tracepoint runs (docs/linux-mapping.md) may take one point of a case.
    assert not off, (agree, n, off, cap.stderr)
    assert len(missed) <= MISSED_MAX, (agree, n, missed)
