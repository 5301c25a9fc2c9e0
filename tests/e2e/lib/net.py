# SPDX-License-Identifier: BSD-2-Clause
"""The network namespace's own view, for checks against the kernel: its TCP
counters and nftables rules that drop segments on its input path."""

import contextlib
import json
import os
import subprocess
import time

from .proc import need, run


def _counters(ns, path, prefix):
    rows = [l.split() for l in run(["ip", "netns", "exec", ns, "cat", path]).stdout.splitlines()
            if l.startswith(prefix)]
    return dict(zip(rows[0][1:], map(int, rows[1][1:])))


def netstat(ns):
    """The namespace's TcpExt counters (/proc/net/netstat is per netns)."""
    return _counters(ns, "/proc/net/netstat", "TcpExt:")


def snmp(ns):
    """The namespace's Tcp counters (/proc/net/snmp is per netns)."""
    return _counters(ns, "/proc/net/snmp", "Tcp:")


def need_nft(what="loss injection"):
    need(os.access("/usr/sbin/nft", os.X_OK), f"nft (nftables) is needed for {what}")


def nft_drop(ns, table, rule):
    """Adds table inet TABLE to the namespace: one input chain, accepting
    by default, with `rule` (e.g. "tcp dport 80 drop")."""
    run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input="""
table inet %s {
  chain in { type filter hook input priority 0; policy accept;
    %s
  }
}
""" % (table, rule))


@contextlib.contextmanager
def nft_dropping(ns, table, rule):
    """nft_drop for the duration of a with block; the table is deleted
    whatever happens."""
    try:
        nft_drop(ns, table, rule)
        yield
    finally:
        subprocess.run(["ip", "netns", "exec", ns, "nft", "delete", "table", "inet", table], capture_output=True)


def stall_under_drop(ns, procs, argv, table):
    """Runs a workload that stalls (SCRIPT_LIB's stalled_send) and prints a
    line of JSON with its listener's port (lport) first and another when it
    ends: while its first retransmission timeouts pass (at about 0.2, 0.6
    and 1.4 s), everything to that port is dropped. Returns both lines."""
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    procs.append(p)
    first = json.loads(p.stdout.readline())
    with nft_dropping(ns, table, "tcp dport %d drop" % first["lport"]):
        p.stdin.write("go\n"); p.stdin.flush()
        time.sleep(1.6)
    p.stdin.write("go\n"); p.stdin.flush()
    last = json.loads(p.stdout.readline())
    p.wait(timeout=10)
    return first, last
