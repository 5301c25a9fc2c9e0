# SPDX-License-Identifier: BSD-2-Clause
"""The black box end to end, with the test provider, whose events carry
their own sequence number (payload word 0): what each mode keeps, what a
dump holds and says it lost, the global limit, auto_ratio's rule and the
controls' bad values. The TCP triggers and socket options are in
test_tcp_blackbox.py."""

import struct

import pytest

from lib.proc import wait_until
from lib.schema import SESSION_CREATE_ID, SESSION_END_ID
from lib.blackbox import BLACKBOX_DUMP_ID, EV, MODE, PREFIX, REASON, dump_info, splitmix64

pytestmark = pytest.mark.usefixtures("fresh_test_provider")


def seqs(events, sid):
    """Sequence numbers of session sid's emitraw events, in file order."""
    return [struct.unpack_from("<Q", e["payload"], 0)[0] for e in events
            if e["session"] == sid and e["id"] == EV]


def dumps(cap, sid):
    return [dump_info(e) for e in cap["events"] if e["session"] == sid and e["id"] == BLACKBOX_DUMP_ID]


def test_tail_keeps_the_newest_n_in_order_and_counts_the_rest(box):
    box.set(mode=MODE["TAIL"], session_limit=64)
    box.start()
    # SESSION_CREATE, then events 0..999: 1001 offered, 64 kept.
    box.gen("create", 0, "enable", 0, 1, "emitraw", 0, EV, 3, 1, 1000, 16, "bbdump", 1000)
    # Nothing more since the dump: an empty one; then 10 new, all kept.
    box.gen("bbdump", 1000, "emitraw", 0, EV, 3, 1, 10, 16, "bbdump", 1000)
    cap = box.stop()
    d = dumps(cap, 1000)
    assert [(x["reason"], x["events"], x["overwritten"], x["mode"]) for x in d] == [
        (REASON["DEMAND"], 64, 937, MODE["TAIL"]),
        (REASON["DEMAND"], 0, 0, MODE["TAIL"]),
        (REASON["DEMAND"], 10, 0, MODE["TAIL"]),
    ]
    assert seqs(cap["events"], 1000) == list(range(936, 1000)) + list(range(1000, 1010))
    # Nothing of the session streamed live: only the dumps' records.
    assert sum(1 for e in cap["events"] if e["session"] == 1000) == 3 + 64 + 10
    assert box.stat("dumps") == 3 and box.stat("overwritten") == 937


def test_head_keeps_the_first_n(box):
    box.set(mode=MODE["HEAD"], session_limit=64)
    box.start()
    box.gen("create", 0, "enable", 0, 1, "emitraw", 0, EV, 3, 1, 1000, 16, "bbdump", 1000)
    cap = box.stop()
    (d,) = dumps(cap, 1000)
    assert (d["events"], d["overwritten"], d["mode"]) == (64, 937, MODE["HEAD"])
    mine = [e["id"] for e in cap["events"] if e["session"] == 1000 and e["id"] != BLACKBOX_DUMP_ID]
    assert mine[0] == SESSION_CREATE_ID and len(mine) == 64
    assert seqs(cap["events"], 1000) == list(range(63))


def test_head_auto_dumps_once_when_full_then_keeps_nothing(box):
    box.set(mode=MODE["HEAD_AUTO"], session_limit=64)
    box.start()
    box.gen("create", 0, "enable", 0, 1, "emitraw", 0, EV, 3, 1, 100, 16)
    wait_until(lambda: box.stat("dumps") == 1, 5, "the HEAD_AUTO dump")
    box.gen("emitraw", 0, EV, 3, 1, 100, 16, "sleep", 200)
    cap = box.stop()
    (d,) = dumps(cap, 1000)
    assert (d["reason"], d["events"], d["overwritten"]) == (REASON["FULL"], 64, 0)
    assert seqs(cap["events"], 1000) == list(range(63))
    assert box.stat("dumps") == 1


def test_tail_auto_dumps_at_the_end(box):
    box.set(mode=MODE["TAIL_AUTO"], session_limit=64)
    box.start()
    box.gen("create", 0, "enable", 0, 1, "emitraw", 0, EV, 3, 1, 100, 16, "destroy", 0)
    wait_until(lambda: box.stat("dumps") == 1, 5, "the TAIL_AUTO dump")
    cap = box.stop()
    (d,) = dumps(cap, 1000)
    # SESSION_CREATE + 100 + SESSION_END = 102 offered, the newest 64 kept.
    assert (d["reason"], d["events"], d["overwritten"]) == (REASON["END"], 64, 38)
    mine = [e["id"] for e in cap["events"] if e["session"] == 1000 and e["id"] != BLACKBOX_DUMP_ID]
    assert mine[-1] == SESSION_END_ID and len(mine) == 64
    assert seqs(cap["events"], 1000) == list(range(37, 100))
    # Dumped and ended: its buffer is freed.
    wait_until(lambda: box.stat("records") == 0, 5, "the buffer freed")


def test_a_dump_nobody_takes_keeps_the_buffer(box):
    box.set(mode=MODE["TAIL"], session_limit=32)
    box.gen("create", 0, "enable", 0, 1, "emitraw", 0, EV, 3, 1, 20, 16, "bbdump", 1000)
    assert box.stat("undelivered") == 1 and box.stat("dumps") == 0
    box.start()
    box.gen("bbdump", 1000)
    cap = box.stop()
    (d,) = dumps(cap, 1000)
    assert (d["events"], d["overwritten"]) == (21, 0)
    assert seqs(cap["events"], 1000) == list(range(20))


def test_global_limit_refuses_and_trims_and_counts(box):
    # Four chunks of 16 records in all: the first session takes them.
    box.set(mode=MODE["TAIL"], session_limit=64, global_limit=64)
    box.start()
    for s in range(3):
        box.gen("create", s, "enable", s, 1, "emitraw", s, EV, 3, 1, 100, 16)
    assert box.stat("records") == 64
    assert (box.stat("refused"), box.stat("trimmed")) == (2, 0)
    box.gen("bbdump", 1001)  # refused: nothing to give
    # The limit below what a session asks for: the next one is trimmed to
    # what is left once the first is gone, and keeps its newest that many.
    box.gen("destroy", 0)
    wait_until(lambda: box.stat("records") == 0, 5, "the first buffer freed")
    box.set(global_limit=48)
    box.gen("create", 3, "enable", 3, 1, "emitraw", 3, EV, 3, 1, 100, 16, "bbdump", 1003)
    cap = box.stop()
    assert box.stat("trimmed") == 1 and box.stat("records") <= 48
    (d,) = dumps(cap, 1003)
    assert (d["events"], d["overwritten"]) == (48, 101 - 48)
    assert seqs(cap["events"], 1003) == list(range(100 - 48, 100))
    assert dumps(cap, 1001) == [dict(reason=REASON["DEMAND"], events=0, overwritten=101, group=0,
                                     mode=MODE["TAIL"])]


def test_auto_ratio_picks_by_the_rule(box, testgen):
    box.set(default=1, auto_ratio=10)
    box.start()
    ids = list(range(5000, 5250))
    for i, sid in enumerate(ids):
        testgen("create", i, sid)
    cap = box.stop()
    created = {e["session"] for e in cap["events"] if e["id"] == SESSION_CREATE_ID}
    want = {sid for sid in ids if splitmix64(sid) % 10 == 0}
    assert created == want
    assert 10 <= len(want) <= 45, "the rule spreads sequential ids about evenly"
    assert box.ctl.get("kern.eventlog.test.sessions_enabled") == len(want)


@pytest.mark.parametrize("name,bad", [
    ("mode", 6), ("mode", -1), ("session_limit", 0), ("session_limit", 1 << 21),
    ("global_limit", -1), ("global_limit", 1 << 21), ("auto_ratio", -2), ("auto_mode", 6),
    ("auto_mode", -2), ("trigger.end", 2), ("trigger.full", -1), ("trigger.request", 7),
    ("linger", 86401),
])
def test_bad_control_values_are_refused_and_change_nothing(box, name, bad):
    before = box.ctl.get(PREFIX + name)
    p = box.ctl(f"{PREFIX}{name}={bad}", check=False)
    assert p.returncode == 1 and f"invalid {name.split('.')[-1]} {bad}" in p.stderr, p.stderr
    assert box.ctl.get(PREFIX + name) == before
