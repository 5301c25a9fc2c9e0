# SPDX-License-Identifier: BSD-2-Clause
"""Two "hosts" (network namespaces joined by a veth pair) captured live
into the two-shard cluster's Distributed tables, one `elog -c tcp
--clickhouse` per host, each inserting through its own server. Each
host's elog selects its own sockets (every socket of a host is named with
the host's log id, as if each elog saw only its own kernel), and a second
elog per host with the same selection writes a capture file: per host,
the rows read through the Distributed tables are exactly the capture's
events (per session and event), and the example queries of docs/FLEET.md
return what the captures say, with loss injected on one host only (nft
drops, on its input, what its clients' peer sends): the connections with
RTOs are that host's, those it sent data on during the drop."""

import collections
import json
import os
import signal
import subprocess
import sys
import time

from conftest import REPO, need
from test_fleet import fleet_sql, pair  # noqa: F401 (a fixture)
from test_live import Logging, bpf_ready
from test_sink import conn_expectation, mapped, spill_dir

sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
from lib import kernel, net  # noqa: E402

PYTHON = "/usr/bin/python3"
LOSSY, ECHO = 7001, 7002  # ports: the lossy host's clients send to LOSSY
ADDR = {"edge1": "10.1.2.1", "edge2": "10.1.2.2"}  # the /24 of rto_24 as written
LOSSY_HOST = "edge1"

# One host's sockets, all named with its log id (TCP_EVENTLOG_LOG_ID, 82).
# Driven by lines on stdin; prints a line of JSON at each step. The LOSSY
# listener only reads: nothing its host sends can be lost, so its RTOs
# are the clients'.
WORKLOAD = r'''
import fcntl, json, socket, struct, sys, termios, threading, time
name, me, peer, lossy, echo = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
threads, stop = [], threading.Event()

def named(s):
    s.setsockopt(socket.IPPROTO_TCP, 82, name.encode())
    return s

def serve(l, reply):
    l.settimeout(0.05)
    while not stop.is_set():
        try:
            a, _ = l.accept()
        except socket.timeout:
            continue
        a.settimeout(None)
        named(a)
        def run(a=a):
            while True:
                b = a.recv(65536)
                if not b:
                    break
                if reply:
                    a.sendall(b)
            a.close()
        t = threading.Thread(target=run, daemon=True)
        t.start()
        threads.append(t)
    l.close()

def listen(port, reply):
    l = named(socket.socket())
    l.bind((me, port))
    l.listen(16)
    t = threading.Thread(target=serve, args=(l, reply), daemon=True)
    t.start()
    threads.append(t)

def client(addr, port):
    c = named(socket.socket())
    c.connect((addr, port))
    return c

def talk(c, n=20):
    for _ in range(n):
        c.sendall(b"x" * 1000)
        got = 0
        while got < 1000:
            got += len(c.recv(65536))

def unacked(c):
    return struct.unpack("i", fcntl.ioctl(c.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]

def say(**kw):
    print(json.dumps(kw), flush=True)

if sys.argv[6] == "lossy":
    listen(echo, True)
    say(ready=1)
    sys.stdin.readline()                       # go
    out = [client(peer, echo), client(me, echo)]
    for c in out:
        talk(c)
    cs = [client(peer, lossy) for _ in range(3)]
    say(lossy=[c.getsockname()[1] for c in cs], others=[c.getsockname()[1] for c in out])
    sys.stdin.readline()                       # the test drops the peer's segments now
    for c in cs:
        c.sendall(b"y" * 1000)
    say(sent=1)
    sys.stdin.readline()                       # and lifts the drop
    end = time.monotonic() + 20
    while any(unacked(c) for c in cs) and time.monotonic() < end:
        time.sleep(0.01)
    say(acked=not any(unacked(c) for c in cs))
    for c in out + cs:
        c.close()
else:
    listen(lossy, False)
    listen(echo, True)
    say(ready=1)
    sys.stdin.readline()                       # go
    out = [client(peer, echo), client(peer, echo), client(me, echo)]
    for c in out:
        talk(c)
    ports = [c.getsockname()[1] for c in out]
    for c in out:
        c.close()
    say(others=ports)
sys.stdin.readline()                           # end: the peer is done too
stop.set()
for t in threads:
    t.join()
say(done=1)
'''


class Hosts:
    """Two namespaces joined by a veth pair, lo up in each; deleted (with
    their nft tables) whatever happens."""

    def __init__(self):
        tag = f"{os.getpid()}"
        self.ns = {h: f"elogch{i}_{tag}" for i, h in enumerate(ADDR, 1)}

    def __enter__(self):
        try:
            for ns in self.ns.values():
                subprocess.run(["ip", "netns", "add", ns], check=True)
                subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
            n1, n2 = self.ns["edge1"], self.ns["edge2"]
            subprocess.run(["ip", "link", "add", "v0", "netns", n1, "type", "veth", "peer",
                            "name", "v0", "netns", n2], check=True)
            for h, ns in self.ns.items():
                subprocess.run(["ip", "-n", ns, "addr", "add", ADDR[h] + "/24", "dev", "v0"],
                               check=True)
                subprocess.run(["ip", "-n", ns, "link", "set", "v0", "up"], check=True)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for ns in self.ns.values():
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def step(p, line=None):
    """Tells a workload its next step; returns the line of JSON it prints."""
    if line:
        p.stdin.write(line + "\n")
        p.stdin.flush()
    out = p.stdout.readline()
    if not out:
        p.wait()
        with open(p.errpath) as f:
            raise AssertionError(f"the workload exited {p.returncode}: {f.read()}")
    return json.loads(out)


def by_session_event(events):
    return collections.Counter((e["session"], e["event"]) for e in events)


def test_live_two_hosts_distributed(pair, tools, workdir):  # noqa: F811
    need(bpf_ready(), "live capture needs root and BTF")
    need(os.access("/usr/sbin/nft", os.X_OK), "nft (nftables) is needed for loss injection")
    need(os.access(PYTHON, os.X_OK), PYTHON + " is needed for the workloads")
    a, b = pair
    server_of = {"edge1": a, "edge2": b}
    procs, caps, ch = [], {}, {}
    with Hosts() as hosts, Logging(tools):
        try:
            before = kernel.conf_subscribers("tcp")[0]
            for h in ADDR:
                env = dict(os.environ, ELOG_CLICKHOUSE_HOST=h,
                           ELOG_CLICKHOUSE_SPILL_DIR=spill_dir(workdir, h))
                sel = ["-c", "tcp", "-b", "4M", "--log-id", h]
                ch[h] = subprocess.Popen(
                    [tools["elog"]] + sel + ["-s", "--clickhouse",
                                             server_of[h].url + "?database=eventlog"],
                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                procs.append(ch[h])
                caps[h] = os.path.join(workdir, h + ".elog")
                procs.append(subprocess.Popen([tools["elog"]] + sel + ["-o", caps[h]],
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                              text=True))
            # All four subscribed: from now on each sees every event.
            end = time.monotonic() + 20
            while kernel.conf_subscribers("tcp")[0] < before + 4:
                assert time.monotonic() < end and all(p.poll() is None for p in procs), \
                    [p.communicate()[1] for p in procs if p.poll() is not None]
                time.sleep(0.05)

            w = {}
            for h, peer in (("edge1", "edge2"), ("edge2", "edge1")):
                errpath = os.path.join(workdir, h + ".err")
                with open(errpath, "w") as err:
                    w[h] = subprocess.Popen(
                        ["ip", "netns", "exec", hosts.ns[h], PYTHON, "-c", WORKLOAD, h,
                         ADDR[h], ADDR[peer], str(LOSSY), str(ECHO),
                         "lossy" if h == LOSSY_HOST else "plain"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True)
                w[h].errpath = errpath
                procs.append(w[h])
            for h in w:
                assert step(w[h]) == {"ready": 1}
            step(w["edge2"], "go")
            lossy = step(w["edge1"], "go")
            # While the lossy host's clients send, it drops what their
            # peer's LOSSY port sends (the ACKs): the clients time out
            # (RTO, from ~0.2 s on, backing off) until the drop is lifted.
            with net.nft_dropping(hosts.ns["edge1"], "elogch", f"tcp sport {LOSSY} drop"):
                assert step(w["edge1"], "send") == {"sent": 1}
                time.sleep(1.0)
            assert step(w["edge1"], "lifted") == {"acked": True}
            for h in w:
                w[h].stdin.write("end\n")
                w[h].stdin.flush()
            for h in w:
                assert json.loads(w[h].stdout.readline()) == {"done": 1}
                assert w[h].wait(timeout=10) == 0
            time.sleep(0.3)  # the last sessions' ends reach the rings
            for p in procs[:4]:
                p.send_signal(signal.SIGINT)
            err_of = {}
            for p in procs[:4]:
                _, err_of[p] = p.communicate(timeout=60)
                assert p.returncode == 0, err_of[p]
            errs = {h: err_of[ch[h]] for h in ch}
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()

    events = {}
    for h in ADDR:
        js = subprocess.run([tools["elog"], "-r", caps[h], "--json"], check=True,
                            capture_output=True, text=True).stdout
        events[h] = [json.loads(l) for l in js.splitlines()]
        st = subprocess.run([tools["elog"], "-r", caps[h], "-s"], check=True,
                            capture_output=True, text=True).stderr
        assert "Dropped events: 0" in st, st
        assert os.listdir(spill_dir(workdir, h)) == []

    # Per host, through the Distributed tables (one server answers for
    # both shards): the capture's events, session by session, event by
    # event, each row once.
    for h, evs in events.items():
        assert evs and {e["provider"] for e in evs} == {"tcp"}
        got = collections.Counter()
        for l in a.query("SELECT session, event, count() FROM eventlog.tcp_events "
                         f"WHERE host = '{h}' GROUP BY session, event").splitlines():
            s, e, n = l.split("\t")
            got[(int(s), e)] = int(n)
        assert got == by_session_event(evs), h
        n, uniq = a.query("SELECT count(), uniqExact(ins_seq) FROM eventlog.tcp_events "
                          f"WHERE host = '{h}'").split()
        assert int(n) == int(uniq) == len(evs)
        assert f"Inserted: {len(evs)}\n" in errs[h], errs[h]
        # Only its own sockets: their log id once told.
        ids = set(a.query("SELECT DISTINCT conn_log_id FROM eventlog.tcp_events "
                          f"WHERE host = '{h}'").split())
        assert ids == {h}, ids

    # rto_24, as written: the connections that had RTOs are the lossy
    # host's clients of LOSSY, every one of them, and nothing else.
    sql = fleet_sql()
    want = set()
    for h, evs in events.items():
        for e, conn in zip(evs, conn_expectation(evs)):
            if e["event"] == "RTO" and conn[2][0][:15] == mapped("10.1.2.0")[:15]:
                want.add((h, e["session"], conn[1][1], conn[2][1]))
    assert {(h, dport) for h, _, _, dport in want} == {(LOSSY_HOST, LOSSY)}
    assert {sport for _, _, sport, _ in want} == set(lossy["lossy"])
    got = set()
    for l in a.query(sql["rto_24"]).splitlines():
        f = l.split("\t")
        got.add((f[0], int(f[1]), int(f[4]), int(f[6])))
    assert got == want

    # p99 srtt per service port per datacenter, and recovery episodes
    # since the last kernel change, with an inventory of the two hosts.
    a.run_script(sql["hosts"])
    since = int(time.time()) - 3600
    a.query("INSERT INTO eventlog.hosts VALUES ('edge1', 'dc-a', 'k1', "
            f"toDateTime({since})), ('edge2', 'dc-b', 'k2', toDateTime({since}))")
    dc = {"edge1": "dc-a", "edge2": "dc-b"}
    ports = collections.defaultdict(list)
    for h, evs in events.items():
        for e, conn in zip(evs, conn_expectation(evs)):
            if e["event"] == "RTT":
                ports[(dc[h], conn[1][1])].append(e["fields"]["srtt"])
    rows = [l.split("\t") for l in a.query(sql["p99_srtt"]).splitlines()]
    assert {(r[0], int(r[1])): int(r[3]) for r in rows} == {k: len(v) for k, v in ports.items()}
    assert (dc["edge2"], LOSSY) in ports and (dc["edge1"], ECHO) in ports
    recov = collections.Counter(h for h, evs in events.items() for e in evs
                                if e["event"] == "ENTER_RECOVERY")
    got = {l.split("\t")[0]: int(l.split("\t")[1])
           for l in a.query(sql["recovery_after_kernel"]).splitlines()}
    assert got == dict(recov)
