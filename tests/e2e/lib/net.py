# SPDX-License-Identifier: BSD-2-Clause
"""The network namespace's own view, for checks against the kernel: its TCP
counters and nftables rules that drop segments on its input path."""

import contextlib
import os
import subprocess

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
