# SPDX-License-Identifier: BSD-2-Clause
"""An INSERT executed by the server whose answer is lost on a reused
connection (lostanswer.py): the sink must not let libcurl send it again by
itself, which would store its rows twice under one identity. It fails
the attempt, reads back what arrived and inserts the rest: every event
once, merges stopped, no FINAL."""

from test_sink import assert_once_each, through_proxy


def test_lost_answer_stored_once(server, tools, workdir):
    r, st, total, perr = through_proxy(server, tools, workdir, "lost", ["40", "21"],
                                       ["lostanswer.py"])
    assert "lost" in perr, "the proxy lost no answer: the test tested nothing"
    assert_once_each(server, workdir, "lost", total, r.stderr)
    assert int(st["Failed attempts"]) >= 1, r.stderr
