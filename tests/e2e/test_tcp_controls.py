# SPDX-License-Identifier: BSD-2-Clause
"""TCP provider end to end: state dumps, the default's 2 and -1, and session
accounting when connections die by RST. Every control changed is restored."""
import os

import pytest

from lib.proc import wait_for
from lib.elogfile import read_capture
from lib.tcp import (CONN_PARAMS, CONN_SET_IP_V4, DUMP_COMPLETE, IN, OUT, SESSION_CREATE, SESSION_END,
                     TH_RST, seg, sessions_by_port)

DEFAULT = "kern.eventlog.tcp.default"


def test_dump_state_of_an_older_connection(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    ns = env.traffic
    holder, w = ns.hold(4)
    cap = env.capture("dump.elog", "TRACE", extra=["-D"])
    cap.stop()
    ns.release(holder)
    _, _, recs = read_capture(cap.path)
    s = sessions_by_port(recs, w["lport"], w["cports"])
    (client,) = s["clients"]
    done = [i for i, r in enumerate(recs) if r.id == DUMP_COMPLETE]
    assert len(done) == 1, "exactly one DUMP_COMPLETE"
    ids = [r.id for r in recs[:done[0]] if r.session == client]
    # SESSION_CREATE first, then its address, then its parameters.
    assert ids[:3] == [SESSION_CREATE, CONN_SET_IP_V4, CONN_PARAMS], ids
    assert s["servers"] and s["listener"] is not None, "the whole connection is dumped"
    assert all(r.id not in (IN, OUT) for r in recs[:done[0]]), "the dump holds state, not traffic"


def test_dump_goes_only_to_the_subscriber_that_asked(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    holder, w = env.traffic.hold(4)
    first = env.capture("first.elog", "TRACE")
    second = env.capture("second.elog", "TRACE", extra=["-D"])
    second.stop()
    first.stop()
    env.traffic.release(holder)
    _, _, a = read_capture(first.path)
    _, _, b = read_capture(second.path)
    client_b = sessions_by_port(b, w["lport"], w["cports"])["clients"]
    assert client_b, "the -D capture got the dump"
    # The connection was idle: the first capture saw nothing of it.
    assert not sessions_by_port(a, w["lport"], w["cports"])["clients"]
    assert not any(r.id in (SESSION_CREATE, DUMP_COMPLETE) and r.session in client_b for r in a)
    assert not any(r.id == DUMP_COMPLETE for r in a)


def test_default_2_and_minus_1(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 0)
    ns = env.traffic
    holder, w = ns.hold(4)
    cap = env.capture("walk.elog", "INFO")
    before = env.counters()["sessions_enabled"]
    out = env.ctl.set(DEFAULT, 2).stdout
    assert out.startswith("kern.eventlog.tcp.default: 0 -> "), out
    assert env.ctl.get(DEFAULT) == 1, "2 stores 1"
    raised = env.counters()["sessions_enabled"]
    # The listener, the client and the accepted socket, at least.
    assert raised >= before + 3, (before, raised)
    env.ctl.set(DEFAULT, -1)
    assert env.ctl.get(DEFAULT) == 0, "-1 stores 0"
    assert env.counters()["sessions_enabled"] == 0, "-1 disables every live session"
    cap.stop()
    ns.release(holder)
    # Enabling by default 2 gave the subscriber each session's context.
    _, _, recs = read_capture(cap.path)
    s = sessions_by_port(recs, w["lport"], w["cports"])
    (client,) = s["clients"]
    ids = [r.id for r in recs if r.session == client]
    assert ids[:3] == [SESSION_CREATE, CONN_SET_IP_V4, CONN_PARAMS], ids


def test_rst_closes_leave_no_session_behind(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    base = env.counters()
    cap = env.capture("rst.elog", "TRACE")
    w = env.traffic.workload("rst", 4, 10)
    cap.stop()
    assert len(w["cports"]) == 10
    # Counters are exact once every socket is gone (no TIME_WAIT with RST).
    assert wait_for(lambda: env.counters()["sessions_active"] == base["sessions_active"]), \
        "sessions_active %d, baseline %d" % (env.counters()["sessions_active"], base["sessions_active"])
    now = env.counters()
    assert now["sessions_created"] - base["sessions_created"] >= 21  # 10 clients, 10 accepted, 1 listener
    assert now["sessions_enabled"] == base["sessions_enabled"]
    _, _, recs = read_capture(cap.path)
    s = sessions_by_port(recs, w["lport"], w["cports"])
    assert len(s["clients"]) == 10 and len(s["servers"]) == 10
    rst_out = [r for r in recs if r.session in s["clients"] and r.id == OUT and seg(r.payload)[2] & TH_RST]
    rst_in = [r for r in recs if r.session in s["servers"] and r.id == IN and seg(r.payload)[2] & TH_RST]
    assert len(rst_out) == 10 and len(rst_in) == 10
    ended = {r.session for r in recs if r.id == SESSION_END}
    assert s["clients"] | s["servers"] | {s["listener"]} <= ended, "every session ended"
