# SPDX-License-Identifier: BSD-2-Clause
"""The eventlog framework end to end, with the test provider: in-kernel
filtering, several subscribers, exact drop accounting, dumps, the default's
0/1/2/-1 semantics, slot reclaim after SIGKILL, hook attach/detach, unload.

Expected counts are computed from the schema tables (elog-testgen events),
so the tests check the delivery rule, not a copy of schemas/test.src."""

import collections
import json
import os
import select
import signal
import struct
import subprocess
import time

import pytest

from lib.proc import PIN_ROOT, Capture, run, wait_until
from lib.elogfile import SESSION_ID_NONE, assert_session_order, decode_capture
from lib.schema import (DUMP_COMPLETE_ID, LEVELS, SESSION_CREATE_ID, SESSION_END_ID, SESSION_KEYWORD,
                        schema, schema_events)
from lib.kernel import hot_links, live_ids, provider_objects

pytestmark = pytest.mark.usefixtures("fresh_test_provider")

N = 7  # events of each kind per test
TEST = schema("test")


def expected_counts(events, level, keywords, n):
    """The delivery rule: level <= sub level and keywords intersect (SESSION added)."""
    kw = keywords | SESSION_KEYWORD
    return {eid: n for (eid, lv, k) in events.values() if lv <= level and (k & kw)}


def id_counts(cap):
    return dict(collections.Counter(e["id"] for e in cap["events"]))


def emit_all(testgen, events, session=0, n=N):
    args = []
    for name in events:
        args += ["emit", session, name, n]
    testgen(*args)


def start(bindir, procs, tmp_path, name, *args):
    path = str(tmp_path / f"{name}.elog")
    return Capture(bindir, ["-c", "test", *map(str, args)], output=path, procs=procs), path


def stop_ok(cap):
    rc = cap.stop()
    assert rc == 0, f"elog exited {rc}: {cap.stderr}"


def test_level_filter(bindir, procs, tmp_path, testgen, wait_subscribers):
    events = schema_events(testgen)
    testgen("create", 0, "enable", 0, 1)
    caps = {lv: start(bindir, procs, tmp_path, lv, lv) for lv in ("ERROR", "WARN", "INFO", "TRACE")}
    wait_subscribers(len(caps))
    emit_all(testgen, events)
    for lv, (cap, path) in caps.items():
        stop_ok(cap)
        got = id_counts(decode_capture(path))
        assert got == expected_counts(events, LEVELS[lv], 0xFFFFFFFF, N), lv
    # Sanity of the test itself: the levels really split the events.
    assert len(expected_counts(events, 1, 0xFFFFFFFF, N)) < len(expected_counts(events, 5, 0xFFFFFFFF, N))


def test_keyword_filter(bindir, procs, tmp_path, testgen, wait_subscribers):
    events = schema_events(testgen)
    testgen("create", 0, "enable", 0, 1)
    masks = {"BASIC": 0x1, "ADVANCED": 0x2, "COMPLEX": 0x8, "HIGH": 0x40000000, "0x3": 0x3}
    caps = {k: start(bindir, procs, tmp_path, f"kw_{k}", "TRACE", k) for k in masks}
    wait_subscribers(len(caps))
    emit_all(testgen, events)
    for k, (cap, path) in caps.items():
        stop_ok(cap)
        got = id_counts(decode_capture(path))
        assert got == expected_counts(events, 5, masks[k], N), k


def test_many_subscribers_each_get_exactly_theirs(bindir, procs, tmp_path, testgen, wait_subscribers):
    """Ten concurrent subscribers (the framework supports 16), different
    filters, one session: each capture holds exactly its events."""
    events = schema_events(testgen)
    testgen("create", 3, 777, "enable", 3, 1)
    subs = [("ERROR", "0xffffffff"), ("WARN", "ADVANCED"), ("INFO", "BASIC"), ("VERBOSE", "BASIC|ADVANCED"),
            ("TRACE", "COMPLEX"), ("TRACE", "HIGH"), ("INFO", "COMPLEX"), ("TRACE", "0xffffffff"),
            ("VERBOSE", "0x8"), ("ERROR", "BASIC")]
    masks = {"0xffffffff": 0xFFFFFFFF, "ADVANCED": 2, "BASIC": 1, "BASIC|ADVANCED": 3, "COMPLEX": 8,
             "HIGH": 0x40000000, "0x8": 8}
    caps = [start(bindir, procs, tmp_path, f"s{i}", lv, kw) for i, (lv, kw) in enumerate(subs)]
    wait_subscribers(len(subs))
    emit_all(testgen, events, session=3)
    for (lv, kw), (cap, path) in zip(subs, caps):
        stop_ok(cap)
        cap_data = decode_capture(path)
        assert id_counts(cap_data) == expected_counts(events, LEVELS[lv], masks[kw], N), (lv, kw)
        assert all(e["session"] == 777 for e in cap_data["events"])
        assert cap_data["event_count"] == len(cap_data["events"])
        assert cap_data["dropped"] == 0


def test_drops_are_exact_with_a_small_buffer(bindir, procs, tmp_path, testgen, wait_subscribers):
    """A stalled consumer with a 64 KiB buffer: every event is either in the
    file or counted as dropped, exactly, and the stats say the same."""
    testgen("create", 0, "enable", 0, 1)
    path = str(tmp_path / "small.elog")
    cap = Capture(bindir, ["-c", "test", "TRACE", "-b", "64K", "-s"], output=path, procs=procs)
    wait_subscribers(1)
    total = 200000
    cap.proc.send_signal(signal.SIGSTOP)  # nobody drains: the ring must overflow
    try:
        testgen("emitraw", 0, 1, 3, 1, total, 200)
    finally:
        cap.proc.send_signal(signal.SIGCONT)
    stop_ok(cap)
    data = decode_capture(path)
    received = len(data["events"])
    assert data["event_count"] == received
    assert data["dropped"] > 0, "a 64 KiB ring cannot hold 200000 x 232 bytes"
    assert received > 0
    assert received + data["dropped"] == total
    assert f"Events received: {received}" in cap.stderr
    assert f"Dropped events: {data['dropped']}" in cap.stderr
    seqs = [struct.unpack_from("=Q", e["payload"])[0] for e in data["events"]]
    assert seqs == sorted(seqs), "records of one session stay in order"


def test_dump_complete_once_per_dump_subscriber(bindir, procs, tmp_path, testgen, wait_subscribers):
    testgen("create", 0, 100, "create", 1, 101, "create", 2, 102, "enable", 0, 1, "enable", 1, 1)
    plain, plain_path = start(bindir, procs, tmp_path, "plain")
    wait_subscribers(1)
    dump, dump_path = start(bindir, procs, tmp_path, "dump", "-D")
    wait_subscribers(2)
    dump2, dump2_path = start(bindir, procs, tmp_path, "dump2", "-D")
    wait_subscribers(3)
    testgen("emit", 0, "SCALARS", 2)
    for c in (plain, dump, dump2):
        stop_ok(c)
    for path in (dump_path, dump2_path):
        ev = decode_capture(path)["events"]
        ids = [e["id"] for e in ev]
        assert ids.count(DUMP_COMPLETE_ID) == 1
        k = ids.index(DUMP_COMPLETE_ID)
        assert ev[k]["session"] == SESSION_ID_NONE
        creates = sorted(e["session"] for e in ev[:k] if e["id"] == SESSION_CREATE_ID)
        assert creates == [100, 101], "the enabled sessions' state, not the disabled one's"
        # SESSION_CREATE payload: the schema's cookie = the session id.
        for e in ev[:k]:
            assert struct.unpack_from("=Q", e["payload"])[0] == e["session"]
        assert ids[k + 1:].count(1) == 2  # the live SCALARS after the dump
    plain_ids = [e["id"] for e in decode_capture(plain_path)["events"]]
    assert DUMP_COMPLETE_ID not in plain_ids and SESSION_CREATE_ID not in plain_ids, \
        "a dump goes to its own subscriber only"


def test_default_two_and_minus_one(bindir, procs, tmp_path, testgen, elogctl, wait_subscribers):
    testgen("create", 0, "create", 1, "create", 2)
    assert elogctl.get("kern.eventlog.test.sessions_enabled") == 0
    cap, path = start(bindir, procs, tmp_path, "walk")
    wait_subscribers(1)
    out = elogctl.set("kern.eventlog.test.default", 2).stdout
    assert out == "kern.eventlog.test.default: 0 -> 1\n"
    assert elogctl.get("kern.eventlog.test.sessions_enabled") == 3
    testgen("create", 3)  # a new session starts enabled under default 1
    assert elogctl.get("kern.eventlog.test.sessions_enabled") == 4
    out = elogctl("kern.eventlog.test.default=-1").stdout
    assert out == "kern.eventlog.test.default: 1 -> 0\n"
    assert elogctl.get("kern.eventlog.test.sessions_enabled") == 0
    testgen("emit", 0, "SCALARS", 3)  # disabled: nothing
    testgen("create", 4)
    assert elogctl.get("kern.eventlog.test.sessions_enabled") == 0
    assert elogctl.get("kern.eventlog.test.sessions_active") == 5
    stop_ok(cap)
    ev = decode_capture(path)["events"]
    assert sorted(e["session"] for e in ev if e["id"] == SESSION_CREATE_ID) == [1000, 1001, 1002, 1003]
    assert [e for e in ev if e["id"] == TEST.SCALARS] == []


def test_session_counters_and_end(bindir, procs, tmp_path, testgen, elogctl, wait_subscribers):
    cap, path = start(bindir, procs, tmp_path, "life")
    wait_subscribers(1)
    testgen("create", 0, "create", 1, "enable", 1, 1, "destroy", 0, "destroy", 1)
    assert elogctl.get("kern.eventlog.test.sessions_created") == 2
    assert elogctl.get("kern.eventlog.test.sessions_active") == 0
    assert elogctl.get("kern.eventlog.test.sessions_enabled") == 0
    stop_ok(cap)
    ev = [(e["id"], e["session"]) for e in decode_capture(path)["events"]]
    assert ev == [(SESSION_CREATE_ID, 1001), (SESSION_END_ID, 1001)], \
        "SESSION_CREATE when enabled later, SESSION_END only for the enabled one"


def test_slot_reclaimed_after_sigkill(bindir, procs, tmp_path, testgen, wait_subscribers):
    """16 captures SIGKILLed hold all 16 slots; the next capture still gets a
    slot (its subscribe reclaims the dead owners') and its events."""
    testgen("create", 0, "enable", 0, 1)
    doomed = [start(bindir, procs, tmp_path, f"doomed{i}")[0] for i in range(16)]
    wait_subscribers(16)
    for c in doomed:
        c.proc.send_signal(signal.SIGKILL)
    for c in doomed:
        c.proc.wait()
    words = testgen("status").stdout.split()  # an entry point: reclaims
    assert words[words.index("subscribers") + 1] == "0"
    assert words[words.index("hot") + 1] == "0", "last subscriber gone: hooks detached"
    cap, path = start(bindir, procs, tmp_path, "after")
    wait_subscribers(1)
    testgen("emit", 0, "SCALARS", 5)
    stop_ok(cap)
    assert id_counts(decode_capture(path)) == {1: 5}


def test_hot_hooks_only_while_subscribed(bindir, procs, tmp_path, testgen, wait_subscribers):
    testgen("status")
    assert not hot_links("test")
    a, _ = start(bindir, procs, tmp_path, "a")
    wait_subscribers(1)
    b, _ = start(bindir, procs, tmp_path, "b")
    wait_subscribers(2)
    assert len(hot_links("test")) == 1, "one link, held by both subscribers"
    runs0 = int(testgen("status").stdout.split()[-1])
    subprocess.run(["/bin/true"])  # an exec: the stand-in hook fires
    assert int(testgen("status").stdout.split()[-1]) > runs0
    stop_ok(a)
    assert len(hot_links("test")) == 1, "one subscriber left: still attached"
    stop_ok(b)
    assert not hot_links("test")
    runs1 = int(testgen("status").stdout.split()[-1])
    subprocess.run(["/bin/true"])
    assert int(testgen("status").stdout.split()[-1]) == runs1, "detached: no more runs"


def test_unload_refused_while_subscribed_then_leaves_nothing(bindir, procs, tmp_path, testgen,
                                                             elogctl, wait_subscribers):
    cap, _ = start(bindir, procs, tmp_path, "busy")
    wait_subscribers(1)
    p = elogctl("-U", "test", check=False)
    assert p.returncode == 1 and "live subscriber" in p.stderr
    stop_ok(cap)
    # By id, not by name: a benchmark may have its own test provider
    # loaded in a private bpffs meanwhile.
    progs = provider_objects("test")["progs"]
    assert progs
    elogctl("-U", "test")
    assert not os.path.exists(f"{PIN_ROOT}/test")

    def gone():  # the kernel releases programs a moment after the last pin
        return not progs & live_ids("prog")

    wait_until(gone, 10, "the test provider's programs to be released")
    # Reading a counter does not load it again.
    assert elogctl.get("kern.eventlog.test.sessions_created") == 0
    assert not os.path.exists(f"{PIN_ROOT}/test")


def test_capture_file_layout_and_order(bindir, procs, tmp_path, testgen, wait_subscribers):
    cap, path = start(bindir, procs, tmp_path, "layout", "TRACE")
    wait_subscribers(1)
    before_us = time.clock_gettime_ns(time.CLOCK_BOOTTIME) // 1000
    testgen("create", 0, "enable", 0, 1, "create", 1, "enable", 1, 1,
            "emit", 0, "VARLEN", 20, "emit", 1, "ADDRESSES", 5, "emit", 0, "SCALARS", 5,
            "destroy", 0, "destroy", 1)
    stop_ok(cap)
    data = decode_capture(path)
    assert data["providers"] == {2: "test"}
    ev = data["events"]
    assert data["event_count"] == len(ev) == 2 + 20 + 5 + 5 + 2
    assert data["dropped"] == 0
    assert_session_order(ev)
    assert all(e["provider"] == 2 and e["ts"] >= before_us for e in ev)
    assert data["capture_start"] == ev[0]["ts"]
    utc_now = time.time_ns() // 1000
    assert abs(data["start_utc_us"] - utc_now) < 60_000_000, "UTC base is the real time"
    varlen = [e for e in ev if e["id"] == TEST.VARLEN]
    assert {len(e["payload"]) for e in varlen} == {8 + 8 * k for k in range(9)}, \
        "variable-length tail: 0..8 values"
    decoded = run([os.path.join(bindir, "elog"), "-r", path, "-e"]).stdout
    assert decoded == run([os.path.join(bindir, "elog"), "-r", path, "-e"]).stdout
    assert "[test][1001][ADDRESSES] 127.0.0.1:443 [::1] ptr 0x1000 name 'testgen'" in decoded


def test_late_records_are_counted_and_warned(bindir, procs, tmp_path, testgen, wait_subscribers):
    """A record that reaches its ring more than the reorder window (20 ms)
    after its timestamp goes out after later ones: nothing can put it back
    in place, so elog says how many there were. One only 5 ms late, when
    nothing later has gone out yet, is still put in order and not counted."""
    testgen("create", 0, "enable", 0, 1)
    cap, path = start(bindir, procs, tmp_path, "late")
    wait_subscribers(1)
    testgen("emit", 0, "SCALARS", 5)
    time.sleep(1.0)  # out of the window (released at a poll, every <= 50 ms)
    testgen("late", 0, 5000, 2, "late", 0, 5, 1, "emit", 0, "SCALARS", 3)
    stop_ok(cap)
    assert "elog: warning: 2 of the events written are out of timestamp order: each reached " \
        "elog more than 20 ms after its timestamp" in cap.stderr, cap.stderr
    ev = decode_capture(path)["events"]
    # Both kinds are event 1 (SCALARS) and start with the session's
    # emission count (SCALARS: u8 field; late: the u64 payload word 0).
    seqs = [e["payload"][0] for e in ev if e["id"] == TEST.SCALARS]
    # In the file: the five SCALARS, the two late ones after them (earlier
    # timestamps), then the one 5 ms late and the last three in order.
    assert seqs == list(range(11)), seqs
    top, behind = 0, 0
    for e in ev:
        behind += e["ts"] < top
        top = max(top, e["ts"])
    assert behind == 2
    # Decoded as it is, earlier than the capture's start included.
    lines = run([os.path.join(bindir, "elog"), "-r", path]).stdout.splitlines()
    assert sum("[test][1000] u8 " in line for line in lines) == 11, lines


def test_live_text_and_duration(bindir, procs, testgen, wait_subscribers):
    testgen("create", 0, 4242, "enable", 0, 1)
    cap = Capture(bindir, ["-c", "test", "-e", "--duration", "2", "-s", "-p"], procs=procs)
    wait_subscribers(1)
    testgen("emit", 0, "SCALARS", 3)
    assert cap.proc.wait(timeout=20) == 0, "--duration ends the capture by itself, exit 0"
    out, err = cap.proc.communicate()
    lines = [line for line in out.splitlines() if "[test][4242][SCALARS]" in line]
    assert len(lines) == 3
    assert "[test][4242][SCALARS] u8 0 u16 0" in lines[0]
    # [cpu]tid::HH:MM:SS.uuuuuu is UTC wall-clock time, close to now.
    clock = lines[0].split("::", 1)[1].split(" ", 1)[0]
    h, m, sec = clock.split(":")
    shown = int(h) * 3600 + int(m) * 60 + float(sec)
    now = time.time() % 86400
    assert min(abs(now - shown), 86400 - abs(now - shown)) < 30, (clock, now)
    assert "[Providers] 1 registered: test" in err
    assert "Events received: 3" in err and "Dropped events: 0" in err


def test_sigterm_rewrites_header(bindir, procs, tmp_path, testgen, wait_subscribers):
    testgen("create", 0, "enable", 0, 1)
    cap, path = start(bindir, procs, tmp_path, "term")
    wait_subscribers(1)
    testgen("emit", 0, "SCALARS", 11)
    assert cap.stop(signal.SIGTERM) == 0
    data = decode_capture(path)
    assert data["event_count"] == 11 == len(data["events"])


def test_refused_without_privilege(bindir, tmp_path):
    elog = os.path.join(bindir, "elog")
    p = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
             elog, "-c", "test"], check=False)
    assert p.returncode == 1
    assert "permission denied" in p.stderr and "CAP_BPF" in p.stderr
    p = run(["unshare", "-Ur", elog, "-c", "test"], check=False)
    assert p.returncode == 1
    assert "user namespace" in p.stderr


def test_session_keyword_always_on(bindir, procs, tmp_path, testgen, wait_subscribers):
    """A subscription to BASIC only still gets the SESSION events (SESSION is
    always added), and at ERROR it gets none of them (they are INFO)."""
    testgen("create", 0, 55, "enable", 0, 1)
    basic, basic_path = start(bindir, procs, tmp_path, "basic", "INFO", "BASIC", "-D")
    wait_subscribers(1)
    err, err_path = start(bindir, procs, tmp_path, "err", "ERROR", "BASIC", "-D")
    wait_subscribers(2)
    testgen("create", 1, 56, "enable", 1, 1, "destroy", 1, "emit", 0, "SCALARS", 2)
    stop_ok(basic)
    stop_ok(err)
    ids = [e["id"] for e in decode_capture(basic_path)["events"]]
    assert ids == [SESSION_CREATE_ID, DUMP_COMPLETE_ID, SESSION_CREATE_ID, SESSION_END_ID, 1, 1]
    assert decode_capture(err_path)["events"] == []


def test_rotation_splits_a_capture_exactly(bindir, procs, tmp_path, testgen, wait_subscribers):
    """--rotate-events 1000: a numbered series of complete captures whose
    counts add up to every event, in order, with nothing lost."""
    testgen("create", 0, "enable", 0, 1)
    out = str(tmp_path / "rot.elog")
    cap = Capture(bindir, ["-c", "test", "--rotate-events", "1000"], output=out, procs=procs)
    wait_subscribers(1)
    testgen("emit", 0, "SCALARS", 3500)
    stop_ok(cap)
    files = sorted(p for p in os.listdir(tmp_path) if p.startswith("rot."))
    assert files == [f"rot.{i:06d}.elog" for i in range(4)]
    caps = [decode_capture(str(tmp_path / f)) for f in files]
    assert [c["event_count"] for c in caps] == [1000, 1000, 1000, 500]
    assert all(c["event_count"] == len(c["events"]) and c["dropped"] == 0 for c in caps)
    seqs = [struct.unpack_from("=Q", e["payload"], 8)[0] for c in caps for e in c["events"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3500, "SCALARS u64 = sequence"
    series = run([os.path.join(bindir, "elog"), "-r"] + [str(tmp_path / f) for f in files]).stdout
    assert len(series.splitlines()) == 3500


def test_live_json_lines(bindir, procs, testgen, wait_subscribers):
    testgen("create", 0, 31, "enable", 0, 1)
    cap = Capture(bindir, ["-c", "test", "--json"], procs=procs)
    wait_subscribers(1)
    testgen("emit", 0, "ANNOTATED", 2)
    stop_ok(cap)
    objs = [json.loads(line) for line in cap.stdout.splitlines()]
    assert [o["event"] for o in objs] == ["ANNOTATED", "ANNOTATED"]
    assert objs[0]["provider"] == "test" and objs[0]["session"] == 31
    assert objs[0]["fields"]["port"] == 8080 and objs[0]["fields"]["mask"] == "0xbeef"


def test_sixteen_live_subscribers_then_busy(bindir, procs, tmp_path, testgen, wait_subscribers):
    """16 captures at once all get the event; a 17th is refused clearly."""
    testgen("create", 0, "enable", 0, 1)
    caps = [start(bindir, procs, tmp_path, f"full{i}") for i in range(16)]
    wait_subscribers(16)
    p = run([os.path.join(bindir, "elog"), "-c", "test"], check=False, timeout=30)
    assert p.returncode == 1
    assert p.stderr == "elog: test: all 16 subscriber slots are in use\n"
    testgen("emit", 0, "SCALARS", 1)
    for cap, path in caps:
        stop_ok(cap)
        assert id_counts(decode_capture(path)) == {1: 1}


def test_two_providers_in_one_capture(bindir, procs, tmp_path, testgen, elogctl, wait_subscribers):
    """-c test -c tcp: one file, both providers in its table, each record
    stamped with its provider's id."""
    testgen("create", 0, "enable", 0, 1)
    elogctl("-L", "tcp")
    path = str(tmp_path / "two.elog")
    cap = Capture(bindir, ["-c", "test", "-c", "tcp", "ERROR"], output=path, procs=procs)
    wait_subscribers(1)
    testgen("emit", 0, "SCALARS", 4)
    stop_ok(cap)
    data = decode_capture(path)
    assert data["providers"] == {2: "test", 1: "tcp"}
    assert [e["id"] for e in data["events"] if e["provider"] == 2 and e["session"] == 1000] == [TEST.SCALARS] * 4


def test_one_quiet_event_shows_within_a_second(bindir, procs, testgen, wait_subscribers):
    """Wakeups are batched (1/8 of the ring), so a lone event never wakes
    the consumer: the capture must still show it within a second."""
    testgen("create", 0, 6060, "enable", 0, 1)
    cap = Capture(bindir, ["-c", "test"], procs=procs)
    wait_subscribers(1)
    fd = cap.proc.stdout.fileno()
    os.set_blocking(fd, False)
    testgen("emit", 0, "SCALARS", 1)
    t0 = time.monotonic()
    buf = ""
    while "[test][6060]" not in buf and time.monotonic() - t0 < 1.0:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            buf += os.read(fd, 65536).decode()
    assert "[test][6060] u8 0" in buf, f"not shown within a second: {buf!r}"
    assert cap.stop() == 0


@pytest.mark.parametrize("ext", [".elog.gz", ".elog.zst"])
def test_killed_compressed_capture_keeps_its_time_base(bindir, procs, tmp_path, testgen,
                                                       wait_subscribers, ext):
    """A .gz/.zst capture SIGKILLed after its first event decodes with UTC
    times near now (the time base reached the disk at the first event), not
    times near the epoch (a zero header)."""
    path = str(tmp_path / ("killed" + ext))
    cap = Capture(bindir, ["-c", "test"], output=path, procs=procs)
    wait_subscribers(1)
    testgen("create", 0, "enable", 0, 1, "emit", 0, "SCALARS", 3)
    wait_until(lambda: os.path.getsize(path) > 0, 5, "the capture file")
    time.sleep(1.5)  # the capture flushes once a second
    cap.kill()
    out = subprocess.run([os.path.join(bindir, "elog"), "-d", "-r", path],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 4, out.stdout  # SESSION_CREATE + 3 events
    today = time.strftime("%Y-%m-%d", time.gmtime())
    yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    for line in lines:
        day = line.split("::", 1)[1].split()[0]
        assert day in (today, yesterday), line
    assert "truncated" in out.stderr or "header says 0" in out.stderr, out.stderr
