# SPDX-License-Identifier: BSD-2-Clause
"""An INSERT still running on the server when the sink reads back what it
holds (lateinsert.py: the exchange is cut while the server still waits
for the body's last byte, which comes once the read-back ran, or after 3
s; without the wait, it comes after the read-back and the count fails): the sink must wait until that INSERT (its query_id) is no longer
running before reading back, or it inserts the INSERT's rows again. Every
event once, merges stopped, no FINAL."""

import time

from test_sink import assert_once_each, through_proxy


def test_insert_running_at_read_back(server, tools, workdir):
    # One batch whose larger tables' inserts pass 1 MiB (lateinsert.py
    # says why).
    r, st, total, perr = through_proxy(server, tools, workdir, "late", ["8000", "22"],
                                       ["lateinsert.py", "3"],
                                       {"ELOG_CLICKHOUSE_BATCH_BYTES": str(1 << 30)})
    assert "late after" in perr, ("the proxy delayed no insert: the test tested nothing", r.stderr)
    assert int(st["Failed attempts"]) >= 1, r.stderr
    # The delayed INSERT ends on the server, whatever elog did.
    for _ in range(200):
        if server.query("SELECT count() FROM system.processes WHERE query LIKE 'INSERT%'")\
                .strip() == "0":
            break
        time.sleep(0.05)
    assert_once_each(server, workdir, "late", total, r.stderr + perr)
    assert "late after delay" in perr, perr
