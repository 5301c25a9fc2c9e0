# SPDX-License-Identifier: BSD-2-Clause
"""Readers of a capture that holds black box dumps: each dump is a block after
its BLACKBOX_DUMP record, with records older than that record and than the
live events of other connections around it, and the records that name the
connection come again (with their first time) in every dump. The input is
written by tests/unit/test_export_gen.c --blackbox; what is expected comes
from the capture's own JSON Lines, read independently here."""
import base64
import gzip
import json
import os
import re

import pytest

from lib.proc import ELOG, EXPORT_GEN, need, run
from lib.schema import BLACKBOX_DUMP_ID as BLACKBOX_DUMP


@pytest.fixture
def capture(tmp_path):
    need(os.access(ELOG, os.X_OK) and os.access(EXPORT_GEN, os.X_OK), "elog and test_export_gen are built")
    path = str(tmp_path / "bb.elog")
    run([EXPORT_GEN, "--blackbox", path])
    return path


def records(path, *opts):
    return [json.loads(l) for l in run([ELOG, "-r", path, "--json", *opts]).stdout.splitlines()]


def test_input_is_what_it_claims(capture):
    """The capture goes back in time after each BLACKBOX_DUMP record, and
    repeats the naming records: the case the readers must handle."""
    recs = records(capture)
    dumps = [i for i, r in enumerate(recs) if r["event_id"] == BLACKBOX_DUMP]
    assert len(dumps) == 2
    for i in dumps:
        assert recs[i + 1]["boot_us"] < recs[i]["boot_us"]
    names = [r for r in recs if r["session"] == 2001 and r["event"] == "CONN_SET_IP_V4"]
    assert len(names) == 2 and names[0]["boot_us"] == names[1]["boot_us"]


def test_summary_times(capture):
    """start/end/duration are the earliest and latest event of each
    connection (not its first and last record, nor a dump's time)."""
    recs = records(capture)
    rows = {r["session"]: r for r in records(capture, "--summary")}
    assert set(rows) == {2001, 2002}
    for sid, row in rows.items():
        mine = [r for r in recs if r["session"] == sid and r["event_id"] != BLACKBOX_DUMP]
        first = min(mine, key=lambda r: r["boot_us"])
        last = max(mine, key=lambda r: r["boot_us"])
        assert row["start"] == first["time"], sid
        assert row["end"] == last["time"], sid
        assert row["duration_s"] == pytest.approx((last["boot_us"] - first["boot_us"]) / 1e6,
                                                  abs=1e-6)
    a = rows[2001]
    assert (a["local"], a["remote"], a["log_id"]) == ("10.1.1.1:40000", "10.2.2.2:443", "bb/1")
    assert a["end_reason"] == "fin"
    assert (a["bytes_out"], a["segs_out"], a["segs_in"]) == (2896, 4, 3)


def test_selectors_and_text(capture):
    """--session and --log-id select every record of the dumped session,
    the dump records and the repeated ones included; text output prints
    every record with its own time (relative times may go back)."""
    recs = records(capture)
    mine = [r for r in recs if r["session"] == 2001]
    assert records(capture, "--session", "2001") == mine
    assert records(capture, "--log-id", "bb/1") == mine
    text = run([ELOG, "-r", capture, "-t", "--delta-time"]).stdout.splitlines()
    assert len(text) == len(recs)
    assert any(re.match(r"^-\d+\.\d{6} d-\d+\.\d{6} ", l) for l in text)


def _varints(data, off, count):
    """count zigzag LEB128 numbers of a page part from byte offset off."""
    out, i = [], off
    for _ in range(count):
        z = shift = 0
        while True:
            b = data[i]
            i += 1
            z |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        out.append((z >> 1) ^ -(z & 1))
    return out


def page_data(path):
    """The report's connection list and each connection's body, with the
    number streams its parts hold put back in place of their [offset,
    count] references (graph g's in part g, the timeline's after them)."""
    html = open(path).read()
    elems = re.findall(r'<script type="application/octet-stream"([^>]*)>([^<]*)</script>', html)
    unpack = lambda b: gzip.decompress(base64.b64decode(b))
    head, conns, parts = None, {}, {}
    for attrs, blob in elems:
        a = dict(re.findall(r'([\w-]+)="([^"]*)"', attrs))
        if a.get("id") == "elog-data":
            head = json.loads(unpack(blob))
        elif a.get("class") == "elog-conn":
            conns[int(a["data-index"])] = json.loads(unpack(blob))
        elif a.get("class") == "elog-part":
            parts[(int(a["data-index"]), a["data-part"])] = unpack(blob)
    bodies = []
    for i in sorted(conns):
        body = conns[i]
        for g, graph in enumerate(body["graphs"]):
            for s in graph["series"]:
                for key in ("dt", "dy", "len"):
                    if key in s:
                        s[key] = _varints(parts[(i, str(g))], *s[key])
        tl = parts[(i, str(len(body["graphs"])))]
        for row in body["timeline"]["rows"]:
            for key in ("dt", "tx"):
                row[key] = _varints(tl, *row[key])
        bodies.append(body)
    return head, bodies


def test_report_times(capture, tmp_path):
    """Each connection starts at its earliest event, and every time array
    of the page (series and timeline) is in time order from there."""
    out = str(tmp_path / "r.html")
    run([ELOG, "-r", capture, "--report", out])
    head, bodies = page_data(out)
    recs = records(capture)
    by_sid = {c["session"]: (c, bodies[c["index"]]) for c in head["connections"]}
    assert set(by_sid) == {2001, 2002}
    for sid, (conn, body) in by_sid.items():
        mine = [r for r in recs if r["session"] == sid]
        t0 = min(r["boot_us"] for r in mine)
        first = min(mine, key=lambda r: r["boot_us"])
        assert conn["start_utc_us"] == 1795312800000000 + t0
        assert first["time"].startswith("2026-11-22T")
        # The timeline: one row per event name, each row's times as steps
        # from the connection's start.
        times = []
        for row in body["timeline"]["rows"]:
            assert all(d >= 0 for d in row["dt"]), (sid, row["name"])
            t = t0
            for d in row["dt"]:
                t += d
                times.append(t)
        assert sorted(times) == sorted(r["boot_us"] for r in mine)
        for g in body["graphs"]:
            for s in g["series"]:
                assert all(d >= 0 for d in s["dt"][1:]), (sid, s["name"])
                assert not s["dt"] or s["dt"][0] >= 0, (sid, s["name"])
