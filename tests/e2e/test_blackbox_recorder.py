# SPDX-License-Identifier: BSD-2-Clause
"""The black box recorder (elog -c tcp --record DIR) and elog --dump on real
connections in a namespace, every session in TAIL. A plain capture
subscribed beside the recorder gets the same dumps and is the reference:
each dump the recorder saw is one file holding exactly that dump's records
(byte for byte) and one index line that says truly what is in it; a dump
it did not see is in no file. The recorder is SIGKILLed between dumps and
started again: every file and line it had written stays as it was, the
numbering goes on, nothing is written twice. Also --dump's scopes and its
errors."""
import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import time

import pytest

from lib.proc import PYTHON, wait_for
from lib.elogfile import read_capture
from lib.tcp import CONN_SET_IP_V4, SESSION_END, ports_v4
from lib.blackbox import BLACKBOX_DUMP_ID, MODE, dump_info

P = "net.inet.tcp.eventlog."
DEFAULT = "kern.eventlog.tcp.default"
DEMAND = 5

# n connection pairs on loopback, the first two clients named by the log id
# argv[2] (rec-grp by default); each stdin line "more" exchanges data on every
# pair once more.
WORK = r'''
import json, socket, struct, sys
SO_COOKIE = 57
def cookie(s):
    return struct.unpack("<Q", s.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]
n = int(sys.argv[1])
name = (sys.argv[2] if len(sys.argv) > 2 else "rec-grp").encode()
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(64)
pairs = []
for i in range(n):
    c = socket.create_connection(l.getsockname()); a, _ = l.accept()
    if i < 2:
        c.setsockopt(socket.IPPROTO_TCP, 82, name)
    pairs.append((c, a))
def exchange(k):
    for c, a in pairs:
        c.sendall(b"x" * k)
        got = 0
        while got < k:
            got += len(a.recv(65536))
exchange(3000)
print(json.dumps({"lport": l.getsockname()[1], "clients": [cookie(c) for c, _ in pairs],
                  "cports": [c.getsockname()[1] for c, _ in pairs],
                  "servers": [cookie(a) for _, a in pairs]}), flush=True)
for line in sys.stdin:
    if line.strip() != "more":
        break
    exchange(2000)
    print("ok", flush=True)
for c, a in pairs:
    c.close(); a.close()
l.close()
'''


class Recorder:
    def __init__(self, env, d):
        self.env, self.dir = env, d
        self.proc = None

    def start(self):
        index = os.path.join(self.dir, "index.jsonl")
        before = os.stat(index).st_mtime_ns if os.path.exists(index) else None
        self.proc = subprocess.Popen([os.path.join(self.env.bindir, "elog"), "-c", "tcp", "--record",
                                     self.dir, "-s"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
        self.env.procs.append(self.proc)
        # The recorder subscribes, then opens its index (created or read).
        lock = os.path.join(self.dir, ".elog-recorder.lock")
        deadline = time.time() + 10
        while not (os.path.exists(index) and os.path.exists(lock) and self._locked(lock)):
            assert self.proc.poll() is None, self.proc.communicate()
            assert time.time() < deadline, "the recorder did not start"
            time.sleep(0.02)
        del before

    @staticmethod
    def _locked(lock):
        import fcntl
        with open(lock) as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(f, fcntl.LOCK_UN)
            return False

    def lines(self):
        path = os.path.join(self.dir, "index.jsonl")
        with open(path) as f:
            return [json.loads(l) for l in f if l.endswith("}\n")]

    def wait_lines(self, n):
        assert wait_for(lambda: len(self.lines()) >= n, 10), (len(self.lines()), n)
        time.sleep(0.1)
        assert len(self.lines()) == n

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        assert self.proc.returncode == 0, err
        return err


def dump_cmd(env, *args, ok=True):
    p = subprocess.run([os.path.join(env.bindir, "elog"), "--dump", "tcp", *args],
                       capture_output=True, text=True, timeout=60)
    if ok:
        assert p.returncode == 0 and p.stderr == "", (p.returncode, p.stderr)
    return p


def blocks(recs):
    """{(session, dump time): [records]} of every dump in a capture: the
    BLACKBOX_DUMP record, then its announced records of the session."""
    out, cur = {}, {}
    for r in recs:
        if r.id == BLACKBOX_DUMP_ID:
            cur[r.session] = [r]
            out[(r.session, r.ts)] = cur[r.session]
            continue
        b = cur.get(r.session)
        if b is not None and len(b) - 1 < dump_info({"payload": b[0].payload})["events"]:
            b.append(r)
    return out


def raw(r):
    return struct.pack("<HHHHQQIi", r.length, r.cpu, r.provider, 0, r.ts, r.session, r.id,
                       r.tid) + r.payload


def check_files(rec, ref_blocks, lines):
    """Each line's file holds its dump exactly, and says so."""
    seen = set()
    for ln in lines:
        path = os.path.join(rec.dir, ln["file"])
        assert os.path.getsize(path) == ln["bytes"], ln
        hdr, provs, recs = read_capture(path)
        assert provs == {recs[0].provider: "tcp"}
        assert hdr["event_count"] == len(recs) and hdr["dropped"] == 0
        key = (recs[0].session, recs[0].ts)
        assert recs[0].id == BLACKBOX_DUMP_ID and key in ref_blocks, ln
        assert key not in seen, "one dump, two files: %s" % ln
        seen.add(key)
        assert [raw(r) for r in recs] == [raw(r) for r in ref_blocks[key]], ln
        d = dump_info({"payload": recs[0].payload})
        assert (ln["session"], ln["provider"], ln["reason"], ln["mode"]) == \
            (recs[0].session, "tcp", "DEMAND", "TAIL")
        assert ln["records"] == len(recs) - 1 == ln["announced"] == d["events"]
        assert ln["overwritten"] == d["overwritten"]
        assert ln["ended"] == any(r.id == SESSION_END for r in recs[1:])
        ips = [ports_v4(r.payload) for r in recs if r.id == CONN_SET_IP_V4]
        assert ips, "a dump names its connection (the black box keeps CONN_SET_IP)"
        src, sport, dst, dport = ips[0]
        assert ln["local"] == "%s:%d" % (socket.inet_ntoa(src), sport), ln
        assert ln["remote"] == "%s:%d" % (socket.inet_ntoa(dst), dport), ln
        assert ln["file"].endswith(".%06d.elog" % ln["seq"])
    return seen


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest(), os.stat(path).st_ino


def test_recorder_files_match_dumps_and_survive_sigkill(tcp_env, netns, tmp_path):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    env.ctl.set(P + "mode", MODE["TAIL"])
    env.ctl.set(P + "session_limit", 64)
    d = str(tmp_path / "dumps")
    # Nobody subscribes yet: refused, and the buffers are kept.
    p = dump_cmd(env, ok=False)
    assert p.returncode == 1 and p.stderr.startswith("elog: nobody subscribes to tcp"), p.stderr

    ref = env.capture("ref.elog", "TRACE")
    rec = Recorder(env, d)
    rec.start()
    work = subprocess.Popen(["ip", "netns", "exec", netns, PYTHON, "-c", WORK, "3"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    env.procs.append(work)
    info = json.loads(work.stdout.readline())

    # Every buffered session: the 3 pairs and the listener at least.
    out = dump_cmd(env).stdout
    n1 = int(out.split()[1])
    assert out == "tcp: %d session%s dumped\n" % (n1, "" if n1 == 1 else "s") and n1 >= 7, out
    rec.wait_lines(n1)
    # One session, after more traffic; then the two named rec-grp.
    work.stdin.write("more\n"); work.stdin.flush(); assert work.stdout.readline() == "ok\n"
    assert dump_cmd(env, "--session", str(info["clients"][2])).stdout == "tcp: 1 session dumped\n"
    rec.wait_lines(n1 + 1)
    lines1 = rec.lines()
    assert lines1[n1]["session"] == info["clients"][2]
    assert {l["session"] for l in lines1[:n1]} >= set(info["clients"] + info["servers"])
    with open(os.path.join(d, "index.jsonl"), "rb") as f:
        index1 = f.read()
    files1 = {l["file"]: digest(os.path.join(d, l["file"])) for l in lines1}

    # SIGKILL between dumps, and a start again.
    rec.kill()
    rec.start()
    work.stdin.write("more\n"); work.stdin.flush(); assert work.stdout.readline() == "ok\n"
    n2 = int(dump_cmd(env).stdout.split()[1])
    rec.wait_lines(n1 + 1 + n2)
    err = rec.stop()
    assert "warning" not in err, err
    work.stdin.write("close\n"); work.stdin.flush()
    work.wait(timeout=10)
    time.sleep(0.1)
    ref.stop()

    lines = rec.lines()
    with open(os.path.join(d, "index.jsonl"), "rb") as f:
        assert f.read().startswith(index1), "the index was rewritten"
    for name, dg in files1.items():
        assert digest(os.path.join(d, name)) == dg, name + " was rewritten"
    assert [l["seq"] for l in lines] == list(range(len(lines)))
    _, _, recs = read_capture(ref.path)
    ref_blocks = blocks(recs)
    seen = check_files(rec, ref_blocks, lines)
    # Every dump made while the recorder ran is in a file (all of them here).
    assert seen == set(ref_blocks), set(ref_blocks) - seen
    assert sorted(os.listdir(d)) == sorted([".elog-recorder.lock", "index.jsonl"] +
                                           [l["file"] for l in lines])


def fnv1a(name):
    h = 0xCBF29CE484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001B3) & ((1 << 64) - 1)
    return h


def test_dump_by_log_id(tcp_env, netns, tmp_path):
    """Sessions named with TCP_EVENTLOG_LOG_ID carry its hash (the kernel's
    and elog's are one function), and --log-id dumps them, only them. The
    name is this run's own: an earlier test's closed sessions keep their
    buffers for the linger time, and a shared name would dump them too."""
    env = tcp_env
    grp = "rec-grp-%d" % os.getpid()
    env.ctl.set(DEFAULT, 1)
    env.ctl.set(P + "mode", MODE["TAIL"])
    d = str(tmp_path / "dumps")
    rec = Recorder(env, d)
    rec.start()
    work = subprocess.Popen(["ip", "netns", "exec", netns, PYTHON, "-c", WORK, "3", grp],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    env.procs.append(work)
    info = json.loads(work.stdout.readline())
    n = int(dump_cmd(env).stdout.split()[1])
    rec.wait_lines(n)
    named = {}
    for ln in rec.lines():
        _, _, recs = read_capture(os.path.join(d, ln["file"]))
        named[ln["session"]] = (ln["log_id"], dump_info({"payload": recs[0].payload})["group"])
    for c in info["clients"][:2]:
        assert named[c] == (grp, fnv1a(grp)), named[c]
    for c in info["clients"][2:] + info["servers"]:
        assert named[c] == (None, 0), named[c]
    work.stdin.write("more\n"); work.stdin.flush(); assert work.stdout.readline() == "ok\n"
    assert dump_cmd(env, "--log-id", grp).stdout == "tcp: 2 sessions dumped\n"
    rec.wait_lines(n + 2)
    assert sorted((l["session"], l["log_id"]) for l in rec.lines()[n:]) == \
        sorted((c, grp) for c in info["clients"][:2])
    assert all(l["file"].startswith(grp + "_") for l in rec.lines()[n:])
    rec.stop()
    work.stdin.write("close\n"); work.stdin.flush()
    work.wait(timeout=10)


def test_dump_errors(tcp_env, netns, tmp_path):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    env.ctl.set(P + "mode", MODE["TAIL"])
    ref = env.capture("ref.elog", "TRACE")
    p = dump_cmd(env, "--session", "1", ok=False)
    assert (p.returncode, p.stdout, p.stderr) == \
        (1, "", "elog: tcp: session 1 has no black box buffer\n")
    p = dump_cmd(env, "--log-id", "nobody-has-this", ok=False)
    assert (p.returncode, p.stdout, p.stderr) == \
        (1, "", "elog: tcp: no session with log id 'nobody-has-this' has a black box buffer\n")
    ref.stop()
    # A second recorder on one directory is refused.
    d = str(tmp_path / "d")
    rec = Recorder(env, d)
    rec.start()
    p = subprocess.run([os.path.join(env.bindir, "elog"), "-c", "tcp", "--record", d],
                       capture_output=True, text=True, timeout=30)
    assert (p.returncode, p.stderr) == (1, "elog: %s: another recorder is writing there\n" % d)
    rec.stop()


@pytest.mark.usefixtures("fresh_test_provider")
def test_dump_without_a_dump_program_says_so(bindir, elogctl):
    """A provider loaded without the program (here: its pin removed) is
    named, not reported as some file that is missing."""
    elogctl("-L", "test")
    pin = "/sys/fs/bpf/eventlog/test/elog_bb_dumpreq"
    os.unlink(pin)
    p = subprocess.run([os.path.join(bindir, "elog"), "--dump", "test"], capture_output=True,
                       text=True, timeout=30)
    assert (p.returncode, p.stdout, p.stderr) == \
        (1, "", "elog: provider test has no black box dump program (%s)\n" % pin)
