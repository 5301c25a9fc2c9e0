# SPDX-License-Identifier: BSD-2-Clause
"""TCP provider end to end: what a capture of a real loopback exchange holds.

Each test loads the provider, sets kern.eventlog.tcp.default=1 (restored
afterwards), runs its traffic in a network namespace of its own and checks
the capture both through `elog -e -r` (decoded twice, identically) and
through the independent reader of lib/elogfile.py.
"""
import os
import select
import struct
import time

import pytest

from lib.elogfile import read_capture
from lib.tcp import (CONN_OWNER, CONN_PARAMS, CONN_SET_IP_V4, EVENT_FILTER, IN, INFO, KW_RX, KW_SESSION, MSS,
                     OUT, SESSION_CREATE, SESSION_END, TH_ACK, TH_RST, TH_SYN, parse_text, seg, sessions_by_port, tcp_info)


@pytest.fixture
def env(tcp_env):
    """Every capture test runs with kern.eventlog.tcp.default=1 (restored)."""
    tcp_env.ctl.set("kern.eventlog.tcp.default", 1)
    return tcp_env


def by_session(lines, sessions):
    return [l for l in lines if l[1] in sessions]


@pytest.mark.parametrize("fam", [4, 6])
def test_loopback_exchange_decoded(env, fam):
    cap = env.capture("x.elog")
    w = env.traffic.workload("exchange", fam)
    cap.stop()
    text = cap.decode()
    addr = "127.0.0.1" if fam == 4 else "::1"
    for needle in ("[tcp]", "[SESSION_CREATE]", "[SESSION_END]",
                   "IPv4 connection" if fam == 4 else "IPv6 connection",
                   addr, ":%d" % w["lport"], "Connection parameters: ISS", "MSS set to",
                   "[IN]", "[OUT]", "flags SYN", "in state ESTABLISHED"):
        assert needle in text, "%r missing from the decoded capture" % needle

    lines = parse_text(text)
    conn = "IPv%d connection %s:%d -> %s:%d" % (fam, addr, w["cports"][0], addr, w["lport"])
    client = {l[1] for l in lines if l[2] == "CONN_SET_IP_V%d" % fam and l[3] == conn}
    assert len(client) == 1, "exactly one client session for %s" % conn
    ev = [(l[2], l[3]) for l in by_session(lines, client)]
    names = [e[0] for e in ev]
    # The client's whole life, in order, with the real segments.
    assert names[0] == "SESSION_CREATE" and names[-1] == "SESSION_END"
    assert names.index("CONN_SET_IP_V%d" % fam) < names.index("CONN_PARAMS")
    outs = [t for n, t in ev if n == "OUT"]
    ins = [t for n, t in ev if n == "IN"]
    assert outs[0].startswith("Sent 0 bytes") and "flags SYN)" in outs[0] and "in state SYN_SENT" in outs[0]
    assert "flags SYN|ACK)" in ins[0] and "in state SYN_SENT" in ins[0]
    assert any(t.startswith("Sent 5 bytes") and "in state ESTABLISHED" for t in outs)
    assert any(t.startswith("Received 6 bytes") for t in ins)
    assert any("FIN" in t for t in outs) and any("FIN" in t for t in ins)
    assert any(n == "MSS" for n, _ in ev)
    assert any(n == "CONN_OWNER" for n, _ in ev)
    params = [t for n, t in ev if n == "CONN_PARAMS"][0]
    assert "stack linux" in params and "cc " in params


def test_v4_mapped_ipv6_sockets_log_ipv4(env):
    """An AF_INET6 socket talking to 127.0.0.1 is an IPv4 connection, as
    upstream's INP_IPV4: CONN_SET_IP_V4 and IPv4 segments."""
    cap = env.capture("x.elog")
    w = env.traffic.workload("exchange", 46)
    cap.stop()
    lines = parse_text(cap.decode())
    conn = "IPv4 connection 127.0.0.1:%d -> 127.0.0.1:%d" % (w["cports"][0], w["lport"])
    client = {l[1] for l in lines if l[2] == "CONN_SET_IP_V4" and l[3] == conn}
    assert len(client) == 1, conn
    assert not any(l[2] == "CONN_SET_IP_V6" and ":%d" % w["lport"] in l[3] for l in lines)
    ev = [l for l in lines if l[1] in client]
    assert any(l[2] == "OUT" and "flags SYN)" in l[3] for l in ev)
    assert any(l[2] == "IN" and "flags SYN|ACK)" in l[3] for l in ev)
    assert ev[-1][2] == "SESSION_END"


def test_capture_parses_independently(env):
    cap = env.capture("x.elog")
    w = env.traffic.workload("exchange", 4)
    cap.stop()
    hdr, providers, recs = read_capture(cap.path)
    assert "tcp" in providers.values()
    tcp_id = [k for k, v in providers.items() if v == "tcp"][0]
    assert hdr["event_count"] == len(recs), "event_count %d != %d records" % (hdr["event_count"], len(recs))
    assert hdr["dropped"] == 0
    last = {}
    for r in recs:
        assert r.provider == tcp_id
        assert r.length == 32 + len(r.payload)
        assert r.ts >= last.get(r.session, 0), "session %d went back in time" % r.session
        last[r.session] = r.ts
        if r.id == SESSION_CREATE:
            assert len(r.payload) == 8 and struct.unpack("<Q", r.payload)[0] != 0
        if r.id == CONN_SET_IP_V4:
            assert len(r.payload) == 16
        if r.id == IN:
            assert len(r.payload) == 40
        if r.id == OUT:
            assert len(r.payload) == 32

    s = sessions_by_port(recs, w["lport"], w["cports"])
    (client,) = s["clients"]
    (server,) = s["servers"]
    assert s["listener"] is not None
    # Each session's last record is its SESSION_END (held timer cancels and
    # everything else come before it).
    for sess in (client, server, s["listener"]):
        assert [r.id for r in recs if r.session == sess][-1] == SESSION_END, sess
    # Reconstructed iss/irs agree with the segments themselves: the client's
    # SYN carries its iss, the SYN-ACK (logged on the listener, which sends
    # it for the request socket) the server's.
    syn = [seg(r.payload) for r in recs if r.session == client and r.id == OUT][0]
    synack = [seg(r.payload) for r in recs if r.session == s["listener"] and r.id == OUT][0]
    assert syn[2] == TH_SYN and synack[2] == TH_SYN | TH_ACK and synack[1] == syn[0] + 1
    cp = [r.payload for r in recs if r.session == client and r.id == CONN_PARAMS][0]
    sp = [r.payload for r in recs if r.session == server and r.id == CONN_PARAMS][0]
    c_iss, c_irs = struct.unpack_from("<II", cp)
    s_iss, s_irs = struct.unpack_from("<II", sp)
    assert (c_iss, c_irs) == (syn[0], synack[0])
    assert (s_iss, s_irs) == (synack[0], syn[0])
    # Both ends belong to the workload's process (the accepted socket
    # inherits the listener's creator).
    for sess in (client, server, s["listener"]):
        owners = [struct.unpack("<i", r.payload)[0] for r in recs if r.session == sess and r.id == CONN_OWNER]
        assert owners and set(owners) == {w["pid"]}, (sess, owners, w["pid"])
    # Windows are scaled by the negotiated shifts (never in a SYN).
    snd_ws, rcv_ws = struct.unpack_from("<BB", cp, 12)
    for r in recs:
        if r.session == client and r.id in (IN, OUT):
            _s, _a, flags, win_raw, win = struct.unpack_from("<IIHHI", r.payload)
            shift = 0 if flags & TH_SYN else (rcv_ws if r.id == OUT else snd_ws)
            assert win == win_raw << shift, (r.id, flags, win_raw, win, shift)
    # CONN_PARAMS agree with what the kernel says in TCP_INFO.
    info = tcp_info(w["tcp_info"])
    cflags = cp[14]
    assert (snd_ws, rcv_ws) == (info["snd_wscale"], info["rcv_wscale"])
    for cp_bit, tcpi_bit in ((0x01, 2), (0x02, 1), (0x40, 4), (0x04, 8)):  # SACK, TS, WSCALE, ECN
        assert bool(cflags & cp_bit) == bool(info["options"] & tcpi_bit), (hex(cflags), info["options"])
    assert cp[15:31].rstrip(b"\0").decode() == w["cc"]
    assert cp[31:63].rstrip(b"\0") == b"linux"
    mss = [struct.unpack("<I", r.payload)[0] for r in recs if r.session == client and r.id == MSS]
    assert mss[-1] == info["snd_mss"], (mss, info["snd_mss"])
    # Every segment one side sent, the other received (loopback: same skb).
    c_out = [seg(r.payload) for r in recs if r.session == client and r.id == OUT]
    s_in = [seg(r.payload) for r in recs if r.session in (server, s["listener"]) and r.id == IN]
    assert c_out == s_in


def test_reset_from_the_control_socket(env):
    """Linux sends this RST from its per-namespace control socket, not from
    the listener: it is still logged, as an OUT of the listener's session."""
    cap = env.capture("x.elog")
    w = env.traffic.workload("stray", 4)
    cap.stop()
    _, _, recs = read_capture(cap.path)
    listener = sessions_by_port(recs, w["lport"], [])["listener"]
    assert listener is not None
    ins = [seg(r.payload) for r in recs if r.session == listener and r.id == IN]
    outs = [seg(r.payload) for r in recs if r.session == listener and r.id == OUT]
    assert (w["seq"], w["ack"], TH_ACK, 0) in ins
    # RFC 9293 3.10.7.2: the reset of a bare ACK takes its sequence number.
    assert [o for o in outs if o[2] & TH_RST] == [(w["ack"], 0, TH_RST, 0)]


def test_level_filter(env):
    err = env.capture("error.elog", "ERROR")
    trace = env.capture("trace.elog", "TRACE")
    w = env.traffic.workload("exchange", 4)
    err.stop()
    trace.stop()
    port = ":%d" % w["lport"]
    assert err.decode() == "", "an ERROR subscription gets none of the core events"
    t = trace.decode()
    for needle in ("[SESSION_CREATE]", "[SESSION_END]", "[CONN_SET_IP_V4]", "[CONN_PARAMS]", "[MSS]",
                   "[CONN_OWNER]", "[IN]", "[OUT]", port):
        assert needle in t


def test_keyword_filter(env):
    rx = env.capture("rx.elog", "TRACE", "RX")
    tx = env.capture("tx.elog", "TRACE", "TX")
    env.traffic.workload("exchange", 4)
    rx.stop()
    tx.stop()
    r = parse_text(rx.decode())
    t = parse_text(tx.decode())
    assert any(l[2] == "IN" for l in r) and not any(l[2] == "OUT" for l in r)
    assert any(l[2] == "OUT" for l in t) and not any(l[2] == "IN" for l in t)
    # SESSION is always part of a subscription; CONN is not part of RX/TX.
    for lines in (r, t):
        assert any(l[2] == "SESSION_CREATE" for l in lines)
        assert not any(l[2].startswith("CONN_") for l in lines)


def test_two_captures_get_exactly_their_events(env):
    full = env.capture("all.elog", "TRACE")
    info = env.capture("info.elog", "INFO")
    rx = env.capture("rx.elog", "TRACE", "RX")
    w = env.traffic.workload("exchange", 4)
    for c in (full, info, rx):
        c.stop()
    _, _, all_recs = read_capture(full.path)
    s = sessions_by_port(all_recs, w["lport"], w["cports"])
    ours = s["clients"] | s["servers"] | {s["listener"]}

    def view(recs, level, kw):
        return [(r.session, r.id, r.payload) for r in recs
                if r.session in ours and EVENT_FILTER[r.id][0] <= level
                and EVENT_FILTER[r.id][1] & (kw | KW_SESSION)]

    def got(path):
        _, _, recs = read_capture(path)
        return [(r.session, r.id, r.payload) for r in recs if r.session in ours]

    assert got(info.path) == view(all_recs, INFO, 0xFFFFFFFF)
    assert got(rx.path) == view(all_recs, 5, KW_RX)
    assert any(e[1] == IN for e in got(rx.path)) and any(e[1] == SESSION_END for e in got(info.path))


def test_live_text_within_a_second(env):
    """default=1 and a plain `elog -c tcp`: the exchange is on stdout in < 1 s."""
    cap = env.capture("live", "VERBOSE", text=True)
    fd = cap.proc.stdout.fileno()
    os.set_blocking(fd, False)
    buf = ""

    def read_for(seconds, want):
        nonlocal buf
        deadline = time.time() + seconds
        while time.time() < deadline:
            if want in buf:
                return True
            r, _, _ = select.select([fd], [], [], max(0.0, deadline - time.time()))
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buf += chunk.decode(errors="replace")
        return want in buf

    # The capture subscribes asynchronously: probe until it shows traffic.
    started = False
    for _ in range(50):
        w = env.traffic.workload("exchange", 4)
        if read_for(0.3, ":%d" % w["lport"]):
            started = True
            break
    assert started, "elog -c tcp never showed a loopback exchange"
    buf = ""
    w = env.traffic.workload("exchange", 4)
    t0 = time.time()
    conn = "127.0.0.1:%d -> 127.0.0.1:%d" % (w["cports"][0], w["lport"])
    assert read_for(1.0, conn), "exchange not shown within a second"
    sid = [l for l in buf.splitlines() if conn in l][0].split("[tcp][")[1].split("]")[0]
    assert read_for(1.0 - (time.time() - t0), "[tcp][%s] Received 6 bytes" % sid), \
        "the client's data segment not shown within a second"
    cap.stop()
