# SPDX-License-Identifier: BSD-2-Clause
"""CONN_PARAMS against `ss -ti`: in a held-open loopback
connection, both ends' CONN_PARAMS agree with what ss reports for the same
socket: window scales, MSS (the CONN_PARAMS mss field and the last MSS
event), SACK, timestamps, ECN and the congestion control.

iproute2 6.1's ss prints the option flags (ts, sack, ecn, ecnseen,
fastopen) only with -o, so the comparison reads `ss -tinoH` (the -o adds
timer fields and nothing else).

The ECN cases set net.ipv4.tcp_ecn=1 inside the test's own network
namespace (the sysctl is per namespace and goes away with it), so both ends
really negotiate RFC 3168 ECN; the host's value is checked to be untouched.
"""
import os
import struct

import pytest

from lib.proc import need, run
from lib.elogfile import read_capture
from lib.tcp import CONN_PARAMS, MSS, sessions_by_port_any

DEFAULT = "kern.eventlog.tcp.default"
CP_SACK_PERMIT, CP_TIMESTAMPS, CP_ECN, CP_WINDOW_SCALE = 0x01, 0x02, 0x04, 0x40
SS = "/usr/bin/ss"
HOST_ECN = "/proc/sys/net/ipv4/tcp_ecn"


def ss_established(ns):
    """{(local port, peer port): [info tokens]} of every ESTAB socket in ns."""
    out = run(["ip", "netns", "exec", ns, SS, "-tinoH"]).stdout
    socks, key = {}, None
    for line in out.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            w = line.split()
            key = (int(w[3].rsplit(":", 1)[1]), int(w[4].rsplit(":", 1)[1])) if w[0] == "ESTAB" else None
            if key:
                socks[key] = []
        elif key:
            socks[key] += line.split()
    return socks


def ss_params(tokens):
    """wscale, mss, flags and cc of one socket's ss -i tokens."""
    ws = [t for t in tokens if t.startswith("wscale:")]
    mss = [t for t in tokens if t.startswith("mss:")]
    assert len(mss) == 1, tokens
    out = {"mss": int(mss[0][4:]), "ts": "ts" in tokens, "sack": "sack" in tokens, "ecn": "ecn" in tokens,
           "wscale": None, "cc": None}
    if ws:
        snd, rcv = ws[0][7:].split(",")
        out["wscale"] = (int(snd), int(rcv))
        # The congestion control is the word right before wscale.
        out["cc"] = tokens[tokens.index(ws[0]) - 1]
    return out


def conn_params(payload):
    """(mss, (snd_wscale, rcv_wscale), flags, cc) of a CONN_PARAMS payload."""
    _iss, _irs, mss, snd_ws, rcv_ws, flags = struct.unpack_from("<IIIBBB", payload)
    return mss, (snd_ws, rcv_ws), flags, payload[15:31].rstrip(b"\0").decode()


@pytest.mark.parametrize("fam,ecn", [(4, False), (4, True), (6, False), (6, True)])
def test_conn_params_agree_with_ss(tcp_env, fam, ecn):
    """Two CONN_PARAMS per end: the one emitted at establishment and the one
    an `elog -D` dump emits while the connection is held. The handshake
    outcome (wscales, SACK, timestamps, ECN, cc) is the same in both and in
    ss. The MSS is a snapshot of mss_cache, which Linux still raises after
    establishment (tcp_bound_to_half_wnd: 32741 at the handshake, 32768
    once the peer's window grew, on lo): the dump's mss equals ss's exactly,
    the establishment one equals the MSS event in effect when it was
    emitted, and the last MSS event equals ss's."""
    env = tcp_env
    ns = env.traffic.ns
    need(os.access(SS, os.X_OK), "ss (iproute2) is needed")
    env.ctl.set(DEFAULT, 1)
    with open(HOST_ECN) as f:
        host_ecn = f.read().strip()
    if ecn:
        run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.tcp_ecn=1"])
        assert run(["ip", "netns", "exec", ns, "cat", HOST_ECN]).stdout.strip() == "1"
        with open(HOST_ECN) as f:
            assert f.read().strip() == host_ecn, "tcp_ecn set in the test's namespace only"
    cap = env.capture("ss.elog", "TRACE", "CONN")
    p, w = env.traffic.hold(fam)
    lport, (cport,) = w["lport"], w["cports"]
    try:
        socks = ss_established(ns)
        dump = env.capture("dump.elog", "TRACE", "CONN", extra=["-D"])
        dump.stop()
        after = ss_established(ns)
        assert {k: ss_params(v) for k, v in after.items()} == {k: ss_params(v) for k, v in socks.items()}, \
            "the held connection's parameters did not change during the dump"
    finally:
        env.traffic.release(p)
    cap.stop()
    with open(HOST_ECN) as f:
        assert f.read().strip() == host_ecn

    _, _, recs = read_capture(cap.path)
    _, _, drecs = read_capture(dump.path)
    s = sessions_by_port_any(recs, lport, [cport])
    (client,) = s["clients"]
    (server,) = s["servers"]
    ds = sessions_by_port_any(drecs, lport, [cport])
    assert ds["clients"] == {client} and ds["servers"] == {server}, (s, ds)
    for sess, key in ((client, (cport, lport)), (server, (lport, cport))):
        assert key in socks, (key, socks)
        ss = ss_params(socks[key])
        mine = [r for r in recs if r.session == sess]
        at = [i for i, r in enumerate(mine) if r.id == CONN_PARAMS]
        assert len(at) == 1, (sess, len(at))
        est = conn_params(mine[at[0]].payload)
        dumped = [conn_params(r.payload) for r in drecs if r.session == sess and r.id == CONN_PARAMS]
        assert len(dumped) == 1, (sess, dumped)
        snap = dumped[0]
        mss_events = [struct.unpack("<I", r.payload)[0] for r in mine if r.id == MSS]
        mss_then = [struct.unpack("<I", r.payload)[0] for r in mine[:at[0]] if r.id == MSS]
        what = (key, ss, est, snap, mss_events)
        assert ss["wscale"] is not None, what
        for mss, wscale, flags, cc in (est, snap):
            assert flags & CP_WINDOW_SCALE and wscale == ss["wscale"], what
            assert bool(flags & CP_SACK_PERMIT) == ss["sack"], what
            assert bool(flags & CP_TIMESTAMPS) == ss["ts"], what
            assert bool(flags & CP_ECN) == ss["ecn"], what
            assert cc == ss["cc"], what
        assert snap[0] == ss["mss"], what
        assert mss_then and est[0] == mss_then[-1], what
        assert mss_events[-1] == ss["mss"], what
        # What the namespace's sysctls make of the loopback handshake:
        # everything negotiated, ECN exactly when tcp_ecn=1 asks for it.
        assert ss["sack"] and ss["ts"], what
        assert ss["ecn"] == ecn, what
