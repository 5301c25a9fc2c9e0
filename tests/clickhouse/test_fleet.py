# SPDX-License-Identifier: BSD-2-Clause
"""Two real servers as two shards of cluster `fleet`, the DDL from
`elog-schemac --clickhouse --clickhouse-cluster fleet`, and two hosts'
captures loaded through one server's Distributed tables: per-host counts
equal the captures', each host lives on one shard, and the example queries
of docs/FLEET.md run and return the expected connections."""

import ipaddress
import json
import os
import re
import subprocess

import pytest

import chserver
from conftest import REPO, ddl, need_server, providers
from test_sink import conn_expectation, elog, spill_dir

SHARDS = """<fleet>
  <shard><replica><host>127.0.0.1</host><port>{a}</port></replica></shard>
  <shard><replica><host>127.0.0.1</host><port>{b}</port></replica></shard>
</fleet>"""


@pytest.fixture(scope="module")
def pair(workdir, tools):
    need_server()
    a, b = chserver.Server(workdir, "shard1"), chserver.Server(workdir, "shard2")
    try:
        for s in (a, b):
            s.clusters = SHARDS.format(a=a.tcp, b=b.tcp)
            s.write_config()
            s.start()
        for s in (a, b):
            for p in providers():
                s.run_script(ddl(tools, p, "eventlog", "fleet"))
        yield a, b
    finally:
        chserver.stop((a, b))


def fleet_sql():
    """The ```sql blocks of docs/FLEET.md, by the name in their first line."""
    with open(os.path.join(REPO, "docs", "FLEET.md")) as f:
        text = f.read()
    out = {}
    for block in re.findall(r"```sql\n(.*?)```", text, re.S):
        m = re.match(r"-- (\w+):", block)
        if m:
            out[m.group(1)] = block
    return out


def test_two_hosts_two_shards(pair, tools, workdir):
    a, b = pair
    events = {}
    for host, seed in (("web1", 3), ("web2", 4)):
        cap = os.path.join(workdir, host + ".elog")
        subprocess.run([tools["gen_all"], cap, "40", str(seed)], check=True)
        r = elog(tools, ["-r", cap, "--clickhouse", a.url + "?database=eventlog"], host,
                 spill_dir(workdir, host))
        assert r.returncode == 0, r.stderr
        js = subprocess.run([tools["elog"], "-r", cap, "--json"], check=True,
                            capture_output=True, text=True).stdout
        events[host] = [json.loads(l) for l in js.splitlines()]

    # Per-host counts through the Distributed tables equal the captures'.
    for host, evs in events.items():
        for p in providers():
            want = sum(1 for e in evs if e["provider"] == p)
            got = int(a.query(f"SELECT count() FROM eventlog.{p}_events WHERE host = '{host}'"))
            assert got == want, (host, p)
    # Sharded by host: each host's rows are all on one server.
    where = {}
    for s in (a, b):
        hosts = set(s.query("SELECT DISTINCT host FROM eventlog.tcp_in_local").split())
        for h in hosts:
            assert h not in where, f"{h} on two shards"
            where[h] = s
    assert set(where) == {"web1", "web2"}

    # The example queries: the connections to the /24 of one RTO's peer
    # that had RTOs, from the captures' own JSON.
    sql = fleet_sql()
    rtos = []
    for host, evs in events.items():
        for e, conn in zip(evs, conn_expectation(evs)):
            if e["provider"] == "tcp" and e["event"] == "RTO":
                rtos.append((host, e["session"], conn[2][0], e["time"]))
    v4 = b"\0" * 10 + b"\xff\xff"
    target = next(r for r in rtos if r[2][:12] == v4)
    net = ipaddress.ip_address(target[2][12:] if target[2][:12] == b"\0" * 10 + b"\xff\xff"
                               else target[2])
    prefix = ".".join(str(net).split(".")[:3]) if net.version == 4 else None
    assert prefix, "the generated RTO peer is IPv4"
    want = {(h, s) for h, s, dst, _ in rtos
            if dst[:12] == b"\0" * 10 + b"\xff\xff" and
            ".".join(str(ipaddress.IPv4Address(dst[12:])).split(".")[:3]) == prefix}
    last = a.query("SELECT max(time) FROM eventlog.tcp_events").strip()
    q = (sql["rto_24"].replace("now()", f"toDateTime('{last}')")
         .replace("10.1.2.", prefix + "."))
    got = {(l.split("\t")[0], int(l.split("\t")[1]))
           for l in a.query(f"SELECT host, session FROM ({q})").splitlines()}
    assert got == want and want

    # p99 srtt per service port per datacenter, with the hosts inventory.
    a.run_script(sql["hosts"])
    a.query("INSERT INTO eventlog.hosts VALUES ('web1', 'dc-east', '6.1.0-1', "
            "toDateTime('2026-11-22 00:00:00')), ('web2', 'dc-west', '6.1.0-2', "
            "toDateTime('2026-11-22 01:02:08'))")
    q = sql["p99_srtt"].replace("now()", f"toDateTime('{last}')")
    rows = [l.split("\t") for l in a.query(q).splitlines()]
    assert {r[0] for r in rows} == {"dc-east", "dc-west"}
    srtts = {}
    for host, evs in events.items():
        dc = "dc-east" if host == "web1" else "dc-west"
        for e, conn in zip(evs, conn_expectation(evs)):
            if e["provider"] == "tcp" and e["event"] == "RTT":
                srtts.setdefault((dc, conn[1][1]), []).append(e["fields"]["srtt"])
    assert {(r[0], int(r[1])) for r in rows} == set(srtts)

    # Recovery episodes after each host's last kernel change.
    q = sql["recovery_after_kernel"]
    got = {l.split("\t")[0]: int(l.split("\t")[1]) for l in a.query(q).splitlines()}
    since = {"web1": "2026-11-22T00:00:00", "web2": "2026-11-22T01:02:08"}
    want = {}
    for host, evs in events.items():
        n = sum(1 for e in evs if e["provider"] == "tcp" and e["event"] == "ENTER_RECOVERY"
                and e["time"][:19] > since[host])
        if n:
            want[host] = n
    assert got == want
