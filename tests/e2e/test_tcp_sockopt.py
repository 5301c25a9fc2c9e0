# SPDX-License-Identifier: BSD-2-Clause
"""TCP provider end to end: the TCP_EVENTLOG socket option (81) from an
unprivileged process, listener inheritance, and Linux's own answer without
the provider."""
import errno
import os
import signal
import socket
import subprocess
import time

from lib.proc import wait_for
from lib.elogfile import read_capture
from lib.tcp import CONN_PARAMS, CONN_SET_IP_V4, IN, LOG_ID, OUT, SESSION_CREATE, parse_text, ports_v4

DEFAULT = "kern.eventlog.tcp.default"
LIMIT = "net.inet.tcp.eventlog.log_id_limit"
TCP_EVENTLOG = 81


def test_unprivileged_opt_in_logs_only_those_sockets(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 0)
    cap, w, _, recs = env.captured("optin.elog", "optin", 4, user=65534)
    assert w["uid"] == 65534
    # Accepted on an enabled listener: enabled; the rest as each was set.
    assert w["get"] == {"l1": 1, "a1": 1, "c1": 0, "l2": 0, "a2": 0, "c2": 1}
    ours = {w["l1"], w["l2"], w["c1"], w["c2"]}
    logged = {}
    for r in recs:
        if r.id == CONN_SET_IP_V4:
            _, sport, _, dport = ports_v4(r.payload)
            if sport in ours or dport in ours:
                logged[(sport, dport)] = r.session
    # Exactly: the enabled listener, its accepted socket, the enabled client.
    assert set(logged) == {(w["l1"], 0), (w["l1"], w["c1"]), (w["c2"], w["l2"])}, logged
    for key, sess in logged.items():
        ids = [r.id for r in recs if r.session == sess]
        assert ids[0] == SESSION_CREATE and IN in ids and OUT in ids, (key, ids)
    # The opted-in client's whole handshake is there.
    text = parse_text(cap.decode())
    c2 = [l for l in text if l[1] == logged[(w["c2"], w["l2"])]]
    assert any(l[2] == "OUT" and "flags SYN)" in l[3] for l in c2)
    assert c2[-1][2] == "SESSION_END"


def test_log_id_names_and_enables_within_the_limit(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 0)
    env.ctl.set(LIMIT, 2)
    _, w, _, recs = env.captured("logid.elog", "logid", 4, 3)
    assert w["names"] == ["elog-0", "elog-1", "elog-2"]
    # Default 0: a name enables its connection while the limit lasts.
    assert w["enabled"] == [1, 1, 0]
    assert env.ctl.get(LIMIT) == 0, "the limit counts down as used"
    clients = {}
    for r in recs:
        if r.id == CONN_SET_IP_V4:
            _, sport, _, dport = ports_v4(r.payload)
            if dport == w["lport"] and sport in w["cports"]:
                clients[w["cports"].index(sport)] = r.session
    assert sorted(clients) == [0, 1], clients
    for i, sess in clients.items():
        ids = [r.id for r in recs if r.session == sess]
        # Enabled by its name: the state first, the name in it.
        assert ids[:4] == [SESSION_CREATE, CONN_SET_IP_V4, LOG_ID, CONN_PARAMS], ids
        names = [r.payload.rstrip(b"\0").decode() for r in recs if r.session == sess and r.id == LOG_ID]
        assert names == ["elog-%d" % i]
        assert OUT in ids and IN in ids, "logged from then on"
    # -1: unlimited, and it stays -1.
    env.ctl.set(LIMIT, -1)
    w = env.traffic.workload("logid", 4, 2)
    assert w["enabled"] == [1, 1] and env.ctl.get(LIMIT) == -1


def test_log_id_of_an_enabled_session_is_logged_whatever_the_limit(tcp_env):
    """TCP_EVENTLOG=1 and then a name, with default 0 and
    log_id_limit 0: the name is logged (the limit only decides whether
    naming enables), and -f tcp names the file after it."""
    env = tcp_env
    env.ctl.set(DEFAULT, 0)
    env.ctl.set(LIMIT, 0)
    cap = env.capture("named.elog", "TRACE")
    d = os.path.join(env.tmp, "named")
    per = subprocess.Popen([os.path.join(env.bindir, "elog"), "-c", "tcp", "TRACE", "-o", "dir=" + d,
                            "-f", "tcp"], stderr=subprocess.PIPE, text=True)
    env.procs.append(per)
    assert wait_for(lambda: os.path.isdir(d), timeout=10.0)
    time.sleep(0.2)
    w = env.traffic.workload("logid", 4, 1, "enabled")
    time.sleep(0.2)
    cap.stop()
    per.send_signal(signal.SIGINT)
    assert per.wait(timeout=15) == 0, per.stderr.read()
    assert w["names"] == ["elog-0"] and w["enabled"] == [1]
    assert env.ctl.get(LIMIT) == 0, "the limit was not used"
    _, _, recs = read_capture(cap.path)
    sess = [r.session for r in recs if r.id == CONN_SET_IP_V4 and ports_v4(r.payload)[1] == w["cports"][0]]
    assert sess, "the client is logged"
    names = [r.payload.rstrip(b"\0").decode() for r in recs if r.session == sess[0] and r.id == LOG_ID]
    assert names == ["elog-0"], names
    want = "elog-0_%d_127.0.0.1_%d.elog" % (w["cports"][0], w["lport"])
    assert want in os.listdir(d), sorted(os.listdir(d))


def test_without_the_provider_linux_says_enoprotoopt(tcp_env):
    env = tcp_env
    env.ctl("-U", "tcp")
    try:
        def answered():
            """The errnos of set and get; the kernel drops unpinned links
            asynchronously, so this is polled."""
            s = socket.socket()
            out = []
            try:
                for call in (lambda: s.setsockopt(socket.IPPROTO_TCP, TCP_EVENTLOG, 1),
                             lambda: s.getsockopt(socket.IPPROTO_TCP, TCP_EVENTLOG, 4)):
                    try:
                        call()
                        out.append(0)
                    except OSError as e:
                        out.append(e.errno)
            finally:
                s.close()
            return out
        assert wait_for(lambda: answered() == [errno.ENOPROTOOPT] * 2, timeout=5.0), answered()
    finally:
        env.ctl("-L", "tcp")
    s = socket.socket()
    try:
        s.setsockopt(socket.IPPROTO_TCP, TCP_EVENTLOG, 1)
        assert int.from_bytes(s.getsockopt(socket.IPPROTO_TCP, TCP_EVENTLOG, 4), "little") == 1
    finally:
        s.close()
