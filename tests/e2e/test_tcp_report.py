# SPDX-License-Identifier: BSD-2-Clause
"""`elog --report` opened in a real browser: Debian's chromium, headless,
driven by puppeteer-core from the project's npm packages
(tests/report/check_report.js; one browser for every page of this module,
every network request refused). The report of a capture with nft-injected
loss must load without a console message or page error and without asking
the network for anything, say how many points each graph drew, draw one
retransmission marker per retransmitted segment (as many as the capture's
RETRANSMIT_REASON events hold and as the namespace's RetransSegs counted),
show a decoded event on hover, and have data in every graph area of the
screenshot that has points; the report of a capture without connections
says so."""
import json
import math
import os
import subprocess

from lib.proc import REPO, need, run
from test_tcp_summary import capture_loss

CHECK = os.path.join(REPO, "tests", "report", "check_report.js")
CHROMIUM = "/usr/bin/chromium"


def need_browser():
    need(os.access(CHROMIUM, os.X_OK), "Debian's chromium is needed (scripts/install-deps.sh)")
    need(os.path.isdir(os.path.join(REPO, "node_modules", "puppeteer-core")),
         "puppeteer-core is needed (npm ci)")
    need(subprocess.run(["node", "--version"], capture_output=True).returncode == 0, "node is needed")


def open_in_chromium(pages):
    """[(report.html, screenshot.png)] -> one result per page."""
    args = ["node", CHECK]
    for html, png in pages:
        args += [html, png]
    p = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert p.returncode == 0, p.stderr
    return [json.loads(l) for l in p.stdout.splitlines()]


def retransmitted_segments(elog, path, sessions):
    """Σ over the RETRANSMIT_REASON events of the sessions of their
    segments at the MSS of the time, from the capture's JSON."""
    mss, segs = {}, 0
    for line in run([elog, "-r", path, "--json"]).stdout.splitlines():
        e = json.loads(line)
        if e["session"] not in sessions:
            continue
        f = e["fields"]
        if e["event"] == "CONN_PARAMS":
            mss.setdefault(e["session"], f["mss"])
        elif e["event"] == "MSS":
            mss[e["session"]] = f["mss"]
        elif e["event"] == "RETRANSMIT_REASON":
            n = (f["rsm_end"] - f["rsm_start"]) & 0xffffffff
            segs += max(1, math.ceil(n / mss[e["session"]]))
    return segs


def test_report_in_chromium(tcp_env, netns, tmp_path):
    need_browser()
    c, w = capture_loss(tcp_env, netns, 4)
    rows = c.summary("--port", str(w["ca"]))
    assert len(rows) == 2
    (client,) = [r for r in rows if r["local"].endswith(":%d" % w["ca"])]
    html, empty = str(tmp_path / "loss.html"), str(tmp_path / "empty.html")
    run([c.elog, "-r", c.path, "--port", str(w["ca"]), "--report", html])
    p = run([c.elog, "-r", os.path.join(REPO, "tests", "golden", "empty.elog"), "--report", empty])
    assert "no connection in the capture" in p.stderr
    page, blank = open_in_chromium([(html, str(tmp_path / "loss.png")), (empty, str(tmp_path / "empty.png"))])

    for r in (page, blank):
        assert r["console"] == [] and r["errors"] == [], (r["console"], r["errors"])
        assert r["requests"] == [], "the page asked the network for %s" % r["requests"]
    assert blank["empty"] and "No connection" in blank["empty"][0] and blank["graphs"] == []

    rep = page["report"]
    assert rep["connections"] == 2
    # Every graph says how many points it drew, and the numbers are the
    # page's own.
    graphs = rep["graphs"]
    assert len(page["captions"]) == len(graphs) == len(page["graphs"])
    for g, cap in zip(graphs, page["captions"]):
        assert cap["points"] == g["points"] and cap["text"].startswith("%d points drawn" % g["points"])
    # Most trouble first: the sender, with the losses, is connection 0.
    first = [g for g in graphs if g["connection"] == 0]
    assert all(g["points"] > 0 for g in first), first
    (tseq,) = [g for g in first if g.get("marks")]
    (marks,) = tseq["marks"].values()
    sessions = {r["session"] for r in rows}
    in_capture = retransmitted_segments(c.elog, c.path, sessions)
    assert marks == in_capture == w["retrans_segs"] == client["retrans_segs"] > 0, (
        marks, in_capture, w["retrans_segs"], client)
    # Hovering the timeline shows a decoded event.
    assert page.get("hover") and " s  " in page["hover"], page.get("hover")
    # The screenshot has data in every plotting area with points: plenty
    # in the sender's, some in the receiver's (a few steps and dots).
    assert os.path.getsize(str(tmp_path / "loss.png")) > 0
    for g, shot in zip(graphs, page["graphs"]):
        if g["points"] > 0:
            assert shot["coloured"] > (20 if g["connection"] == 0 else 0), (g["title"], shot)

