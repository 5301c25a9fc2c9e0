# SPDX-License-Identifier: BSD-2-Clause
"""elog -r FILES --clickhouse URL against a real clickhouse-server: every
event of a capture with every event type arrives with every field equal
to `elog -r --json`; each configuration error gives one clear message and
changes nothing; a server killed mid-stream and restarted ends up with
every event exactly once."""

import calendar
import datetime
import re
import hashlib
import ipaddress
import json
import os
import signal
import subprocess
import sys
import time

import pytest

import chserver

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "golden", "sample.elog")


def elog(tools, args, host, spill, extra_env=None, **kw):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("ELOG_CLICKHOUSE_"):
            del env[k]
    env.update({"ELOG_CLICKHOUSE_HOST": host, "ELOG_CLICKHOUSE_SPILL_DIR": spill})
    env.update(extra_env or {})
    return subprocess.run([tools["elog"]] + args, env=env, capture_output=True, text=True, **kw)


def spill_dir(workdir, name):
    d = os.path.join(workdir, "spill-" + name)
    os.makedirs(d, exist_ok=True)
    return d


def through_proxy(server, tools, workdir, name, gen, proxy_args, extra_env=None, timeout=300):
    """elog -r of a generated capture (gen_all's arguments) into the server
    through a proxy script of this directory (its name and arguments after
    the ports), merges stopped: (elog's result, its summary lines as a
    dict, the capture's event count, the proxy's stderr)."""
    cap = os.path.join(workdir, name + ".elog")
    subprocess.run([tools["gen_all"], cap] + gen, check=True)
    total = sum(1 for _ in subprocess.run([tools["elog"], "-r", cap], check=True,
                                          capture_output=True).stdout.splitlines())
    port = chserver._free_port()
    proxy = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__),
                                                           proxy_args[0]),
                              str(port), str(server.http)] + proxy_args[1:],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proxy.stdout.readline().strip() == "ready"
        server.query("SYSTEM STOP MERGES")
        r = elog(tools, ["-r", cap, "--clickhouse", f"http://127.0.0.1:{port}/?database=elog",
                         "-s"], name, spill_dir(workdir, name), extra_env, timeout=timeout)
    finally:
        proxy.kill()
        _, perr = proxy.communicate()
    assert r.returncode == 0, r.stderr
    st = {l.split(":")[0].strip(): l.split(":")[1].strip() for l in r.stderr.splitlines()
          if ":" in l}
    return r, st, total, perr


def assert_once_each(server, workdir, name, total, why):
    """Every event of host `name` in the tables exactly once, and no spill
    file left."""
    got = server.query("SELECT count(), uniqExact(ins_seq), min(ins_seq), max(ins_seq) FROM "
                       f"(SELECT ins_seq FROM elog.tcp_events WHERE host = '{name}' UNION ALL "
                       f"SELECT ins_seq FROM elog.test_events WHERE host = '{name}')")
    assert got.split() == [str(total), str(total), "0", str(total - 1)], (got, why)
    assert os.listdir(spill_dir(workdir, name)) == []


def columns(server, table, db="elog"):
    out = server.query(f"SELECT name, type FROM system.columns WHERE database = '{db}' "
                       f"AND table = '{table}' FORMAT TabSeparated")
    return [tuple(l.split("\t")) for l in out.splitlines()]


def rows(server, table, host, db="elog"):
    cols = columns(server, table, db)
    # Strings as hex: their bytes need not be UTF-8. (Named apart: an
    # alias would shadow the column in WHERE.)
    sel = ", ".join(f"hex({n}) AS hex__{n}" if t == "String" or t.startswith("FixedString")
                    else n for n, t in cols)
    out = server.query(f"SELECT {sel} FROM {table} WHERE host = '{host}' FORMAT JSONEachRow", db)
    rs = [{k[5:] if k.startswith("hex__") else k: v for k, v in json.loads(l).items()}
          for l in out.splitlines()]
    return dict(cols), rs


def utc_us(text):
    d = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return calendar.timegm(d.timetuple()) * 1000000 + d.microsecond


def mapped(ip):
    a = ipaddress.ip_address(ip)
    return (b"\0" * 10 + b"\xff\xff" + a.packed) if a.version == 4 else a.packed


BITS = {"UInt8": 8, "Int8": 8, "UInt16": 16, "Int16": 16, "UInt32": 32, "Int32": 32,
        "UInt64": 64, "Int64": 64}


def same_value(val, got, ctype):
    """One JSON value against one ClickHouse value of type ctype."""
    if ctype.startswith("Array("):
        inner = ctype[6:-1]
        return len(val) == len(got) and all(same_value(v, g, inner) for v, g in zip(val, got))
    if ctype == "String":
        return bytes.fromhex(got).decode("latin-1") == val
    if ctype == "FixedString(16)":
        return bytes.fromhex(got) == ipaddress.ip_address(val).packed
    if isinstance(val, str) and val.startswith("0x"):
        return int(got) & ((1 << BITS[ctype]) - 1) == int(val, 16)
    if isinstance(val, str):  # an IPv4 address, stored as a host-order number
        return str(ipaddress.IPv4Address(int(got))) == val
    return int(got) == val


def check_field(name, val, row, types, common):
    col = "field_" + name if name in common else name
    assert col in types, f"no column {col}"
    if col + "_name" in types:  # an enum: its name, or the number
        return bytes.fromhex(row[col + "_name"]).decode() == str(val)
    if col + "_names" in types:  # flags: the names, and the bits without one
        names = [v for v in val if not v.startswith("0x")]
        unknown = [int(v, 16) for v in val if v.startswith("0x")]
        return (row[col + "_names"] == names and
                int(row[col + "_unknown"]) == (unknown[0] if unknown else 0))
    return same_value(val, row[col], types[col])


def conn_expectation(events):
    """The 4-tuple and log id each event's row should carry: what the
    session's CONN_SET_IP_* (the first) and LOG_ID (the first non-empty)
    said up to and including that event."""
    state, out = {}, []
    for e in events:
        st = state.setdefault((e["provider"], e["session"]), {})
        f = e.get("fields", {})
        if e["provider"] == "tcp":
            if e["event"].startswith("CONN_SET_IP_V") and "src" not in st:
                st["src"] = (mapped(f["src_addr"]), f["src_port"])
                st["dst"] = (mapped(f["dst_addr"]), f["dst_port"])
            if e["event"] == "LOG_ID" and not st.get("log_id"):
                st["log_id"] = f["log_id"]
        out.append((st.get("log_id", ""), st.get("src", (b"\0" * 16, 0)),
                    st.get("dst", (b"\0" * 16, 0))))
    return out


def test_every_field_equals_json(server, tools, workdir):
    cap = os.path.join(workdir, "all.elog")
    subprocess.run([tools["gen_all"], cap, "60", "7"], check=True)
    js = subprocess.run([tools["elog"], "-r", cap, "--json"], check=True, capture_output=True,
                        text=True).stdout
    events = [json.loads(l) for l in js.splitlines()]
    r = elog(tools, ["-r", cap, "--clickhouse", server.url + "?database=elog", "-s"], "all",
             spill_dir(workdir, "all"))
    assert r.returncode == 0, r.stderr
    assert f"Inserted: {len(events)}" in r.stderr

    common = {n for n, _ in columns(server, "tcp_events")}
    tables = {}
    for e in events:
        t = f"{e['provider']}_{e['event'].lower()}"
        if t not in tables:
            types, rs = rows(server, t, "all")
            tables[t] = (types, {int(x["ins_seq"]): x for x in rs})
    assert sum(len(v[1]) for v in tables.values()) == len(events)
    seen_types = set()
    for seq, (e, conn) in enumerate(zip(events, conn_expectation(events))):
        types, by_seq = tables[f"{e['provider']}_{e['event'].lower()}"]
        row = by_seq[seq]
        seen_types.add((e["provider"], e["event"]))
        assert bytes.fromhex(row["host"]) == b"all"
        assert row["boot_id"] == "00000000-0000-0000-0000-000000000000"
        assert int(row["time_us"]) == utc_us(e["time"]), (seq, e)
        assert int(row["boot_us"]) == e["boot_us"]
        assert (row["cpu"], row["thread"], int(row["session"])) == (e["cpu"], e["thread"],
                                                                    e["session"])
        assert bytes.fromhex(row["provider"]).decode() == e["provider"]
        assert bytes.fromhex(row["event"]).decode() == e["event"]
        assert row["event_id"] == e["event_id"]
        assert bytes.fromhex(row["conn_log_id"]).decode("latin-1") == conn[0], (seq, e)
        assert (bytes.fromhex(row["conn_src_addr"]), row["conn_src_port"]) == conn[1], (seq, e)
        assert (bytes.fromhex(row["conn_dst_addr"]), row["conn_dst_port"]) == conn[2], (seq, e)
        for name, val in e["fields"].items():
            assert check_field(name, val, row, types, common), (seq, e["event"], name, val,
                                                                {k: v for k, v in row.items()
                                                                 if k.startswith(name)})
    # Every event of every schema was in the capture.
    for p in ("tcp", "test"):
        n = server.query(f"SELECT count() FROM system.tables WHERE database = 'elog' AND "
                         f"startsWith(name, '{p}_') AND name != '{p}_events'")
        assert len({ev for pp, ev in seen_types if pp == p}) == int(n)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def one_error(r, text):
    lines = r.stderr.splitlines()
    assert r.returncode == 1, r.stderr
    assert len(lines) == 1 and lines[0].startswith("elog: ") and text in lines[0], r.stderr


@pytest.mark.parametrize("url,text", [
    ("ftp://127.0.0.1/", "the scheme must be http or https"),
    ("not a url", "not a URL"),
    ("http://writer:pw@127.0.0.1:8123/", "credentials in the URL are refused"),
])
def test_bad_url(server, tools, workdir, url, text):
    before = sha(GOLDEN)
    one_error(elog(tools, ["-r", GOLDEN, "--clickhouse", url], "bad", spill_dir(workdir, "b")),
              text)
    assert sha(GOLDEN) == before


def test_refused_connection(server, tools, workdir):
    port = chserver._free_port()
    spill = spill_dir(workdir, "refused")
    r = elog(tools, ["-r", GOLDEN, "--clickhouse", f"http://127.0.0.1:{port}/"], "x", spill)
    one_error(r, f"cannot reach ClickHouse at http://127.0.0.1:{port}/: Couldn't connect")
    assert os.listdir(spill) == []


def test_credentials(server, tools, workdir):
    pwfile = os.path.join(workdir, "pw")
    with open(pwfile, "w") as f:
        f.write("wrong\n")
    env = {"ELOG_CLICKHOUSE_USER": "writer", "ELOG_CLICKHOUSE_PASSWORD_FILE": pwfile}
    url = server.url + "?database=elog"
    r = elog(tools, ["-r", GOLDEN, "--clickhouse", url], "cred", spill_dir(workdir, "c"), env)
    one_error(r, "refused the credentials: Wrong password for user writer")
    assert server.query("SELECT count() FROM elog.tcp_events WHERE host = 'cred'").strip() == "0"
    with open(pwfile, "w") as f:
        f.write(chserver.PASSWORD + "\n")
    r = elog(tools, ["-r", GOLDEN, "--clickhouse", url], "cred", spill_dir(workdir, "c"), env)
    assert r.returncode == 0, r.stderr
    assert server.query("SELECT count() FROM elog.tcp_events WHERE host = 'cred'").strip() == "13"
    r = elog(tools, ["-r", GOLDEN, "--clickhouse", url], "cred", spill_dir(workdir, "c"),
             {**env, "ELOG_CLICKHOUSE_PASSWORD": "x"})
    one_error(r, "ELOG_CLICKHOUSE_PASSWORD and ELOG_CLICKHOUSE_PASSWORD_FILE are both set")
    r = elog(tools, ["-r", GOLDEN, "--clickhouse", url], "cred", spill_dir(workdir, "c"),
             {"ELOG_CLICKHOUSE_PASSWORD_FILE": pwfile + ".missing"})
    one_error(r, "ELOG_CLICKHOUSE_PASSWORD_FILE " + pwfile + ".missing: No such file")


def test_wrong_tables(server, tools, workdir):
    import conftest
    server.run_script(conftest.ddl(tools, "tcp", "wrong"))
    server.run_script(conftest.ddl(tools, "test", "wrong"))
    spill = spill_dir(workdir, "w")
    before = sha(GOLDEN)
    server.query("ALTER TABLE wrong.tcp_rtt_sample MODIFY COLUMN rtt String")
    r = elog(tools, ["-r", GOLDEN, "--clickhouse", server.url + "?database=wrong"], "w", spill)
    one_error(r, "ClickHouse table tcp_rtt_sample: column rtt is String, the schema says UInt32")
    server.query("ALTER TABLE wrong.tcp_rtt_sample DROP COLUMN rtt")
    r = elog(tools, ["-r", GOLDEN, "--clickhouse", server.url + "?database=wrong"], "w", spill)
    one_error(r, "ClickHouse table tcp_rtt_sample has no column rtt (UInt32)")
    server.query("CREATE DATABASE IF NOT EXISTS nothing")
    r = elog(tools, ["-r", GOLDEN, "--clickhouse", server.url + "?database=nothing"], "w", spill)
    one_error(r, "ClickHouse has no table tcp_events")
    r = elog(tools, ["-r", GOLDEN, "--clickhouse", server.url + "?database=nosuchdb"], "w", spill)
    assert r.returncode == 1 and "Database nosuchdb doesn't exist" in r.stderr, r.stderr
    # Nothing reached any table, nothing was spilled, the input is intact.
    assert server.query("SELECT count() FROM wrong.tcp_events").strip() == "0"
    assert os.listdir(spill) == []
    assert sha(GOLDEN) == before


def wait_for(cond, what, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def test_server_killed_mid_stream(server, tools, workdir):
    """The server is SIGKILLed while elog -r is inserting, and started
    again: the sink spills, retries, reads back what the server kept, and
    replays the rest, so every event is there exactly once."""
    cap = os.path.join(workdir, "big.elog")
    subprocess.run([tools["gen_all"], cap, "6000", "11"], check=True)
    total = sum(1 for _ in subprocess.run([tools["elog"], "-r", cap], check=True,
                                          capture_output=True).stdout.splitlines())
    spill = spill_dir(workdir, "kill")
    env = dict(os.environ, ELOG_CLICKHOUSE_HOST="killed", ELOG_CLICKHOUSE_SPILL_DIR=spill,
               ELOG_CLICKHOUSE_BATCH_BYTES="2097152")
    server.query("SYSTEM STOP MERGES")
    p = subprocess.Popen([tools["elog"], "-r", cap, "--clickhouse", server.url + "?database=elog",
                          "-s"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        count = lambda: int(server.query(
            "SELECT count() FROM elog.tcp_events WHERE host = 'killed'"))
        wait_for(lambda: count() > 0, "the first rows")
        # Frozen, possibly in the middle of an insert, while the server dies.
        os.kill(p.pid, signal.SIGSTOP)
        server.kill()
        os.kill(p.pid, signal.SIGCONT)
        wait_for(lambda: os.listdir(spill), "a spill file")
        server.start()
        # No merge may hide a duplicate (the tables are ReplacingMergeTree).
        server.query("SYSTEM STOP MERGES")
        out, err = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err
    st = {l.split(":")[0].strip(): l.split(":")[1].strip() for l in err.splitlines() if ":" in l}
    assert int(st["Failed attempts"]) >= 1 and int(st["Spilled while unreachable"]) > 0, err
    dups = server.query("SELECT ins_seq, count() AS n FROM (SELECT ins_seq FROM elog.tcp_events "
                        "WHERE host = 'killed' UNION ALL SELECT ins_seq FROM elog.test_events "
                        "WHERE host = 'killed') GROUP BY ins_seq HAVING n > 1 ORDER BY ins_seq "
                        "LIMIT 10")
    assert dups == "", (dups, err)
    got = server.query("SELECT count(), uniqExact(ins_seq), min(ins_seq), max(ins_seq) FROM "
                       "(SELECT ins_seq FROM elog.tcp_events WHERE host = 'killed' UNION ALL "
                       "SELECT ins_seq FROM elog.test_events WHERE host = 'killed')")
    assert got.split() == [str(total), str(total), "0", str(total - 1)], (got, err)
    assert os.listdir(spill) == []


def test_server_gone_for_good(tools, workdir):
    """The server dies mid-stream and does not come back: elog gives up
    after ELOG_CLICKHOUSE_GIVE_UP seconds with one message naming the
    spill files, and they hold every event the server does not have."""
    from conftest import ddl, need_server, providers
    need_server()
    s = chserver.Server(workdir, "gone")
    s.write_config()
    try:
        s.start()
        for p in providers():
            s.run_script(ddl(tools, p, "elog"))
        s.query("SYSTEM STOP MERGES")
        cap = os.path.join(workdir, "gone.elog")
        subprocess.run([tools["gen_all"], cap, "3000", "13"], check=True)
        total = int([l for l in subprocess.run(
            [tools["elog"], "-r", cap, "-s"], check=True, capture_output=True,
            text=True).stderr.splitlines() if "Events received" in l][0].split(":")[1])
        spill = spill_dir(workdir, "gone")
        env = dict(os.environ, ELOG_CLICKHOUSE_HOST="gone", ELOG_CLICKHOUSE_SPILL_DIR=spill,
                   ELOG_CLICKHOUSE_BATCH_BYTES="1048576", ELOG_CLICKHOUSE_GIVE_UP="2")
        p = subprocess.Popen([tools["elog"], "-r", cap, "--clickhouse",
                              s.url + "?database=elog"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: int(s.query(
                "SELECT count() FROM elog.tcp_events WHERE host = 'gone'")) > 0, "rows")
            os.kill(p.pid, signal.SIGSTOP)
            s.kill()
            os.kill(p.pid, signal.SIGCONT)
            out, err = p.communicate(timeout=300)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        assert p.returncode == 1, err
        assert len(err.splitlines()) == 1 and "ClickHouse at " in err and "unreachable" in err, err
        m = re.search(r"(\d+) events kept in (.*)$", err.strip())
        assert m, err
        files = m.group(2).split()
        assert files and all(f.startswith(spill + "/") for f in files), err
        kept = 0
        for f in files:
            r = subprocess.run([tools["elog"], "-r", f, "-s"], capture_output=True, text=True)
            kept += int([l for l in r.stderr.splitlines()
                         if "Events received" in l][0].split(":")[1])
        assert kept == int(m.group(1))
        s.start()
        stored = int(s.query("SELECT count() FROM (SELECT ins_seq FROM elog.tcp_events WHERE "
                             "host = 'gone' UNION ALL SELECT ins_seq FROM elog.test_events "
                             "WHERE host = 'gone')"))
        # Nothing lost: what the server holds and what the spill files
        # hold cover every event (the spilled batch may overlap the server).
        assert stored + kept >= total and kept > 0, (stored, kept, total)
    finally:
        s.kill()


def test_connection_cut_mid_insert(server, tools, workdir):
    """A proxy cuts elog's first connections after some bytes, mid-request,
    so the replay itself is cut again and again: each attempt goes on
    where the server's acknowledgements left it, whatever part of a batch
    the server kept, and every event ends up in the tables exactly once
    (merges stopped, no FINAL). A replayed batch's seqs have gaps (what
    the server held is skipped): a read-back range ending at first + rows
    - 1 leaves rows out, and they are inserted twice here."""
    r, st, total, _ = through_proxy(
        server, tools, workdir, "cut", ["800", "13"], ["cutproxy.py", "150000,3000", "16"],
        {"ELOG_CLICKHOUSE_BATCH_BYTES": "131072", "ELOG_CLICKHOUSE_GIVE_UP": "300"},
        timeout=600)
    # The first cut sends everything after it to the spill; the others
    # cut replays.
    assert int(st["Failed attempts"]) >= 4 and int(st["Spilled while unreachable"]) > 0, \
        r.stderr
    assert_once_each(server, workdir, "cut", total, r.stderr)
