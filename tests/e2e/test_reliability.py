# SPDX-License-Identifier: BSD-2-Clause
"""Reliability under faults, driven by the
test provider and elog-testgen so that every expected event is known:

* SIGKILL of elog mid-capture: the file decodes every complete event with
  a warning, the slot is reclaimed, the next capture works, and the test
  provider's BPF programs, maps and links are back to what they were.
* A full disk (a 256 KiB tmpfs): a clear error naming the file, exit 1,
  and everything written before stays decodable.
* Unloading the provider while a capture runs is refused with a message
  (man/elogctl.8); the capture carries on untouched.
* Four subscribers with different filters get exactly their events while
  other captures subscribe and unsubscribe (SIGINT and SIGKILL) during the
  traffic; no slot, ring map, link or file descriptor is left behind.
* One of four subscribers SIGKILLed during the traffic: its slot and rings
  are gone within a second, and the three others count exactly and lose
  nothing.

Events are told apart by session id (7000000 + n), so a capture seeing
another session of the shared test provider does not change a count."""

import collections
import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest

from lib.proc import PIN_ROOT, Capture, need, run, wait_until
from lib.elogfile import SESSION_ID_NONE, read_tolerant
from lib.schema import DUMP_COMPLETE_ID, LEVELS, SESSION_CREATE_ID, SESSION_KEYWORD, schema, schema_events
from lib.kernel import (cmdline, conf_subscribers, fd_count, hot_links, live_ids, objects_back_to,
                        provider_objects, reapers, ring_map_ids, rings_per_subscription, small_tmpfs)

pytestmark = pytest.mark.usefixtures("fresh_test_provider")

SID = 7000001  # session id of testgen session index 0 in these tests


def status(testgen):
    """elog-testgen status as a dict (an entry point: it reclaims dead slots)."""
    w = testgen("status").stdout.split()
    return {w[i]: w[i + 1] for i in range(0, len(w) - 1, 2)}


def decode(bindir, path):
    return run([os.path.join(bindir, "elog"), "-e", "-r", path], check=False)


def same_objects(before):
    """The test provider's BPF objects are those of before again."""
    objects_back_to("test", before, 10)


def test_sigkill_mid_capture(bindir, procs, tmp_path, testgen, wait_subscribers):
    testgen("status")  # loads the provider: the baseline has no subscriber
    before = provider_objects("test")
    assert before["progs"] and before["maps"], before
    path = str(tmp_path / "killed.elog")
    cap = Capture(bindir, ["-c", "test", "TRACE", "-b", "256K"], output=path, procs=procs)
    wait_subscribers(1)
    rings = ring_map_ids(cap.proc.pid)
    assert len(rings) == rings_per_subscription(), rings
    during = provider_objects("test")
    assert rings <= during["maps"], "the capture's rings are installed in elog_rings"
    assert len(during["links"] - before["links"]) == 1, "the per-packet hook is attached"
    hot = during["links"] - before["links"]
    assert hot_links("test") == hot, "held by the capture, not pinned"

    # Phase 1: a few events, on disk while the capture still runs.
    n1 = 1000
    testgen("create", 0, SID, "enable", 0, 1, "emitraw", 0, 1, 3, 1, n1, 64)

    def phase1_on_disk():
        return sum(1 for r in read_tolerant(path)[2] if r.session == SID) >= n1 + 1

    wait_until(phase1_on_disk, 10, "the first events to reach the file of a running capture")

    # Phase 2: a stream of bursts; the capture is killed while writing it.
    size1 = os.path.getsize(path)
    stop = threading.Event()
    tg = os.path.join(bindir, "elog-testgen")

    def pump():
        while not stop.is_set():
            subprocess.run([tg, "emitraw", "0", "2", "3", "1", "20000", "200"], capture_output=True)

    t = threading.Thread(target=pump)
    t.start()
    try:
        wait_until(lambda: os.path.getsize(path) > size1 + (3 << 20), 30, "3 MiB more of capture")
        cap.proc.send_signal(signal.SIGKILL)
        cap.proc.wait(timeout=10)
    finally:
        stop.set()
        t.join()
    assert cap.proc.returncode == -signal.SIGKILL
    # Its per-packet hook went with it (the kernel closed its link fd; the
    # pump's elog-testgen runs may have reclaimed its slot meanwhile).
    wait_until(lambda: not hot & live_ids("link"), 5, "the killed capture's hook to go")

    # The file: complete records, then at most one cut record.
    hdr, providers, recs, tail = read_tolerant(path)
    assert providers == {2: "test"}
    assert hdr["event_count"] == 0, "killed: the header was never rewritten"
    mine = [r for r in recs if r.session == SID]
    assert mine[0].id == SESSION_CREATE_ID
    assert [r.seq() for r in mine if r.id == 1] == list(range(n1)), "phase 1 is whole and in order"
    burst = [r for r in mine if r.id == 2]
    assert burst, "some of phase 2 reached the file"
    seqs = [r.seq() for r in burst]
    assert all(a < b for a, b in zip(seqs, seqs[1:])) and seqs[0] >= n1, "no garbage, no repeats"
    assert {len(r.payload) for r in burst} == {200}
    assert len(mine) == 1 + n1 + len(burst), "nothing else of this session"

    # elog -r: every complete event, a warning, never an error.
    p = decode(bindir, path)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == len(recs)
    assert sum(f"[test][{SID}][SCALARS]" in line for line in lines) == n1
    assert sum(f"[test][{SID}][ANNOTATED]" in line for line in lines) == len(burst)
    if tail:
        assert f"capture is truncated" in p.stderr and \
            f"decoded {len(recs)} complete events, header says 0" in p.stderr, p.stderr
    else:
        assert f"header says 0 events but the file holds {len(recs)}" in p.stderr, p.stderr
    assert p.stderr.startswith("elog: warning: ")

    # The slot is reclaimed (by the next entry point), the hook detached.
    st = status(testgen)
    assert st["subscribers"] == "0" and st["hot"] == "0", st
    assert not hot_links("test")
    # Programs, maps and links return to their count before the capture.
    same_objects(before)
    assert not rings & live_ids("map"), "the killed capture's ring maps are freed"

    # The next capture works.
    path2 = str(tmp_path / "next.elog")
    cap2 = Capture(bindir, ["-c", "test", "TRACE"], output=path2, procs=procs)
    wait_subscribers(1)
    testgen("emit", 0, "PING", 3)
    assert cap2.stop() == 0, cap2.stderr
    hdr2, _, recs2, tail2 = read_tolerant(path2)
    assert tail2 == 0 and hdr2["event_count"] == len(recs2)
    assert [r.id for r in recs2 if r.session == SID] == [0, 0, 0]
    assert status(testgen)["subscribers"] == "0"
    same_objects(before)


def test_full_disk(bindir, procs, tmp_path, testgen, wait_subscribers):
    mnt = str(tmp_path / "small")
    with small_tmpfs(mnt, "256k"):
        path = os.path.join(mnt, "cap.elog")
        cap = Capture(bindir, ["-c", "test", "TRACE", "-s"], output=path, procs=procs)
        wait_subscribers(1)
        testgen("create", 0, SID, "enable", 0, 1)
        emitted = 0
        for _ in range(60):  # 116 KB a step: the 256 KiB disk fills in a few
            if cap.proc.poll() is not None:
                break
            testgen("emitraw", 0, 1, 3, 1, 500, 200)
            emitted += 500
            time.sleep(0.2)
        try:
            rc = cap.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"elog still runs after {emitted} events on a full disk")
        out, err = cap.proc.communicate()
        assert rc == 1, err
        assert f"elog: write {path}: No space left on device\n" in err, err
        assert os.path.getsize(path) > 64 * 1024, "the disk was used before it filled"

        # Everything written before is decodable: a clean prefix.
        hdr, _, recs, tail = read_tolerant(path)
        assert hdr["event_count"] == 0, "the header is not rewritten with counts the file lacks"
        mine = [r for r in recs if r.session == SID and r.id == 1]
        assert len(mine) > 200
        assert [r.seq() for r in mine] == list(range(len(mine))), "in order, nothing missing"
        assert {len(r.payload) for r in mine} == {200}
        p = decode(bindir, path)
        assert p.returncode == 0, p.stderr
        assert len(p.stdout.splitlines()) == len(recs)
        if tail:
            assert f"decoded {len(recs)} complete events, header says 0" in p.stderr, p.stderr
        else:
            assert f"header says 0 events but the file holds {len(recs)}" in p.stderr, p.stderr
    # elog released its slot on the way out.
    assert status(testgen)["subscribers"] == "0"


@contextlib.contextmanager
def throttled_disk(tmp_path):
    """An ext4 on a loop device whose writes from one cgroup (blkio, v1) are
    throttled to 1 MB/s: yields (mount point, shell prefix that runs a
    command in that cgroup). Loop device, mount and cgroup go whatever
    happens; the caller ends its processes in the cgroup first."""
    need(shutil.which("losetup") and shutil.which("mkfs.ext4"), "losetup and mkfs.ext4 are needed")
    need(os.path.isdir("/sys/fs/cgroup/blkio"), "the cgroup v1 blkio controller is needed")
    img, mnt = str(tmp_path / "disk.img"), str(tmp_path / "mnt")
    cg = f"/sys/fs/cgroup/blkio/elog-test-slow-disk-{os.getpid()}"
    with open(img, "wb") as f:
        f.truncate(64 << 20)
    loop = run(["losetup", "-f", "--show", img]).stdout.strip()
    try:
        run(["mkfs.ext4", "-q", loop])
        os.mkdir(mnt)
        run(["mount", loop, mnt])
        os.mkdir(cg)
        rdev = os.stat(loop).st_rdev
        with open(cg + "/blkio.throttle.write_bps_device", "w") as f:
            f.write(f"{os.major(rdev)}:{os.minor(rdev)} {1 << 20}")
        in_cg = f"echo $$ > {cg}/cgroup.procs && exec "
        # The throttle holds: 1 MiB written directly takes about a second.
        t0 = time.monotonic()
        run(["sh", "-c", in_cg + f"dd if=/dev/zero of={mnt}/probe bs=1M count=1 oflag=direct status=none"])
        assert time.monotonic() - t0 > 0.5, "the disk is not throttled: this test would prove nothing"
        yield mnt, in_cg
    finally:
        if os.path.isdir(cg):
            os.rmdir(cg)
        if os.path.ismount(mnt):
            if subprocess.run(["umount", mnt], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", mnt], capture_output=True)
        subprocess.run(["losetup", "-d", loop], capture_output=True)


def paced_capture_to(bindir, procs, testgen, wait_subscribers, in_cg, args):
    """`elog -c test TRACE -b 64K -s ARGS` in the throttled cgroup while
    580 KB/s of events (250 x 232 bytes per 100 ms, 10,000 in all) go by;
    stopped with SIGINT. Returns its stderr; it must exit 0 with nothing
    dropped."""
    elog = os.path.join(bindir, "elog")
    cap = subprocess.Popen(["sh", "-c", in_cg + f"{elog} -c test TRACE -b 64K -s {args}"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(cap)
    try:
        wait_subscribers(1)
        steps = []
        for _ in range(40):
            steps += ["emitraw", 0, 1, 3, 1, 250, 200, "sleep", 100]
        testgen("create", 0, SID, "enable", 0, 1, *steps)
        cap.send_signal(signal.SIGINT)
        _, err = cap.communicate(timeout=60)
    finally:
        if cap.poll() is None:
            cap.kill()
            cap.wait()
    assert cap.returncode == 0, err
    assert "Dropped events: 0\n" in err, err
    return err


def test_slow_disk_does_not_stall_the_capture(bindir, procs, tmp_path, testgen, wait_subscribers):
    """A plain -o FILE is written with O_DIRECT, which the page cache no
    longer absorbs: on a slow disk a synchronous direct write would hold the
    capture's loop for as long as the disk takes and its rings would
    overflow. The writer thread (lib/capture/outfile.h) keeps the loop going: on a
    disk throttled to 1 MB/s, 580 KB/s of events into -b 64K rings for 4 s:
    nothing dropped, every event in the file, in order."""
    with throttled_disk(tmp_path) as (mnt, in_cg):
        path = os.path.join(mnt, "cap.elog")
        paced_capture_to(bindir, procs, testgen, wait_subscribers, in_cg, f"-o {path}")
        hdr, _, recs, tail = read_tolerant(path)
    mine = [r for r in recs if r.session == SID and r.id == 1]
    assert tail == 0 and hdr["event_count"] == len(recs) and hdr["dropped"] == 0
    assert [r.seq() for r in mine] == list(range(10000)), "every event, in order"


def test_slow_disk_rotation_does_not_stall_the_capture(bindir, procs, tmp_path, testgen,
                                                       wait_subscribers):
    """The same with --rotate-size 256K: moving on to the next file does not
    wait for the last one's writes (elog_writer_close_begin; the file is
    closed once its writer thread is idle). Every file complete, with its
    exact count; together every event, in order."""
    with throttled_disk(tmp_path) as (mnt, in_cg):
        path = os.path.join(mnt, "cap.elog")
        paced_capture_to(bindir, procs, testgen, wait_subscribers, in_cg,
                         f"-o {path} --rotate-size 256K")
        files = sorted(f for f in os.listdir(mnt) if f.startswith("cap."))
        assert len(files) >= 8, files
        mine = []
        for f in files:
            hdr, _, recs, tail = read_tolerant(os.path.join(mnt, f))
            assert tail == 0 and hdr["event_count"] == len(recs), f
            mine += [r for r in recs if r.session == SID and r.id == 1]
    assert [r.seq() for r in mine] == list(range(10000)), "every event, in order"


def test_unload_while_capturing_is_refused(bindir, procs, tmp_path, testgen, elogctl,
                                           wait_subscribers):
    """Users expect a running capture never to be cut from under them: the
    documented unload (elogctl -U) refuses while live subscribers exist and
    says why; the capture carries on; a dead capture does not block it."""
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "man", "elogctl.8")) as f:
        man = f.read()
    assert "Refused while live subscribers" in man
    assert "provider p has N live subscribers: stop the captures first" in man

    path = str(tmp_path / "busy.elog")
    cap = Capture(bindir, ["-c", "test", "TRACE"], output=path, procs=procs)
    wait_subscribers(1)
    testgen("create", 0, SID, "enable", 0, 1, "emitraw", 0, 1, 3, 1, 4, 16)
    p = elogctl("-U", "test", check=False)
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr == "elogctl: unload test: provider test has 1 live subscriber: " \
                       "stop the captures first\n"
    # Nothing was touched: pins, hook, the capture.
    assert os.path.isdir(f"{PIN_ROOT}/test/ready")
    assert hot_links("test")
    assert cap.proc.poll() is None
    testgen("emitraw", 0, 1, 3, 1, 6, 16)
    assert cap.stop() == 0, cap.stderr
    hdr, _, recs, tail = read_tolerant(path)
    assert tail == 0 and hdr["event_count"] == len(recs)
    assert [r.seq() for r in recs if r.session == SID and r.id == 1] == list(range(10))

    # A SIGKILLed capture does not hold the provider: it is reclaimed first.
    dead = Capture(bindir, ["-c", "test"], output=str(tmp_path / "dead.elog"), procs=procs)
    wait_subscribers(1)
    dead.proc.send_signal(signal.SIGKILL)
    dead.proc.wait(timeout=10)
    p = elogctl("-U", "test", check=False)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert not os.path.exists(f"{PIN_ROOT}/test")


def test_pins_removed_under_a_capture(bindir, procs, tmp_path, testgen, wait_subscribers):
    """Not the documented unload: the provider's pins removed by hand while
    a capture runs (its hooks go with them). The capture notices within a
    second, stops cleanly (file complete, header rewritten) and says why,
    exit 1; a provider loaded again meanwhile keeps its own hooks."""
    old_path = str(tmp_path / "old.elog")
    old = Capture(bindir, ["-c", "test", "TRACE"], output=old_path, procs=procs)
    wait_subscribers(1)
    testgen("create", 0, SID, "enable", 0, 1, "emitraw", 0, 1, 3, 1, 5, 16)
    run(["rm", "-r", f"{PIN_ROOT}/test"])
    new_path = str(tmp_path / "new.elog")
    new = Capture(bindir, ["-c", "test", "TRACE"], output=new_path, procs=procs)  # loads anew
    wait_until(lambda: os.path.exists(new_path) or new.proc.poll() is not None, 10, "the new capture")
    try:
        old.proc.wait(timeout=10)
    except Exception:
        raise AssertionError("the capture did not notice its provider was gone")
    old.stop()
    assert old.proc.returncode == 1
    assert old.stderr == "elog: provider test was unloaded: capture stopped\n", old.stderr
    hdr, _, recs, tail = read_tolerant(old_path)
    assert tail == 0 and hdr["event_count"] == len(recs), "a clean stop: header rewritten"
    assert [r.id for r in recs if r.session == SID] == [SESSION_CREATE_ID] + [1] * 5
    # The new instance's per-packet hook is still attached and it works.
    assert new.proc.poll() is None, new.stop()
    assert hot_links("test"), "the old capture detached the new hook"
    assert status(testgen)["subscribers"] == "1"
    testgen("create", 0, SID, "enable", 0, 1, "emitraw", 0, 1, 3, 1, 4, 16)
    assert new.stop() == 0, new.stderr
    assert [r.id for r in read_tolerant(new_path)[2] if r.session == SID] == [SESSION_CREATE_ID] + [1] * 4


# ---- four subscribers and churn ----

KW = schema("test").keyword


def matches(level, keywords, ev_level, ev_kw):
    return ev_level <= level and ev_kw & (keywords | SESSION_KEYWORD) != 0


def session_with_events(testgen):
    """The test schema's events by name and by id ({id: (level,
    keywords)}), once session SID is created and enabled, and the
    provider's BPF objects before any subscriber."""
    events = schema_events(testgen)
    testgen("create", 0, SID, "enable", 0, 1)
    return events, {eid: (lvl, k) for eid, lvl, k in events.values()}, provider_objects("test")


def start_subscribers(bindir, procs, tmp_path, wait_subscribers, subs, *opts):
    """One `elog -c test LEVEL KEYWORDS OPTS EXTRA` per (level, keywords,
    mask, extra) of subs, each subscribed before the next starts:
    [(capture, path)]."""
    caps = []
    for i, (lv, kw, _mask, extra) in enumerate(subs):
        path = str(tmp_path / f"sub{i}.elog")
        caps.append((Capture(bindir, ["-c", "test", lv, kw, *opts, *extra], output=path, procs=procs), path))
        wait_subscribers(i + 1)
    return caps


class Rounds(threading.Thread):
    """elog-testgen emitting rounds of every schema event into session 0
    until stop is set: emitted counts them by id, rounds[0] the rounds;
    a failure ends the thread and is kept in failures for the test."""

    PER_ROUND = [("SCALARS", 3), ("ANNOTATED", 2), ("ADDRESSES", 2), ("VARLEN", 1), ("PING", 2)]

    def __init__(self, bindir, events, pause=0):
        super().__init__()
        self.args = [os.path.join(bindir, "elog-testgen")]
        for name, n in self.PER_ROUND:
            self.args += ["emit", "0", name, str(n)]
        self.events, self.pause = events, pause
        self.emitted = collections.Counter()
        self.rounds = [0]
        self.stop = threading.Event()
        self.failures = []

    def run(self):
        while not self.stop.is_set():
            try:
                p = subprocess.run(self.args, capture_output=True, text=True, timeout=60)
            except Exception as e:  # reported by the test, not lost in the thread
                self.failures.append(repr(e))
                return
            if p.returncode != 0:
                self.failures.append(p.stderr)
                return
            for name, n in self.PER_ROUND:
                self.emitted[self.events[name][0]] += n
            self.rounds[0] += 1
            time.sleep(self.pause)

    def finish(self):
        self.stop.set()
        self.join()
        assert not self.failures, self.failures


def wanted(emitted, by_id, lv, mask):
    """The emitted events a subscriber with this level and mask receives."""
    return collections.Counter({eid: n for eid, n in emitted.items() if matches(LEVELS[lv], mask, *by_id[eid])})


def test_four_subscribers_exact_under_churn(bindir, procs, tmp_path, testgen, wait_subscribers):
    events, by_id, before = session_with_events(testgen)
    subs = [  # level, keywords (name), mask, extra options
        ("ERROR", "0xffffffff", 0xFFFFFFFF, ["-b", "64K"]),
        ("INFO", "BASIC", 0x1, []),
        ("TRACE", "ADVANCED|COMPLEX", 0xA, ["-b", "1M"]),
        ("VERBOSE", "HIGH|BASIC", 0x40000001, ["-D"]),
    ]
    caps = start_subscribers(bindir, procs, tmp_path, wait_subscribers, subs)
    fds = [fd_count(c.proc.pid) for c, _ in caps]

    # Traffic: rounds of every schema event, counted here.
    t = Rounds(bindir, events, pause=0.01)
    emitted = t.emitted

    churn_filters = [("TRACE", "0xffffffff"), ("WARN", "ADVANCED"), ("INFO", "COMPLEX"),
                     ("VERBOSE", "BASIC|HIGH")]
    churned = []
    t.start()
    try:
        for i in range(24):
            lv, kw = churn_filters[i % len(churn_filters)]
            path = str(tmp_path / f"churn{i}.elog")
            extra = ["-D"] if i % 3 == 0 else []
            c = Capture(bindir, ["-c", "test", lv, kw, "-s", *extra], output=path, procs=procs)
            wait_until(lambda: os.path.exists(path) or c.proc.poll() is not None, 10,
                       f"churn capture {i} to start")
            time.sleep(0.05 * (i % 4))
            sig = signal.SIGKILL if i % 4 == 3 else signal.SIGINT
            c.stop(sig)
            churned.append((i, lv, kw, sig, c, path))
    finally:
        t.finish()
    assert sum(emitted.values()) > 0

    for i, lv, kw, sig, c, path in churned:
        if sig == signal.SIGKILL:
            assert c.proc.returncode == -signal.SIGKILL, (i, c.stderr)
            hdr, _, recs, _ = read_tolerant(path)  # whatever it holds decodes
        else:
            assert c.proc.returncode == 0, (i, c.stderr)
            hdr, _, recs, tail = read_tolerant(path)
            assert tail == 0 and hdr["event_count"] == len(recs), i
            assert f"Events received: {len(recs)}" in c.stderr, (i, c.stderr)
            assert f"Dropped events: {hdr['dropped']}" in c.stderr, (i, c.stderr)
        mask = int(kw, 16) if kw.startswith("0x") else sum(KW[n] for n in kw.split("|"))
        for r in recs:
            if r.session == SID and r.id in by_id:
                assert matches(LEVELS[lv], mask, *by_id[r.id]), (i, lv, kw, r.id)

    for i, ((lv, kw, mask, extra), (c, path)) in enumerate(zip(subs, caps)):
        assert c.proc.poll() is None, f"subscriber {i} died: {c.proc.returncode}"
        assert fd_count(c.proc.pid) == fds[i], f"subscriber {i} leaks file descriptors"
    for i, ((lv, kw, mask, extra), (c, path)) in enumerate(zip(subs, caps)):
        assert c.stop() == 0, c.stderr
        hdr, _, recs, tail = read_tolerant(path)
        assert tail == 0 and hdr["event_count"] == len(recs)
        assert hdr["dropped"] == 0, (i, hdr)
        got = collections.Counter(r.id for r in recs if r.session == SID)
        want = wanted(emitted, by_id, lv, mask)
        if "-D" in extra:
            dumps = [r for r in recs if r.id == DUMP_COMPLETE_ID]
            assert len(dumps) == 1 and dumps[0].session == SESSION_ID_NONE
            want[SESSION_CREATE_ID] = 1  # the enabled session's state, dumped first
        assert got == want, (i, lv, kw, dict(got), dict(want))

    # Nothing left behind: slots, hooks, ring maps, links.
    st = status(testgen)
    assert st["subscribers"] == "0" and st["hot"] == "0", st
    same_objects(before)


def test_one_of_four_killed_the_others_exact(bindir, procs, tmp_path, testgen, wait_subscribers):
    """Four captures with different filters; one is SIGKILLed in the middle
    of the traffic. Within a second its slot is free, its rings are freed
    and its reaper is gone; the three others lose nothing: for each,
    delivered + dropped (elog -s) = the events emitted that match its
    filter, with 0 dropped, and its file holds exactly those."""
    events, by_id, before = session_with_events(testgen)
    subs = [  # level, keywords (name), mask, extra options
        ("ERROR", "0xffffffff", 0xFFFFFFFF, ["-b", "64K"]),
        ("TRACE", "0xffffffff", 0xFFFFFFFF, []),
        ("TRACE", "ADVANCED|COMPLEX", 0xA, ["-b", "1M"]),
        ("VERBOSE", "HIGH|BASIC", 0x40000001, ["-D"]),
    ]
    victim = 1  # the one that matches everything: its share is the largest
    caps = start_subscribers(bindir, procs, tmp_path, wait_subscribers, subs, "-s")

    t = Rounds(bindir, events)
    emitted, rounds, failures = t.emitted, t.rounds, t.failures
    t.start()
    try:
        wait_until(lambda: rounds[0] >= 20 or failures, 30, "traffic before the kill")
        c, _ = caps[victim]
        argv, rings = cmdline(c.proc.pid), ring_map_ids(c.proc.pid)
        assert len(rings) == rings_per_subscription()
        c.proc.send_signal(signal.SIGKILL)
        t_kill = time.monotonic()
        c.proc.wait(timeout=10)
        wait_until(lambda: conf_subscribers("test")[0] == 3, 1, "the killed capture's slot to be freed")
        wait_until(lambda: not rings & live_ids("map") and not reapers(argv), 1,
                   "its rings to be freed and its reaper to exit")
        assert time.monotonic() - t_kill < 1.5
        after = rounds[0]
        wait_until(lambda: rounds[0] >= after + 20 or failures, 30, "traffic after the kill")
    finally:
        t.finish()
    assert caps[victim][0].proc.returncode == -signal.SIGKILL

    for i, ((lv, kw, mask, extra), (c, path)) in enumerate(zip(subs, caps)):
        if i == victim:
            continue
        assert c.stop() == 0, c.stderr
        hdr, _, recs, tail = read_tolerant(path)
        assert tail == 0 and hdr["event_count"] == len(recs)
        want = wanted(emitted, by_id, lv, mask)
        if "-D" in extra:
            want[SESSION_CREATE_ID] = 1  # the enabled session's state, dumped first
            want[DUMP_COMPLETE_ID] = 1
        got = collections.Counter(r.id for r in recs)
        assert got == want, (i, lv, kw, dict(got), dict(want))
        # delivered + dropped = what matched its filter, and nothing dropped
        assert f"Events received: {sum(want.values())}\n" in c.stderr, (i, c.stderr)
        assert "Dropped events: 0\n" in c.stderr and hdr["dropped"] == 0, (i, c.stderr)

    st = status(testgen)
    assert st["subscribers"] == "0" and st["hot"] == "0", st
    same_objects(before)
