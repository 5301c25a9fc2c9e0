# SPDX-License-Identifier: BSD-2-Clause
"""Selectors on a live capture (`elog -c tcp --port ...`): real traffic in a
namespace, captured at once by an unselected capture and by selected ones.
Each selected capture must hold, session by session and in order, exactly
what `elog -r` selects from the unselected one with the same selectors: the
connection's events before its addresses or log id were known (held until
they were), those of a connection opened before the capture (whose facts
the state dump gives again), and none of the other connections. A live
selection that matches nothing says so and exits 1."""
import json
import os
import subprocess
import time

from lib.proc import PYTHON, run

P, Q = 5001, 5002

# Before "go": a connection to P that stays open. After: it talks again; a
# connection to Q sends, is named (TCP_EVENTLOG_LOG_ID, 82), sends more; a
# second connection to P; everything closes.
WORKLOAD = r'''
import json, socket, sys, time
P, Q = int(sys.argv[1]), int(sys.argv[2])
lp, lq = socket.socket(), socket.socket()
lp.bind(("127.0.0.1", P)); lp.listen(4)
lq.bind(("127.0.0.1", Q)); lq.listen(4)
def pair(l):
    c = socket.socket()
    c.connect(l.getsockname())
    a, _ = l.accept()
    return c, a
def talk(c, a, n=3):
    for _ in range(n):
        c.sendall(b"x" * 1000)
        got = 0
        while got < 1000:
            got += len(a.recv(4096))
        a.sendall(b"ok")
        c.recv(2)
pre_c, pre_a = pair(lp)
talk(pre_c, pre_a)
time.sleep(0.6)  # quiet (delayed ACK, timers): every capture's dump sees one state
print("ready", flush=True)
sys.stdin.readline()
talk(pre_c, pre_a)
b_c, b_a = pair(lq)
talk(b_c, b_a, 5)
b_c.setsockopt(socket.IPPROTO_TCP, 82, b"elog-live-b")
talk(b_c, b_a, 2)
c_c, c_a = pair(lp)
talk(c_c, c_a)
ports = {"pre": pre_c.getsockname()[1], "b": b_c.getsockname()[1], "c": c_c.getsockname()[1]}
for s in (pre_c, pre_a, b_c, b_a, c_c, c_a, lp, lq):
    s.close()
time.sleep(0.1)
print(json.dumps(ports), flush=True)
'''

SELECTIONS = {
    "port": ["--port", str(P)],
    "logid": ["--log-id", "elog-live-b"],
    "conn_event": ["--conn", "127.0.0.1:%d" % Q, "--event", "OUT,USER_SEND,CONN_SET_IP_V4"],
}


def by_session(lines):
    """session -> its events in order, without what a state dump stamps
    per subscriber (time, CPU, thread)."""
    out = {}
    for l in lines:
        e = json.loads(l)
        for k in ("time", "boot_us", "cpu", "thread"):
            e.pop(k)
        out.setdefault(e["session"], []).append(e)
    return out


def test_live_selectors(tcp_env, netns):
    env = tcp_env
    env.ctl.set("kern.eventlog.tcp.default", 1)
    env.ctl.set("net.inet.tcp.eventlog.log_id_limit", -1)
    w = subprocess.Popen(["ip", "netns", "exec", netns, PYTHON, "-c", WORKLOAD, str(P), str(Q)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    env.procs.append(w)
    assert w.stdout.readline().strip() == "ready"
    # The unselected capture takes the state dump too, as the selected
    # ones do by themselves: the connection opened before is in both.
    caps = {"all": env.capture("all.elog", "TRACE", extra=["-D", "-b", "8M"])}
    for name, sel in SELECTIONS.items():
        caps[name] = env.capture(name + ".elog", "TRACE", extra=["-b", "8M"] + sel)
    w.stdin.write("go\n")
    w.stdin.flush()
    ports = json.loads(w.stdout.readline())
    w.wait(timeout=30)
    time.sleep(0.2)
    for c in caps.values():
        c.stop()
    elog = caps["all"].elog

    for name, sel in SELECTIONS.items():
        want = by_session(run([elog, "-r", caps["all"].path, "--json"] + sel).stdout.splitlines())
        got = by_session(run([elog, "-r", caps[name].path, "--json"]).stdout.splitlines())
        assert want, name
        assert got.keys() == want.keys(), (name, sorted(got), sorted(want))
        for sid in want:
            assert got[sid] == want[sid], (name, sid, len(got[sid]), len(want[sid]))

    def ports_of(path):
        return {(e["fields"]["src_port"], e["fields"]["dst_port"])
                for e in map(json.loads, run([elog, "-r", path, "--json", "--event", "CONN_SET_IP_V4"]).stdout.splitlines())}

    # Both ends of the connection opened before the capture and of the one
    # opened during it, nothing else.
    assert ports_of(caps["port"].path) == {(ports["pre"], P), (P, ports["pre"]), (ports["c"], P),
                                          (P, ports["c"]), (P, 0)}
    # The named client: every event, those before its name too.
    (sid,) = by_session(run([elog, "-r", caps["logid"].path, "--json"]).stdout.splitlines()).keys()
    evs = [json.loads(l)["event"] for l in run([elog, "-r", caps["logid"].path, "--json"]).stdout.splitlines()]
    assert evs[0] == "SESSION_CREATE" and evs.index("LOG_ID") > evs.index("USER_SEND") > 0, evs
    assert ports_of(caps["logid"].path) == {(ports["b"], Q)}


def test_live_selection_of_nothing(tcp_env, netns):
    tcp_env.ctl.set("kern.eventlog.tcp.default", 1)
    cap = tcp_env.capture("none.elog", "TRACE", extra=["--port", "1"])
    run(["ip", "netns", "exec", netns, PYTHON, "-c", WORKLOAD.split("pre_c, pre_a")[0] +
         "c, a = pair(lp)\ntalk(c, a)\n", str(P), str(Q)])
    cap.proc.send_signal(2)
    _, err = cap.proc.communicate(timeout=15)
    assert cap.proc.returncode == 1
    assert err.decode().endswith("elog: no connection matched --port 1 during the capture\n"), err
    # The capture is still a valid, empty one.
    assert os.path.getsize(cap.path) > 0
    assert run([cap.elog, "-r", cap.path]).stdout == ""
