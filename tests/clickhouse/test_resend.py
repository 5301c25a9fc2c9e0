# SPDX-License-Identifier: BSD-2-Clause
"""An INSERT executed by the server whose answer is lost on a reused
connection (lostanswer.py): the sink must not let libcurl send it again by
itself, which would store its rows twice under one identity. It fails
the attempt, reads back what arrived and inserts the rest: every event
once, merges stopped, no FINAL."""

import os
import subprocess
import sys

import chserver
from test_sink import elog, spill_dir


def test_lost_answer_stored_once(server, tools, workdir):
    cap = os.path.join(workdir, "lost.elog")
    subprocess.run([tools["gen_all"], cap, "40", "21"], check=True)
    total = sum(1 for _ in subprocess.run([tools["elog"], "-r", cap], check=True,
                                          capture_output=True).stdout.splitlines())
    port = chserver._free_port()
    proxy = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__),
                                                           "lostanswer.py"),
                              str(port), str(server.http)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proxy.stdout.readline().strip() == "ready"
        server.query("SYSTEM STOP MERGES")
        r = elog(tools, ["-r", cap, "--clickhouse", f"http://127.0.0.1:{port}/?database=elog",
                         "-s"], "lost", spill_dir(workdir, "lost"),
                 timeout=300)
    finally:
        proxy.kill()
        _, perr = proxy.communicate()
    assert r.returncode == 0, r.stderr
    assert "lost" in perr, "the proxy lost no answer: the test tested nothing"
    st = {l.split(":")[0].strip(): l.split(":")[1].strip() for l in r.stderr.splitlines()
          if ":" in l}
    got = server.query("SELECT count(), uniqExact(ins_seq), min(ins_seq), max(ins_seq) FROM "
                       "(SELECT ins_seq FROM elog.tcp_events WHERE host = 'lost' UNION ALL "
                       "SELECT ins_seq FROM elog.test_events WHERE host = 'lost')")
    assert got.split() == [str(total), str(total), "0", str(total - 1)], (got, r.stderr)
    assert int(st["Failed attempts"]) >= 1, r.stderr
    assert os.listdir(spill_dir(workdir, "lost")) == []
