# SPDX-License-Identifier: BSD-2-Clause
"""elog -c tcp --clickhouse URL: a live capture of loopback TCP traffic
inserted into a real server; every event elog received is a row, and the
connection's rows carry its 4-tuple. Needs root and BPF (as the e2e
tests); skips without them on a developer machine, fails under CI."""

import os
import socket
import subprocess
import threading
import time

import pytest

from conftest import need
from test_sink import spill_dir


def bpf_ready():
    return os.geteuid() == 0 and os.path.exists("/sys/kernel/btf/vmlinux")


def traffic(n=200):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]
    c = socket.create_connection(("127.0.0.1", port))
    a, _ = srv.accept()
    for _ in range(n):
        c.sendall(b"x" * 1000)
        got = 0
        while got < 1000:
            got += len(a.recv(65536))
    c.close()
    a.close()
    srv.close()
    return port


def test_live_capture(server, tools, workdir):
    need(bpf_ready(), "live capture needs root and BTF")
    bindir = os.path.dirname(tools["elog"])
    ctl = os.path.join(bindir, "elogctl")
    spill = spill_dir(workdir, "live")
    env = dict(os.environ, ELOG_CLICKHOUSE_HOST="live", ELOG_CLICKHOUSE_SPILL_DIR=spill)
    loaded = subprocess.run([ctl, "-l"], capture_output=True, text=True).stdout
    was_loaded = any(l.split()[:1] == ["tcp"] and l.endswith(" loaded") and
                     not l.endswith("not loaded") for l in loaded.splitlines())
    subprocess.run([ctl, "kern.eventlog.tcp.default=1"], check=True, capture_output=True)
    try:
        p = subprocess.Popen([tools["elog"], "-c", "tcp", "--clickhouse",
                              server.url + "?database=elog", "-s", "--duration", "4"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)  # subscribed (the capture's own start-up), not a measurement
        port = traffic()
        out, err = p.communicate(timeout=120)
    finally:
        subprocess.run([ctl, "kern.eventlog.tcp.default=0"], capture_output=True)
        # Leave the provider as it was found.
        if not was_loaded:
            subprocess.run([ctl, "-U", "tcp"], capture_output=True)
    assert p.returncode == 0, err
    st = {l.split(":")[0].strip(): l.split(":")[1].strip() for l in err.splitlines() if ":" in l}
    got = int(server.query("SELECT count() FROM elog.tcp_events WHERE host = 'live'"))
    assert got == int(st["Events received"]) == int(st["Inserted"]) > 0, err
    # The test's connection: its data segments carry its 4-tuple.
    n = int(server.query(
        "SELECT count() FROM elog.tcp_out WHERE host = 'live' AND len = 1000 AND "
        f"(conn_src_port = {port} OR conn_dst_port = {port}) AND "
        "conn_src_addr = IPv6StringToNum('::ffff:127.0.0.1')"))
    assert n >= 200, n
    assert os.listdir(spill) == []
