# SPDX-License-Identifier: BSD-2-Clause
"""A capture never destroys or hides data, with the test
provider:

* item 2: an output that exists is refused (its bytes unchanged) unless
  --force, for a plain, a .gz and a .zst file and for a rotated series;
* item 3: killed (SIGKILL) a few seconds after the last event, a plain, a
  .gz and a .zst capture all hold every event (flushed on a timer, also
  when idle);
* item 4: dropped events are reported on stderr at the end, one line, with
  or without -s, in every output mode;
* item 7: a capture with no session enabled says how to enable one;
* item 8: `-o -` writes the binary capture to stdout, and `elog -r -`
  decodes it from a pipe, with the right times and no warning.
"""

import os
import re
import signal
import subprocess
import time

import pytest

from lib.proc import run
from lib.elogfile import read_tolerant

pytestmark = pytest.mark.usefixtures("fresh_test_provider")

SID = 7000019  # session id of testgen session index 0 in these tests
DROP_LINE = re.compile(r"^elog: warning: (\d+) events were dropped: the buffers were full "
                       r"\(-b sets their size per CPU\)$")


def elog(bindir):
    return os.path.join(bindir, "elog")


def start(bindir, procs, args, **kw):
    p = subprocess.Popen([elog(bindir), *args], stdout=kw.pop("stdout", subprocess.PIPE),
                         stderr=subprocess.PIPE, **kw)
    procs.append(p)
    return p


def emit(testgen, n, length=64, first=True):
    """n raw events (id 1, INFO, BASIC) in session SID, created and enabled
    the first time."""
    pre = ["create", 0, SID, "enable", 0, 1] if first else []
    testgen(*pre, "emitraw", 0, 1, 3, 1, n, length)


def decoded(bindir, path):
    """(the run, the records of SID) of `elog -r path` (any compression)."""
    p = run([elog(bindir), "-r", path], check=False)
    return p, sum(1 for line in p.stdout.splitlines() if f"[test][{SID}]" in line)


# ---- item 2: existing outputs are not overwritten without --force ----

@pytest.mark.parametrize("name", ["old.elog", "old.elog.gz", "old.elog.zst"])
def test_existing_output_is_refused_and_kept(bindir, procs, tmp_path, testgen, wait_subscribers, name):
    path = tmp_path / name
    precious = b"69 KB of somebody's capture" * 2600
    path.write_bytes(precious)
    p = run([elog(bindir), "-c", "test", "-o", str(path)], check=False)
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr == f"elog: {path} exists: not overwritten (--force replaces it)\n"
    assert path.read_bytes() == precious
    wait_subscribers(0)

    # A link to a file is refused the same way, and stays a link.
    link = tmp_path / ("link-" + name)
    link.symlink_to(path)
    p = run([elog(bindir), "-c", "test", "-o", str(link)], check=False)
    assert p.returncode == 1 and "exists: not overwritten" in p.stderr
    assert link.is_symlink() and path.read_bytes() == precious

    # --force replaces it with a complete capture.
    cap = start(bindir, procs, ["-c", "test", "TRACE", "-o", str(path), "--force"])
    wait_subscribers(1)
    emit(testgen, 10)
    cap.send_signal(signal.SIGINT)
    _, err = cap.communicate(timeout=30)
    assert cap.returncode == 0, err
    assert decoded(bindir, str(path))[1] == 11  # SESSION_CREATE and 10 events


def test_existing_series_file_is_refused_and_kept(bindir, procs, tmp_path, testgen, wait_subscribers):
    """--rotate-*: any file of the series in the directory is refused at
    the start (not when the capture reaches its number)."""
    old = tmp_path / "cap.000003.elog"
    old.write_bytes(b"earlier capture")
    other = tmp_path / "cap.0003.elog"  # not a name of the series: ignored
    other.write_bytes(b"unrelated")
    out = str(tmp_path / "cap.elog")
    p = run([elog(bindir), "-c", "test", "-o", out, "--rotate-events", "1"], check=False)
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr == (f"elog: {old} exists: not overwritten (--force replaces the series' "
                        "files)\n")
    assert old.read_bytes() == b"earlier capture" and other.read_bytes() == b"unrelated"
    assert sorted(os.listdir(tmp_path)) == ["cap.000003.elog", "cap.0003.elog"]
    wait_subscribers(0)

    cap = start(bindir, procs, ["-c", "test", "TRACE", "-o", out, "--rotate-events", "1", "--force"])
    wait_subscribers(1)
    emit(testgen, 5)
    cap.send_signal(signal.SIGINT)
    _, err = cap.communicate(timeout=30)
    assert cap.returncode == 0, err
    assert decoded(bindir, str(old))[1] == 1, "replaced by the series' fourth file"
    assert other.read_bytes() == b"unrelated"


# ---- item 3: killed after an idle period, every compression keeps all ----

@pytest.mark.parametrize("name", ["k.elog", "k.elog.gz", "k.elog.zst"])
def test_sigkill_after_idle_keeps_every_event(bindir, procs, tmp_path, testgen, wait_subscribers, name):
    """~2,600 events, then nothing for 2.5 s (the once-a-second flush must
    run without new data), then SIGKILL: the file decodes to all of them.
    The burst comes 1.5 s after the start: its first bytes then flush the
    compressor and the rest went in right after, where a flush made only
    when data is written (never when idle) left all but 36 events of a .gz
    in the compressor. -b 4M: the burst must not overflow the rings."""
    path = str(tmp_path / name)
    cap = start(bindir, procs, ["-c", "test", "TRACE", "-b", "4M", "-o", path])
    wait_subscribers(1)
    time.sleep(1.5)
    emit(testgen, 2600, 200)
    time.sleep(2.5)
    cap.send_signal(signal.SIGKILL)
    cap.wait(timeout=10)
    p, n = decoded(bindir, path)
    assert n == 2601, (n, p.stderr)  # SESSION_CREATE and 2,600 events


# ---- item 4: dropped events are always reported ----

MODES = {
    "text": [],
    "text-s": ["-s"],
    "json": ["--json"],
    "file": ["-o", "{tmp}/d.elog"],
    "file-s": ["-o", "{tmp}/d.elog", "-s"],
    "dir": ["-o", "dir={tmp}/d"],
    "stdout": ["-o", "-"],
}


@pytest.mark.parametrize("mode", list(MODES))
def test_drops_are_reported_in_every_mode(bindir, procs, tmp_path, testgen, wait_subscribers, mode):
    """The capture is stopped (SIGSTOP) while 5,000 events of 232 bytes go
    to its 64 KiB rings: most are dropped. At the end one line on stderr
    says how many, the same number -s reports."""
    args = [a.format(tmp=tmp_path) for a in MODES[mode]]
    cap = start(bindir, procs, ["-c", "test", "TRACE", "-b", "64K", *args])
    wait_subscribers(1)
    cap.send_signal(signal.SIGSTOP)
    try:
        emit(testgen, 5000, 200)
    finally:
        cap.send_signal(signal.SIGCONT)
    time.sleep(0.3)
    cap.send_signal(signal.SIGINT)
    _, err = cap.communicate(timeout=60)
    err = err.decode()
    assert cap.returncode == 0, err
    lines = [m for m in map(DROP_LINE.match, err.splitlines()) if m]
    assert len(lines) == 1, err
    m = lines[0]
    assert int(m.group(1)) > 1000, err
    if "-s" in args:
        assert f"Dropped events: {m.group(1)}\n" in err, err
    else:
        assert "[Stats]" not in err


def test_no_drops_no_warning(bindir, procs, tmp_path, testgen, wait_subscribers):
    cap = start(bindir, procs, ["-c", "test", "TRACE", "-o", str(tmp_path / "c.elog")])
    wait_subscribers(1)
    emit(testgen, 10)
    cap.send_signal(signal.SIGINT)
    _, err = cap.communicate(timeout=30)
    assert (cap.returncode, err) == (0, b"")


# ---- item 7: nothing enabled, a hint instead of silence ----

def test_hint_when_no_session_is_enabled(bindir, procs, testgen, wait_subscribers):
    cap = start(bindir, procs, ["-c", "test"], text=True)
    wait_subscribers(1)
    hint = ("elog: no test session is enabled, so nothing is logged yet: "
            "`elogctl kern.eventlog.test.default=1` enables new ones, =2 every one\n")
    time.sleep(4.5)
    cap.send_signal(signal.SIGINT)
    out, err = cap.communicate(timeout=30)
    assert (cap.returncode, out, err) == (0, "", hint)


def test_no_hint_once_events_come(bindir, procs, testgen, wait_subscribers):
    cap = start(bindir, procs, ["-c", "test"], text=True)
    wait_subscribers(1)
    emit(testgen, 3)
    time.sleep(4.5)
    cap.send_signal(signal.SIGINT)
    out, err = cap.communicate(timeout=30)
    assert (cap.returncode, err) == (0, "")
    assert len(out.splitlines()) == 4


# ---- item 8: -o - ----

def test_capture_to_stdout_through_a_pipe(bindir, procs, tmp_path, testgen, wait_subscribers):
    """elog -c test -o - | elog -r -: the binary capture through a pipe
    decodes with the times it happened, and neither side warns."""
    cap = start(bindir, procs, ["-c", "test", "TRACE", "-o", "-"], cwd=tmp_path)
    rd = start(bindir, procs, ["-r", "-", "-e"], stdin=cap.stdout, text=True)
    cap.stdout.close()
    wait_subscribers(1)
    t0 = time.time()
    emit(testgen, 20)
    time.sleep(0.3)
    cap.send_signal(signal.SIGINT)
    _, cap_err = cap.communicate(timeout=30)
    out, rd_err = rd.communicate(timeout=30)
    assert (cap.returncode, cap_err) == (0, b"")
    assert (rd.returncode, rd_err) == (0, "")
    lines = [l for l in out.splitlines() if f"[test][{SID}]" in l]
    assert len(lines) == 21, out
    # The time base of a streamed capture is right: within a minute of now.
    hms = time.strftime("%H:%M", time.gmtime(t0))
    assert all(hms in l or time.strftime("%H:%M", time.gmtime(t0 + 60)) in l for l in lines), lines[:2]
    assert not os.path.exists(tmp_path / "-"), "a file named -"


def test_capture_to_stdout_regular_file(bindir, procs, tmp_path, testgen, wait_subscribers):
    """`-o - >FILE`: a file at its start gets its exact counts at the end."""
    path = tmp_path / "s.elog"
    with open(path, "wb") as f:
        cap = start(bindir, procs, ["-c", "test", "TRACE", "-o", "-"], stdout=f)
    wait_subscribers(1)
    emit(testgen, 7)
    time.sleep(0.3)
    cap.send_signal(signal.SIGINT)
    _, err = cap.communicate(timeout=30)
    assert (cap.returncode, err) == (0, b"")
    hdr, _, recs, tail = read_tolerant(str(path))
    assert tail == 0 and hdr["event_count"] == len(recs) == 8


def test_capture_to_stdout_refuses_a_terminal(bindir, tmp_path):
    """Binary on a terminal helps nobody: refused (script(1) gives a tty)."""
    p = run(["script", "-qec", f"{elog(bindir)} -c test -o - --duration 5", "/dev/null"],
            check=False, cwd=tmp_path)
    assert p.returncode == 1
    assert "standard output is a terminal" in p.stdout
