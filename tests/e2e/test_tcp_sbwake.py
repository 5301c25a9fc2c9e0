# SPDX-License-Identifier: BSD-2-Clause
"""TCP provider end to end: reader wakeups (SB_WAKE type RCV, from the
sock:sk_data_ready tracepoint) on a loopback connection, seen by a capture
of keyword APP at VERBOSE."""
import json
import struct

from lib.proc import PYTHON, run
from lib.elogfile import read_capture

DEFAULT = "kern.eventlog.tcp.default"
SB_WAKE = 503
SB_WAKE_RCV = 1
SBS_CANTSENDMORE, SBS_CANTRCVMORE = 0x10, 0x20
SB_WAIT = 0x04
# The last burst is sent while the reader is already blocked in recv().
BURSTS = [100, 2000, 20000, 3000]

# The client only sends; the server reads each burst whole before the next
# one leaves. The client closes first: its FIN reaches the server, and the
# server's FIN reaches a client already closed (orphaned sockets are not
# woken), so the client never has anything to read.
WORKLOAD = r'''
import json, socket, sys, threading, time
bursts = [int(x) for x in sys.argv[1:]]
SO_COOKIE = 57
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
l.bind(("127.0.0.1", 0))
l.listen(4)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(l.getsockname())
a, _ = l.accept()
cookie = lambda s: int.from_bytes(s.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8), "little")
out = {"client": cookie(c), "server": cookie(a), "listener": cookie(l)}
def read(n):
    got = 0
    while got < n:
        got += len(a.recv(n - got))
for n in bursts[:-1]:
    c.sendall(b"x" * n)
    read(n)
    time.sleep(0.05)
t = threading.Thread(target=read, args=(bursts[-1],))
t.start()
time.sleep(0.2)  # the reader sleeps on the socket's wait queue
c.sendall(b"x" * bursts[-1])
t.join()
time.sleep(0.05)
c.close()
assert a.recv(16) == b""
a.close()
l.close()
time.sleep(0.05)
print(json.dumps(out), flush=True)
'''


def test_sb_wake_rcv(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    cap = env.capture("sbwake.elog", "VERBOSE", "APP")
    p = run(["ip", "netns", "exec", env.traffic.ns, PYTHON, "-c", WORKLOAD] + [str(b) for b in BURSTS])
    w = json.loads(p.stdout.strip().splitlines()[-1])
    cap.stop()
    hdr, _, recs = read_capture(cap.path)
    assert hdr["dropped"] == 0

    def wakes(session):
        return [struct.unpack("<IIIB3x", r.payload) for r in recs if r.session == session and r.id == SB_WAKE]

    server = wakes(w["server"])
    assert server, "no SB_WAKE on the receiving session"
    assert all(x[3] == SB_WAKE_RCV for x in server), server
    data = [x for x in server if x[1] > 0]
    # At least one wakeup per burst; the reader drained each burst before
    # the next was sent, so a wakeup never sees more than one burst, and the
    # last wakeup of each burst sees all of it (one loopback segment each).
    assert len(data) >= len(BURSTS), server
    assert all(x[1] <= max(BURSTS) for x in data), server
    lens = iter(x[1] for x in data)
    assert all(any(n == got for got in lens) for n in BURSTS), (BURSTS, server)
    # The reader blocked in recv() is a sleeper on the wait queue: SB_WAIT.
    blocked = [x for x in data if x[1] == BURSTS[-1]]
    assert blocked and blocked[-1][0] & SB_WAIT, server
    # Data wakeups come before the FIN: nothing shut down yet.
    assert all(x[2] == 0 for x in data), server
    # The FIN wakes the reader too, with nothing to read and the receive
    # side shut (FreeBSD's socantrcvmore wakes the reader as well).
    fin = [x for x in server if x[1] == 0]
    assert fin and all(x[2] & SBS_CANTRCVMORE for x in fin), server
    assert server[-1][2] & SBS_CANTRCVMORE, server

    # The client never had anything to read; the listener's wakeups (new
    # connections) are not socket-buffer wakeups.
    assert wakes(w["client"]) == [], wakes(w["client"])
    assert wakes(w["listener"]) == [], wakes(w["listener"])
