#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""bench/bb_load.py: the black box's load for bench/blackbox.sh.

  bb_load.py conns N ROUNDS PORT
                              N connections to one listener on 127.0.0.1:PORT,
                              all open at once, each doing ROUNDS small
                              request/response exchanges; with all of them
                              still open, the black box's counters and the
                              memory its maps hold; then every one closed
                              and, 3 s later, the slots still held
  bb_load.py latency N DIR    N dumps of one connection by each trigger
                              (request: TCP_EVENTLOG_DUMP on the socket;
                              demand: elog --dump tcp --session COOKIE), each
                              timed from just before the trigger to its line
                              in DIR/index.jsonl with its file in place

Runs in the caller's network namespace; reads the provider's pins in
/sys/fs/bpf/eventlog/tcp and calls $ELOGCTL, $ELOG and bpftool. Prints
"key<TAB>value" lines (bench/blackbox.sh turns them into results.tsv).
"""
import datetime
import json
import os
import resource
import socket
import struct
import subprocess
import sys
import time

ELOGCTL = os.environ.get("ELOGCTL", "elogctl")
ELOG = os.environ.get("ELOG", "elog")
PINS = "/sys/fs/bpf/eventlog/tcp"
BB = "net.inet.tcp.eventlog.blackbox."
TCP_EVENTLOG_DUMP = 84
SO_COOKIE = 57


def out(key, value):
    print("%s\t%s" % (key, value), flush=True)


def knob(name):
    return int(subprocess.run([ELOGCTL, "-n", name], check=True, capture_output=True,
                              text=True).stdout.strip())


def memlock(pin):
    """bytes_memlock of a pinned map: the kernel's own accounting (for a
    hash map without preallocation, what its elements take now)."""
    r = subprocess.run(["bpftool", "map", "show", "pinned", os.path.join(PINS, pin), "-j"],
                       check=True, capture_output=True, text=True)
    m = json.loads(r.stdout)
    return m["bytes_memlock"], m["bytes_value"]


def counters():
    return {k: knob(BB + k) for k in ("sessions", "refused", "trimmed", "records")}


def conns(n, rounds, port):
    # The clients in a child process: each process holds n sockets (the
    # hard RLIMIT_NOFILE may be below 2n and CAP_SYS_RESOURCE not ours).
    need = n + 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        sys.exit("bb_load.py: %d connections need %d open files; the hard limit is %d" % (n, need, hard))
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    out("global_limit", knob("net.inet.tcp.eventlog.global_limit"))
    out("session_limit", knob("net.inet.tcp.eventlog.session_limit"))
    c0 = counters()
    for pin in ("elog_bb_buf", "elog_bb_meta"):
        out(pin + "_memlock_empty", memlock(pin)[0])
    lst = socket.socket()
    lst.bind(("127.0.0.1", port))
    lst.listen(4096)
    hold_r, hold_w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(hold_w)
        lst.close()
        cs = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
        # Both ends go through the connections in port order, in step.
        cs.sort(key=lambda c: c.getsockname()[1])
        for c in cs:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(rounds):
            for c in cs:
                c.sendall(b"q" * 100)
                got = 0
                while got < 1000:
                    got += len(c.recv(1000 - got))
        os.read(hold_r, 1)  # until the parent has measured
        for c in cs:
            c.close()
        os._exit(0)
    os.close(hold_r)
    ss = [lst.accept()[0] for _ in range(n)]
    ss.sort(key=lambda s: s.getpeername()[1])
    for s in ss:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for _ in range(rounds):
        for s in ss:
            got = 0
            while got < 100:
                got += len(s.recv(100 - got))
            s.sendall(b"r" * 1000)
    out("open_s", "%.1f" % (time.monotonic() - t0))
    time.sleep(1)
    c1 = counters()
    out("conns", n)
    out("sessions", c1["sessions"] - c0["sessions"])
    out("refused", c1["refused"] - c0["refused"])
    out("trimmed", c1["trimmed"] - c0["trimmed"])
    out("records", c1["records"])
    for pin in ("elog_bb_buf", "elog_bb_meta"):
        ml, vs = memlock(pin)
        out(pin + "_memlock", ml)
        out(pin + "_value", vs)
    os.close(hold_w)
    for s in ss:
        s.close()
    lst.close()
    _, st = os.waitpid(pid, 0)
    if st:
        sys.exit("bb_load.py: the clients' process failed")
    time.sleep(3)
    out("records_after_close", knob(BB + "records"))


def index_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def utc(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def latency(n, d):
    idx = os.path.join(d, "index.jsonl")
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(4)
    c = socket.create_connection(lst.getsockname())
    s, _ = lst.accept()
    cookie = struct.unpack("Q", c.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]
    for trig in ("request", "demand"):
        for i in range(n):
            for _ in range(20):
                c.sendall(b"x" * 1000)
                s.recv(2000)
            # A gap that is no multiple of the consumer's 50 ms poll, so the
            # triggers fall at every point of it.
            time.sleep(0.137)
            seen = len(index_lines(idx))
            t0 = time.time()
            if trig == "request":
                c.setsockopt(socket.IPPROTO_TCP, TCP_EVENTLOG_DUMP, struct.pack("i", 0))
            else:
                subprocess.run([ELOG, "--dump", "tcp", "--session", str(cookie)], check=True,
                               capture_output=True)
            t_cmd = time.time()
            deadline = t0 + 5
            while True:
                lines = index_lines(idx)
                new = [json.loads(x) for x in lines[seen:]]
                new = [x for x in new if x.get("session") == cookie and "file" in x]
                if new and os.path.exists(os.path.join(d, new[0]["file"])):
                    break
                if time.time() > deadline:
                    sys.exit("bb_load.py: no index line within 5 s of a %s dump" % trig)
                time.sleep(0.0005)
            t1 = time.time()
            out("%s_disk_ms" % trig, "%.2f" % ((t1 - t0) * 1e3))
            out("%s_made_ms" % trig, "%.2f" % ((utc(new[0]["time"]) - t0) * 1e3))
            out("%s_call_ms" % trig, "%.2f" % ((t_cmd - t0) * 1e3))
            out("%s_records" % trig, new[0]["records"])
    c.close()
    s.close()


def main(argv):
    if len(argv) == 5 and argv[1] == "conns":
        conns(int(argv[2]), int(argv[3]), int(argv[4]))
    elif len(argv) == 4 and argv[1] == "latency":
        latency(int(argv[2]), argv[3])
    else:
        sys.exit("usage: bb_load.py conns N ROUNDS PORT | latency N DIR")


if __name__ == "__main__":
    main(sys.argv)
