# SPDX-License-Identifier: BSD-2-Clause
"""Captures as files: series and compressed input for -r, and live output
rotated into a numbered series, compressed by name, or one file per
session (-o dir=PATH, -f tcp)."""
import glob
import json
import os
import shutil
import struct
import subprocess
import time

import pytest

from lib.proc import ELOG, EXPORT_GEN, REPO, need, run, wait_for
from lib.elogfile import read
from lib.kernel import active_slots

SAMPLE = os.path.join(REPO, "tests", "golden", "sample.elog")
UINT64_MAX = 2**64 - 1


@pytest.fixture
def tools():
    need(os.access(ELOG, os.X_OK), ELOG + " is not built (run make)")
    need(shutil.which("gzip") and shutil.which("zstd"), "gzip and zstd are needed")


def header(path):
    """(event_count, dropped) of a plain capture file."""
    h = read(path)[0]
    return h["event_count"], h["dropped"]


def records(path):
    return [json.loads(l) for l in run([ELOG, "-r", path, "--json"]).stdout.splitlines()]


# ---- -r with several files and compressed files ----

def test_series_of_plain_gz_zst(tools, tmp_path):
    a, b, c = (str(tmp_path / n) for n in ("a.elog", "b.elog", "c.elog"))
    for p in (a, b, c):
        shutil.copy(SAMPLE, p)
    run(["gzip", b])
    run(["zstd", "-q", "--rm", c])
    one = run([ELOG, "-r", SAMPLE, "-e"]).stdout.splitlines()
    # Options may follow the files; -n keeps counting across files.
    p = run([ELOG, "-r", a, b + ".gz", c + ".zst", "-n", "-e", "-s"])
    lines = p.stdout.splitlines()
    assert len(lines) == 3 * len(one)
    assert lines[len(one)].startswith("%-8d " % (len(one) + 1))
    assert [l[9:] for l in lines] == [l for l in one] * 3
    assert "Events received: %d" % (3 * len(one)) in p.stderr


def test_series_errors_name_the_file(tools, tmp_path):
    a = str(tmp_path / "a.elog")
    shutil.copy(SAMPLE, a)
    missing = str(tmp_path / "nope.elog.zst")
    p = subprocess.run([ELOG, "-r", a, missing], capture_output=True, text=True)
    assert p.returncode == 1
    assert "nope.elog.zst" in p.stderr
    # What came before the bad file was decoded.
    assert "[tcp][77]" in p.stdout


def test_cut_zst_is_a_warning(tools, tmp_path):
    need(os.access(EXPORT_GEN, os.X_OK), EXPORT_GEN + " is not built (run make test-export)")
    big = str(tmp_path / "big.elog")
    run([EXPORT_GEN, big])
    with open(big, "rb") as f:
        data = f.read()
    # 3000 copies of the records with distinct times and thread ids, so the
    # compressed stream has many blocks and a cut one keeps most of them.
    pre, recs, at = data[:78], [], 78
    while at < len(data):
        n = struct.unpack_from("<H", data, at)[0]
        recs.append(bytearray(data[at:at + n]))
        at += n
    with open(big, "wb") as f:
        f.write(pre)
        for i in range(3000):
            for r in recs:
                struct.pack_into("<Qq", r, 8, 7000000 + i * 10000, 0)
                struct.pack_into("<i", r, 28, int.from_bytes(os.urandom(4), "little") >> 1)
                f.write(r)
    run(["zstd", "-q", "--rm", big])
    z = big + ".zst"
    os.truncate(z, os.path.getsize(z) // 2)
    p = subprocess.run([ELOG, "-r", z], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "truncated" in p.stderr
    assert p.stdout.count("\n") > 0


# ---- live output ----

class Live:
    """`elog -c tcp TRACE ARGS...`, ready once `ready` exists (the output is
    created after subscribing) and one more slot is in use than before it
    started (a directory that an earlier capture made exists before this
    one subscribes); stop() is SIGINT and a clean exit. The tcp_env fixture
    holds the provider exclusively: nobody else subscribes meanwhile."""

    def __init__(self, env, args, ready):
        before = active_slots("tcp")
        self.proc = subprocess.Popen([ELOG, "-c", "tcp", "TRACE"] + args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        env.procs.append(self.proc)
        deadline = time.time() + 10
        while not os.path.exists(ready) or active_slots("tcp") <= before:
            if self.proc.poll() is not None:
                raise AssertionError("elog exited %d: %s" % (self.proc.returncode, self.proc.stderr.read()))
            assert time.time() < deadline, "elog did not start within 10 s"
            time.sleep(0.02)

    def stop(self):
        self.proc.send_signal(2)
        out, err = self.proc.communicate(timeout=15)
        assert self.proc.returncode == 0, err
        return out


def exchange_sessions(evs, lport):
    return {e["session"] for e in evs if e["event"] in ("CONN_SET_IP_V4", "CONN_SET_IP_V6")
            and lport in (e["fields"]["src_port"], e["fields"]["dst_port"])}


@pytest.mark.parametrize("name", ["cap.elog", "cap.elog.gz", "cap.elog.zst"])
def test_live_rotation_and_compression(tools, tcp_env, name):  # noqa: F811
    """--rotate-events 7: a numbered series, each file a complete capture
    of at most 7 events, together the same events as one plain capture."""
    tcp_env.ctl.set("kern.eventlog.tcp.default", 1)
    ref = tcp_env.capture("ref.elog")
    out = os.path.join(tcp_env.tmp, "rot")
    os.mkdir(out)
    rot = Live(tcp_env, ["-o", os.path.join(out, name), "--rotate-events", "7"],
               os.path.join(out, name.replace("cap.elog", "cap.000000.elog")))
    w = tcp_env.traffic.workload("exchange", 4)
    time.sleep(0.3)
    rot.stop()
    ref.stop()
    files = sorted(glob.glob(os.path.join(out, "cap.*")))
    assert len(files) >= 3, files
    assert files == [os.path.join(out, name.replace("cap.elog", "cap.%06d.elog" % i))
                     for i in range(len(files))]
    for f in files:
        n = len(records(f))
        assert 1 <= n <= 7
        if name == "cap.elog":
            assert header(f)[0] == n, "exact event count in every file"
    series = [e for f in files for e in records(f)]
    glob_read = [json.loads(l) for l in run(
        [ELOG, "-r"] + files + ["--json"]).stdout.splitlines()]
    assert glob_read == series
    mine = exchange_sessions(series, w["lport"])
    want = [e for e in records(ref.path) if e["session"] in mine]
    got = [e for e in series if e["session"] in mine]
    strip = lambda l: [{k: v for k, v in e.items() if k != "time"} for e in l]  # noqa: E731
    assert mine and strip(got) == strip(want)


def test_live_plain_file_written_direct(tools, tcp_env):  # noqa: F811
    """-o FILE (uncompressed, a regular file): written with O_DIRECT by a
    writer thread that leaves every signal to the main one (SIGINT stops
    the capture at once); the file is complete, with its exact count."""
    tcp_env.ctl.set("kern.eventlog.tcp.default", 1)
    out = os.path.join(tcp_env.tmp, "direct.elog")
    cap = Live(tcp_env, ["-o", out], out)
    pid = cap.proc.pid
    fds = [fd for fd in os.listdir("/proc/%d/fd" % pid)
           if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == out]
    assert len(fds) == 1, fds
    with open("/proc/%d/fdinfo/%s" % (pid, fds[0])) as f:
        flags = int(next(l for l in f if l.startswith("flags:")).split()[1], 8)
    assert flags & os.O_DIRECT, "O_DIRECT not set: flags %o" % flags
    # The writer thread starts once the file is open (what Live waited
    # for): a slow start (the sanitizer build) can still be on its way.
    def writers():
        return [t for t in os.listdir("/proc/%d/task" % pid) if t != str(pid)]
    assert wait_for(lambda: len(writers()) == 1, timeout=5), writers()
    writers = writers()
    with open("/proc/%d/task/%s/status" % (pid, writers[0])) as f:
        blocked = int(next(l for l in f if l.startswith("SigBlk:")).split()[1], 16)
    for sig in (2, 14, 15):  # SIGINT, SIGALRM, SIGTERM
        assert blocked & (1 << (sig - 1)), "the writer thread takes signal %d" % sig
    for _ in range(3):
        tcp_env.traffic.workload("exchange", 4)
    t0 = time.time()
    cap.stop()
    assert time.time() - t0 < 2
    n = len(records(out))
    assert n > 20 and header(out)[0] == n


def test_live_rotation_by_size(tools, tcp_env):  # noqa: F811
    tcp_env.ctl.set("kern.eventlog.tcp.default", 1)
    out = os.path.join(tcp_env.tmp, "cap.elog")
    cap = Live(tcp_env, ["-o", out, "--rotate-size", "4K"],
               os.path.join(tcp_env.tmp, "cap.000000.elog"))
    for _ in range(4):
        tcp_env.traffic.workload("exchange", 4)
    cap.stop()
    files = sorted(glob.glob(os.path.join(tcp_env.tmp, "cap.0*.elog")))
    assert len(files) >= 2, files
    assert not os.path.exists(out)
    for f in files:
        assert os.path.getsize(f) <= 4096
        assert header(f)[0] == len(records(f))


def test_live_per_session_files(tools, tcp_env):  # noqa: F811
    """-o dir=PATH (parents created): one file per session with its own
    header and exact count, no file for DUMP_COMPLETE, names never reused."""
    tcp_env.ctl.set("kern.eventlog.tcp.default", 1)
    d = os.path.join(tcp_env.tmp, "a", "b")
    ref = tcp_env.capture("ref.elog")
    cap = Live(tcp_env, ["-o", "dir=" + d], d)
    w = tcp_env.traffic.workload("exchange", 4)
    time.sleep(0.3)
    cap.stop()
    ref.stop()
    assert os.path.isdir(d)
    files = sorted(os.listdir(d))
    assert files and all(f.startswith("tcp_") and f.endswith(".elog") for f in files), files
    assert not any(str(UINT64_MAX) in f for f in files), "DUMP_COMPLETE made a file"
    ref_evs = records(ref.path)
    mine = exchange_sessions(ref_evs, w["lport"])
    assert len(mine) >= 2  # client, accepted (and the listener)
    for s in mine:
        f = os.path.join(d, "tcp_%d.elog" % s)
        assert os.path.exists(f), (s, files)
        evs = records(f)
        assert {e["session"] for e in evs} == {s}
        assert header(f)[0] == len(evs)
        # Each capture samples its own boot-to-UTC offset: compare without it.
        strip = lambda l: [{k: v for k, v in e.items() if k != "time"} for e in l]  # noqa: E731
        assert strip(evs) == strip([e for e in ref_evs if e["session"] == s])


def test_live_per_session_tcp_names(tools, tcp_env):  # noqa: F811
    """-f tcp: renamed at session end to <log_id>_<lport>_<rip>_<rport>.elog;
    a second capture into the same directory never replaces a file."""
    tcp_env.ctl.set("kern.eventlog.tcp.default", 1)
    d = os.path.join(tcp_env.tmp, "t")
    names = []
    for _ in range(2):
        cap = Live(tcp_env, ["-o", "dir=" + d, "-f", "tcp"], d)
        w = tcp_env.traffic.workload("exchange", 4)
        time.sleep(0.3)
        cap.stop()
        names.append(w)
    files = set(os.listdir(d))
    for w in names:
        client = "unknown_%d_127.0.0.1_%d.elog" % (w["cports"][0], w["lport"])
        server = "unknown_%d_127.0.0.1_%d.elog" % (w["lport"], w["cports"][0])
        assert client in files and server in files, sorted(files)
    for f in files:
        evs = records(os.path.join(d, f))
        assert len({e["session"] for e in evs}) == 1
        assert header(os.path.join(d, f))[0] == len(evs)
