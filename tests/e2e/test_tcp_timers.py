# SPDX-License-Identifier: BSD-2-Clause
"""TCP provider end to end: TCP timers with their reasons, and the timer
event stream's consistency after the provider drops the cancels that say
nothing (re-arms, expiries); prints how much of a bulk transfer's log the
timers are (run with -s)."""
import collections
import json
import struct
import subprocess
import time

from lib.proc import PYTHON, run
from lib.elogfile import read_capture
from lib.tcp import (IN, OUT, RTO, SESSION_END, TIMER_CANCEL, TIMER_FIRED, TIMER_PROCESSED, TIMER_START,
                     sessions_by_port)
from lib.net import need_nft, netstat

DEFAULT = "kern.eventlog.tcp.default"
# schemas/tcp.src TIMER_REASON
DELAYACK, RACK, TLP, RXT, PERSIST, KEEPALIVE, TWOMSL = 1, 2, 3, 4, 5, 6, 7

# One connection per mode, run in the test's namespace; prints its ports.
TIMER_WORKLOAD = r'''
import json, socket, subprocess, sys, time
mode = sys.argv[1]
l = socket.socket()
if mode == "persist":
    # Accepted sockets inherit the listener's small receive buffer: the
    # receive window closes after a few KiB.
    l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
l.bind(("127.0.0.1", 0))
l.listen(4)
lport = l.getsockname()[1]
c = socket.socket()
c.connect(("127.0.0.1", lport))
a, _ = l.accept()
out = {"lport": lport, "cports": [c.getsockname()[1]]}
if mode == "delack":
    # Small one-way writes; the receiver reads and never replies. Quick
    # ACK mode off (TCP_QUICKACK 0, before each write: Linux leaves that
    # mode after a delayed ACK) so every write is ACKed by the timer.
    for _ in range(3):
        a.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 0)
        c.sendall(b"d" * 10)
        assert a.recv(10) == b"d" * 10
        time.sleep(0.3)
elif mode == "rto":
    # Every segment to the listening port dropped for 1 s: the data is
    # retransmitted by the retransmit timer (after the tail-loss probe).
    c.sendall(b"w")
    assert a.recv(1) == b"w"
    subprocess.run(["nft", "-f", "-"], check=True, text=True, input="""
table inet elogtimers {
  chain in { type filter hook input priority 0; policy accept;
    tcp dport %d drop
  }
}
""" % lport)
    c.sendall(b"r" * 100)
    time.sleep(1.0)
    subprocess.run(["nft", "delete", "table", "inet", "elogtimers"], check=True)
    a.settimeout(10)
    got = b""
    while len(got) < 100:
        got += a.recv(100)
    for _ in range(500):  # every byte acknowledged (tcpi_unacked == 0)
        info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        if int.from_bytes(info[24:28], "little") == 0:
            break
        time.sleep(0.01)
    out["total_retrans"] = int.from_bytes(info[100:104], "little")
elif mode == "persist":
    # The receiver stops reading; the sender writes until its buffer is
    # full: zero window, the persist (window probe) timer probes it.
    c.setblocking(False)
    sent = 0
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            sent += c.send(b"p" * 4096)
        except BlockingIOError:
            break
    time.sleep(1.5)
    out["sent"] = sent
elif mode == "twomsl":
    # The client closes first and the server only at exit: the orphaned
    # client waits in FIN_WAIT_2. With TCP_LINGER2 61 s (more than
    # TIME_WAIT's 60 s) Linux keeps the full socket there and arms sk_timer
    # for the difference (1 s), then moves it to a FIN_WAIT_2 minisocket.
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_LINGER2, 61)
    c.close()
    time.sleep(1.6)
print(json.dumps(out), flush=True)
'''


def timer_workload(env, mode):
    p = run(["ip", "netns", "exec", env.traffic.ns, PYTHON, "-c", TIMER_WORKLOAD, mode])
    return json.loads(p.stdout.strip().splitlines()[-1])


def capture_mode(env, mode):
    """(workload result, client events, server events, records)."""
    env.ctl.set(DEFAULT, 1)
    cap = env.capture(mode + ".elog", "TRACE")
    w = timer_workload(env, mode)
    cap.stop()
    hdr, _, recs = read_capture(cap.path)
    assert hdr["dropped"] == 0
    found = sessions_by_port(recs, w["lport"], w["cports"])
    (client,), (server,) = found["clients"], found["servers"]
    return w, client, server, recs
TIMERS = (TIMER_START, TIMER_CANCEL, TIMER_FIRED, TIMER_PROCESSED)


def timer_events(recs, session):
    """[(id, reason, timeout_us or None)] of one session, in order."""
    out = []
    for r in recs:
        if r.session == session and r.id in TIMERS:
            if r.id == TIMER_START:
                timeout, reason = struct.unpack_from("<QB", r.payload)
                out.append((r.id, reason, timeout))
            else:
                out.append((r.id, r.payload[0], None))
    return out


def check_consistent(events):
    """Per reason: a timer is cancelled or fires only after it was started,
    and is processed right after it fired."""
    running = collections.defaultdict(bool)
    fired = collections.defaultdict(bool)
    for ev, reason, _ in events:
        if ev == TIMER_START:
            running[reason] = True
        elif ev == TIMER_CANCEL:
            assert running[reason], ("cancel of a timer not started", reason, events)
            running[reason] = False
        elif ev == TIMER_FIRED:
            assert running[reason], ("fire of a timer not started", reason, events)
            running[reason] = False
            fired[reason] = True
        elif ev == TIMER_PROCESSED:
            assert fired[reason], ("processed without firing", reason, events)
            fired[reason] = False


def test_keepalive_and_retransmit_timers(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    _, w, _, recs = env.captured("timers.elog", "keepalive")
    (client,) = sessions_by_port(recs, w["lport"], w["cports"])["clients"]
    ev = timer_events(recs, client)
    # Sending data armed the retransmit timer (or its tail-loss probe).
    assert any(e[0] == TIMER_START and e[1] in (RXT, TLP) for e in ev), ev
    # The idle connection's keepalive: started for its 1 s, fired, processed.
    ka = [e for e in ev if e[1] == KEEPALIVE]
    assert any(e[0] == TIMER_START and 900000 <= e[2] <= 1100000 for e in ka), ka
    assert [e[0] for e in ka if e[0] != TIMER_START][:2] == [TIMER_FIRED, TIMER_PROCESSED], ka
    check_consistent(ev)


def bulk_client(env, name):
    """(client records, client timer events) of a bulk transfer captured at
    TRACE into name, with nothing dropped."""
    _, w, hdr, recs = env.captured(name, "bulk", 4, 24, extra=["-b", "8M"])
    assert hdr["dropped"] == 0
    (client,) = sessions_by_port(recs, w["lport"], w["cports"])["clients"]
    return [r for r in recs if r.session == client], timer_events(recs, client)


def test_timer_volume_under_bulk_transfer(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    mine, ev = bulk_client(env, "bulk.elog")
    check_consistent(ev)
    counts = collections.Counter(e[0] for e in ev)
    segments = sum(1 for r in mine if r.id in (IN, OUT))
    share = len(ev) / len(mine)
    print("timer events %d of %d (%.0f %%): %s; IN+OUT %d" % (len(ev), len(mine), 100 * share,
                                                            dict(counts), segments))
    # Re-arms no longer log a cancel each: cancels are the rare real ones
    # (before the reduction there was one per start). What remains are real
    # restarts: Linux re-arms the retransmit timer on nearly every ACK.
    assert counts[TIMER_CANCEL] * 10 < counts[TIMER_START], counts
    assert counts[TIMER_START] > 0


RESTART = "net.inet.tcp.eventlog.timer_restart_us"
# Which of a socket's three timers a reason runs on.
TIMER_OF = {RXT: 1, TLP: 1, RACK: 1, PERSIST: 1, DELAYACK: 2, KEEPALIVE: 3, TWOMSL: 3}


def bulk_timer_starts(env, name):
    """(TIMER_STARTs per IN/OUT, timer events, client records) of the client
    of a bulk transfer captured at TRACE."""
    mine, ev = bulk_client(env, name)
    segments = sum(1 for r in mine if r.id in (IN, OUT))
    starts = sum(1 for r in mine if r.id == TIMER_START)
    assert segments > 100, segments
    return starts / segments, ev, mine


def test_timer_restart_us_coalesces_restarts(tcp_env):
    """timer_restart_us = 50 ms: restarts of a running timer are logged at
    most every 50 ms; the stream stays consistent (every cancel and fire
    after a start of its reason) and much shorter; 0 logs every start."""
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    assert env.ctl.get(RESTART) == 0, "default: every start is logged"
    every, _, _ = bulk_timer_starts(env, "every.elog")
    env.ctl.set(RESTART, 50000)
    fewer, ev, mine = bulk_timer_starts(env, "coalesced.elog")
    check_consistent(ev)
    print("TIMER_START per IN/OUT: every start %.3f, restarts left out %.3f" % (every, fewer))
    assert fewer * 4 < every, (fewer, every)
    # Two logged starts of one timer with neither a cancel nor a fire of it
    # between (a restart of a running timer): at least 50 ms apart, except
    # the 0 us start a fire for another reason gets right before it.
    last = {}
    for r in mine:
        if r.id == TIMER_START:
            timeout, reason = struct.unpack_from("<QB", r.payload)
            t = TIMER_OF[reason]
            if t in last and timeout != 0:
                assert r.ts - last[t] >= 50000, (reason, last[t], r.ts)
            last[t] = r.ts
        elif r.id in (TIMER_CANCEL, TIMER_FIRED):
            last.pop(TIMER_OF[r.payload[0]], None)
    env.ctl.set(RESTART, 0)
    again, _, _ = bulk_timer_starts(env, "again.elog")
    assert again * 2 > every, (again, every)


def test_timer_restart_us_changed_mid_connection(tcp_env):
    """The knob switched back and forth while one bulk transfer runs: the
    stream stays consistent throughout (every cancel and fire after a start
    of its reason), and both settings leave their mark on the one
    connection."""
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    every, _, _ = bulk_timer_starts(env, "every.elog")  # the knob at 0 throughout
    cap = env.capture("toggled.elog", "TRACE", extra=["-b", "16M"])
    # A longer transfer when this one ended before the knob had been
    # switched twice each way (the switches take what elogctl takes).
    for mib in (600, 2400, 9600):
        p = subprocess.Popen(env.traffic._argv("bulk", 4, [mib]), stdout=subprocess.PIPE, text=True)
        env.procs.append(p)
        switched = 0
        while p.poll() is None and switched < 400:
            # Longer at 50 ms than at 0: the effect stands out of the noise.
            env.ctl.set(RESTART, 50000 if switched % 2 == 0 else 0)
            time.sleep(0.02 if switched % 2 == 0 else 0.005)
            switched += 1
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0
        if switched >= 4:
            break
    env.ctl.set(RESTART, 0)
    cap.stop()
    w = json.loads(out.strip().splitlines()[-1])
    hdr, _, recs = read_capture(cap.path)
    assert hdr["dropped"] == 0
    assert switched >= 4, "every transfer ended before the knob was switched twice each way"
    found = sessions_by_port(recs, w["lport"], w["cports"])
    (client,), (server,) = found["clients"], found["servers"]
    for sess in (client, server):
        check_consistent(timer_events(recs, sess))
    # With 0 every restart is logged: somewhere two consecutive starts of
    # the write timer lie closer than 50 ms; with 50 ms, stretches of the
    # transfer log no restart at all: most of the time at 50 ms gives
    # clearly fewer starts per segment than the knob at 0 throughout.
    starts = [(r.ts, struct.unpack_from("<QB", r.payload)[1]) for r in recs
              if r.session == client and r.id == TIMER_START]
    gaps = [b[0] - a[0] for a, b in zip(starts, starts[1:])
            if TIMER_OF[a[1]] == TIMER_OF[b[1]] == 1]
    assert any(g < 50000 for g in gaps), "no restart logged while the knob was 0"
    segs = sum(1 for r in recs if r.session == client and r.id in (IN, OUT))
    toggled = len(starts) / segs
    print("knob switched %d times; TIMER_START per IN/OUT %.3f (knob at 0: %.3f)" % (switched, toggled, every))
    assert toggled < 0.8 * every, (toggled, every)


def test_timer_restart_us_keeps_fires(tcp_env):
    """With restarts left out, a retransmission timeout still shows as a
    start, a fire and its processing, all for RXT, in that order."""
    env = tcp_env
    env.ctl.set(RESTART, 1000000)
    w, client, _, recs = capture_mode(env, "rto")
    ev = timer_events(recs, client)
    check_consistent(ev)
    fires = [e for e in ev if e[0] == TIMER_FIRED]
    assert any(e[1] == RXT for e in fires), ev


def of_reason(ev, reason):
    return [(e[0], e[2]) for e in ev if e[1] == reason]


def test_delayed_ack_timer(tcp_env):
    """Three small one-way writes, the receiver never replies (quick ACK
    mode off): each is ACKed by the receiver's delayed-ACK timer, started
    for TCP_ATO_MIN (40 ms), fired and processed; the sender has none."""
    w, client, server, recs = capture_mode(tcp_env, "delack")
    ev = timer_events(recs, server)
    check_consistent(ev)
    da = of_reason(ev, DELAYACK)
    assert da[:9] == [(TIMER_START, 40000), (TIMER_FIRED, None), (TIMER_PROCESSED, None)] * 3, da
    # Afterwards only the close: the client's FIN is ACKed at once (a
    # delayed ACK started for it, if any, is cancelled, never fired).
    assert TIMER_FIRED not in [e[0] for e in da[9:]], da
    assert of_reason(timer_events(recs, client), DELAYACK) == [], "the sender received no data"


def test_retransmit_timer_rto(tcp_env):
    """Everything to the server's port dropped for 1 s (nft, input hook,
    the test's namespace): the retransmit timer fires with reason RXT, is
    processed, and each retransmission timeout is an RTO event: as many as
    the kernel's TCPTimeouts."""
    env = tcp_env
    need_nft("dropping segments")
    before = netstat(env.traffic.ns)
    w, client, server, recs = capture_mode(env, "rto")
    after = netstat(env.traffic.ns)
    timeouts = after["TCPTimeouts"] - before["TCPTimeouts"]
    probes = after["TCPLossProbes"] - before["TCPLossProbes"]
    assert timeouts >= 2, "the drop did not cause retransmission timeouts"
    ev = timer_events(recs, client)
    check_consistent(ev)
    rxt = of_reason(ev, RXT)
    fired = [i for i, e in enumerate(rxt) if e[0] == TIMER_FIRED]
    # Every expiry is logged for what it ran for: RTOs as RXT, tail-loss
    # probes as TLP (a probe capped to the pending RTO re-arms the timer
    # without a trace; the fire still says TLP).
    assert len(fired) == timeouts, (timeouts, rxt)
    tlp_fired = [e for e in of_reason(ev, TLP) if e[0] == TIMER_FIRED]
    assert len(tlp_fired) == probes, (probes, of_reason(ev, TLP))
    for i in fired:
        assert TIMER_PROCESSED in [e[0] for e in rxt[i + 1:i + 3]], (i, rxt)
    rtos = [r for r in recs if r.session == client and r.id == RTO]
    assert len(rtos) == timeouts, (len(rtos), timeouts)
    # timeout_num counts up from 1 (icsk_retransmits + 1).
    assert [struct.unpack_from("<i", r.payload)[0] for r in rtos] == list(range(1, timeouts + 1))
    # The retransmissions went out: the kernel counted them.
    assert w["total_retrans"] >= timeouts


def test_persist_timer(tcp_env):
    """The receiver (4 KiB SO_RCVBUF) stops reading, the sender keeps
    writing: the window closes, and the sender's persist timer starts,
    fires and is processed, backing off (doubling) each time."""
    w, client, server, recs = capture_mode(tcp_env, "persist")
    mine = [r for r in recs if r.session == client]
    ev = timer_events(recs, client)
    check_consistent(ev)
    per = of_reason(ev, PERSIST)
    starts = [t for e, t in per if e == TIMER_START]
    rest = [e for e, _ in per if e != TIMER_START]
    # The first probe fires and is processed; later ones do too, except the
    # last, which the end of the workload (the window reopening) may cancel.
    assert rest[:2] == [TIMER_FIRED, TIMER_PROCESSED], per
    body = rest[:-1] if rest[-1] == TIMER_CANCEL else rest
    assert body == [TIMER_FIRED, TIMER_PROCESSED] * (len(body) // 2), per
    assert len(starts) >= 2, per
    for a, b in zip(starts, starts[1:]):  # exponential backoff, ±2 jiffies
        assert abs(b - 2 * a) <= 8000, starts
    # The cause: a zero window received before the first persist start.
    first = next(i for i, r in enumerate(mine) if r.id == TIMER_START and r.payload[8] == PERSIST)
    assert any(r.id == IN and struct.unpack_from("<IIHHII", r.payload)[4] == 0 for r in mine[:first]), \
        "no zero window before the persist timer"
    # Only the sender probes: the receiver has no persist timer.
    assert of_reason(timer_events(recs, server), PERSIST) == []


def test_fin_wait_2_timer(tcp_env):
    """An orphaned FIN_WAIT_2 socket whose TCP_LINGER2 (61 s) exceeds
    TIME_WAIT's 60 s stays a full socket: sk_timer runs for the
    difference, reason TWOMSL, fires, and its callback hands the connection
    to a FIN_WAIT_2 minisocket for tcp_fin_time() - 60 s (1 s again), where
    the session carries on: the minisocket's timer starts (TWOMSL), and the
    server's FIN at its exit, 1.6 s after the close, ends the session
    (test_tcp_finwait2.py follows the minisocket in detail)."""
    w, client, server, recs = capture_mode(tcp_env, "twomsl")
    ev = timer_events(recs, client)
    check_consistent(ev)
    tw = of_reason(ev, TWOMSL)
    assert tw[0][0] == TIMER_START and 900000 <= tw[0][1] <= 1100000, tw
    assert [e for e, _ in tw[1:]] == [TIMER_FIRED, TIMER_START], tw
    assert 900000 <= tw[2][1] <= 1100000, tw
    mine = [r.id for r in recs if r.session == client]
    assert mine[-1] == SESSION_END, mine[-5:]
    # Not a keepalive: the client has no keepalive timer at all.
    assert of_reason(ev, KEEPALIVE) == [], ev
