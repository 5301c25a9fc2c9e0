# SPDX-License-Identifier: BSD-2-Clause
"""What held a sender back, in `elog --summary` (app_limited_s,
cwnd_limited_s, rwnd_limited_s, other_limited_s; the rule is in
providers/tcp/tcp_summary.c), against workloads whose answer is known and
against the sender's own chronographs in TCP_INFO (tcpi_busy_time: time with
data queued or in flight; tcpi_rwnd_limited):

- a sender that sleeps between small writes is application-limited nearly
  all the time, and whatever is not app-limited fits in the kernel's busy
  time;
- a bulk sender through a 40 Mbit/s token bucket is almost never
  application-limited (what else held it, the congestion window or small
  queues and the moments between an ACK and what it lets out, changes with
  the machine's load from run to run);
- the same sender with its congestion window clamped to 10 segments (a
  locked route metric) is congestion-window-limited nearly all the time;
- a bulk sender whose receiver does not read for a while (small receive
  buffer) is receive-window-limited for as long as the kernel says."""
import json
import struct


from lib.proc import PYTHON, run
from lib.tcp import SCRIPT_LIB

WORKLOAD = SCRIPT_LIB + r'''
import json, socket, sys, time
mode = sys.argv[1]
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
if mode == "rwnd":
    # Inherited by the accepted socket: a window that fills at once.
    l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
l.bind(("127.0.0.1", 0))
l.listen(1)
def client():
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if mode == "clamped":
        # No pacing (bbr paces, cubic without fq does not): only the window.
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic")
    c.connect(l.getsockname())
    return c
if mode == "clamped":
    # A route's locked cwnd reaches a connection through the TCP metrics
    # cache, which the first connection's close fills in.
    c = client()
    a, _ = l.accept()
    c.sendall(b"x" * 1000)
    a.recv(1000)
    c.close(); a.close()
    time.sleep(0.1)
c = client()
a, _ = l.accept()
t, got = drain(a, 1 << 16, first=(lambda: time.sleep(0.4)) if mode == "rwnd" else None)
t0 = time.monotonic()
if mode == "sleeper":
    for _ in range(25):
        c.sendall(b"x" * 1000)
        time.sleep(0.02)
    total = 25000
else:
    total = {"bulk": 4 << 20, "clamped": 4 << 20}.get(mode, 1 << 20)
    buf = b"x" * (1 << 16)
    for _ in range(total >> 16):
        c.sendall(buf)
# Everything sent and acknowledged before the snapshot (the chronographs
# stop): tcpi_unacked and tcpi_notsent_bytes 0.
while True:
    info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 192)
    if struct.unpack_from("<I", info, 24)[0] == 0 and struct.unpack_from("<I", info, 144)[0] == 0:
        break
    time.sleep(0.005)
elapsed = time.monotonic() - t0
port = c.getsockname()[1]
c.shutdown(socket.SHUT_WR)
t.join()
c.close(); a.close(); l.close()
time.sleep(0.05)
print(json.dumps({"port": port, "info": info.hex(), "got": got[0], "total": total,
                  "elapsed": elapsed}), flush=True)
'''.replace("import json,", "import json, struct,")


def chrono(hexstr):
    """tcpi_busy_time, tcpi_rwnd_limited, tcpi_sndbuf_limited (struct
    tcp_info, linux/tcp.h), in seconds."""
    return [v / 1e6 for v in struct.unpack_from("<QQQ", bytes.fromhex(hexstr), 168)]


def run_workload(env, netns, mode, name):
    env.ctl.set("kern.eventlog.tcp.default", 1)
    cap = env.capture(name + ".elog", "TRACE", extra=["-b", "8M"])
    p = run(["ip", "netns", "exec", netns, PYTHON, "-c", WORKLOAD, mode])
    cap.stop()
    w = json.loads(p.stdout.strip().splitlines()[-1])
    assert w["got"] == w["total"]
    elog = env.bindir + "/elog"
    out = run([elog, "-r", cap.path, "--summary", "--json", "--port", str(w["port"])]).stdout
    rows = [json.loads(l) for l in out.splitlines()]
    (sender,) = [r for r in rows if r["local"] == "127.0.0.1:%d" % w["port"]]
    (receiver,) = [r for r in rows if r["remote"] == "127.0.0.1:%d" % w["port"]]
    return sender, receiver, w


def limits(r):
    return {k: r[k + "_limited_s"] for k in ("app", "cwnd", "rwnd", "other")}


def test_sleeping_sender_is_app_limited(tcp_env, netns):
    s, recv, w = run_workload(tcp_env, netns, "sleeper", "sleeper")
    busy, _, _ = chrono(w["info"])
    lim = limits(s)
    span = sum(lim.values())
    # From the first write to the FIN: the 25 writes 20 ms apart.
    assert 0.45 < span < w["elapsed"] + 0.1, (lim, w["elapsed"])
    assert lim["app"] > 0.95 * span, lim
    # Not app-limited only while data waited: inside the kernel's busy time.
    assert span - lim["app"] <= busy + 0.004, (lim, busy)
    # The receiving end wrote nothing: no figures.
    assert all(v is None for v in limits(recv).values()), recv


def bucket(netns):
    """40 Mbit/s on the namespace's loopback (Ethernet's MTU, so that the
    bucket's burst holds a packet): 4 MiB take about 0.9 s."""
    run(["ip", "-n", netns, "link", "set", "lo", "mtu", "1500"])
    run(["ip", "netns", "exec", netns, "tc", "qdisc", "add", "dev", "lo", "root", "tbf",
         "rate", "40mbit", "burst", "64kb", "latency", "20ms"])


def test_bulk_sender_is_not_app_limited(tcp_env, netns):
    bucket(netns)
    s, _, w = run_workload(tcp_env, netns, "bulk", "bulk")
    busy, _, _ = chrono(w["info"])
    lim = limits(s)
    span = sum(lim.values())
    assert span > 0.7, lim
    assert lim["app"] < 0.05 * span, lim
    # The sender was busy all along, as the kernel says.
    assert abs(busy - span) < 0.05 * span + 0.01, (lim, busy)


def test_clamped_sender_is_cwnd_limited(tcp_env, netns):
    bucket(netns)
    run(["ip", "-n", netns, "route", "replace", "local", "127.0.0.1", "dev", "lo",
         "table", "local", "proto", "kernel", "scope", "host", "src", "127.0.0.1",
         "cwnd", "lock", "10"])
    s, _, w = run_workload(tcp_env, netns, "clamped", "clamped")
    busy, _, _ = chrono(w["info"])
    lim = limits(s)
    span = sum(lim.values())
    assert s["cwnd_max"] <= 10 * 1448, s
    assert lim["app"] < 0.05 * span, lim
    assert lim["cwnd"] > 0.9 * span, lim
    assert abs(busy - span) < 0.05 * span + 0.01, (lim, busy)


def test_rwnd_limited_agrees_with_the_kernel(tcp_env, netns):
    s, _, w = run_workload(tcp_env, netns, "rwnd", "rwnd")
    _, rwnd, _ = chrono(w["info"])
    lim = limits(s)
    # The receiver slept 0.4 s with a 16 KiB buffer: the window shut.
    assert rwnd > 0.3, rwnd
    # Linux's chronographs count jiffies (4 ms at HZ=250).
    assert abs(lim["rwnd"] - rwnd) < 0.1 * rwnd + 0.02, (lim, rwnd)
    assert lim["app"] < 0.05 * sum(lim.values()), lim
    assert s["zero_window_s"] > 0.2, s
