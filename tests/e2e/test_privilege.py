# SPDX-License-Identifier: BSD-2-Clause
"""Privilege: who may capture and change controls, and who
may read what eventlog leaves on the system.

* A non-root user (uid 65534), and root without one of CAP_BPF, CAP_PERFMON,
  CAP_NET_ADMIN, is refused `elog -c` and every elogctl write (and load /
  unload) with a message naming what is needed, before anything is created,
  loaded or changed.
* From a non-initial user namespace (`unshare -U -r`: root with every
  capability, but only inside the namespace; also reachable by an
  unprivileged user) subscribing is refused with a message.
* Pins under /sys/fs/bpf/eventlog, the lock files under /run/eventlog and
  capture files are the owner's only, even when created under umask 000:
  other users can neither list, open nor bpf(BPF_OBJ_GET) them.
* man/elog.1 says what a capture contains (addresses, ports, kernel socket
  addresses, never payload bytes).
* Root with only the three capabilities (no CAP_SYS_ADMIN, which finding
  another process's BPF links takes) captures the test provider too: its
  per-packet hooks are pinned rather than held (lib/rt/hot.c), a full-root
  capture that joins shares the pinned link, the last subscriber detaches
  it; a three-capability capture is refused with a message when a
  full-root capture holds the hooks unpinned. A tcp capture needs
  CAP_SYS_ADMIN and says so.
"""

import os
import shutil
import signal
import stat
import subprocess
import tempfile

import pytest

from lib.proc import NOBODY, PIN_ROOT, PYTHON, REPO, Capture, need, run
from lib.kernel import hot_links

NEEDS = "eventlog needs root (CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)"
DENIED = "permission denied: " + NEEDS
USERNS = ("eventlog is not available inside a user namespace (container): "
          "run it in the host's initial user namespace")


@pytest.fixture
def shared_dir():
    """A directory uid 65534 can write to (pytest's tmp_path is root-only)."""
    d = tempfile.mkdtemp(prefix="elog-priv-")
    os.chmod(d, 0o777)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def tool(bindir, name):
    return os.path.join(bindir, name)


def test_nonroot_capture_is_refused(exclusive_provider, bindir, shared_dir, elogctl):
    exclusive_provider("test")  # the loaded providers stay as they are meanwhile
    exclusive_provider("tcp")
    out = os.path.join(shared_dir, "cap.elog")
    loaded = elogctl("-l").stdout
    p = run(NOBODY + [tool(bindir, "elog"), "-c", "test", "-o", out], check=False)
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr == f"elog: {DENIED}\n"
    assert not os.path.exists(out), "refused before creating the output"
    assert elogctl("-l").stdout == loaded, "refused before loading anything"
    # Text mode and -D take the same path.
    p = run(NOBODY + [tool(bindir, "elog"), "-c", "tcp", "INFO", "-D"], check=False)
    assert (p.returncode, p.stdout, p.stderr) == (1, "", f"elog: {DENIED}\n")


def assert_refused(bindir, prefix, out, why):
    """elog and elogctl run through prefix both refuse, saying why, and
    elog leaves no output behind."""
    p = run(prefix + [tool(bindir, "elog"), "-c", "test", "-o", out], check=False)
    assert (p.returncode, p.stdout, p.stderr) == (1, "", f"elog: {why}\n")
    assert not os.path.exists(out)
    p = run(prefix + [tool(bindir, "elogctl"), "kern.eventlog.test.default=1"], check=False)
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr == f"elogctl: kern.eventlog.test.default: {why}\n"


@pytest.mark.parametrize("cap", ["bpf", "perfmon", "net_admin"])
def test_root_missing_one_capability_is_refused(bindir, shared_dir, cap):
    """Root is not enough: the three capabilities are what is checked."""
    out = os.path.join(shared_dir, "cap.elog")
    drop = ["setpriv", f"--bounding-set=-{cap}", f"--inh-caps=-{cap}"]
    assert_refused(bindir, drop, out, DENIED)


# Root with CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN only.
THREE_CAPS = ["setpriv", "--inh-caps=-all", "--bounding-set=-all,+bpf,+perfmon,+net_admin"]
HOT_PIN = f"{PIN_ROOT}/test/hot_test_hot"
HELD_ELSEWHERE = ("elog: test: the per-packet hooks are held by another capture, and sharing "
                  "them needs CAP_SYS_ADMIN: run as root\n")


def three_caps_capture(bindir, procs, out):
    p = subprocess.Popen(THREE_CAPS + [tool(bindir, "elog"), "-c", "test", "-o", out],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(p)
    return p


def stop(p):
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    return p.returncode, err


def test_three_capabilities_capture_with_pinned_hooks(bindir, procs, tmp_path, fresh_test_provider,
                                                      testgen, wait_subscribers):
    testgen("status")
    # Alone: attached and pinned; a full-root capture then shares the pinned
    # link (one link, not two: every event once).
    a = three_caps_capture(bindir, procs, str(tmp_path / "a.elog"))
    wait_subscribers(1)
    assert os.path.exists(HOT_PIN)
    assert len(hot_links("test")) == 1
    b = Capture(bindir, ["-c", "test", "TRACE"], output=str(tmp_path / "b.elog"), procs=procs)
    wait_subscribers(2)
    assert len(hot_links("test")) == 1, "the full-root capture uses the pinned link"
    assert stop(a) == (0, "")
    assert os.path.exists(HOT_PIN) and len(hot_links("test")) == 1, "one subscriber left"
    assert b.stop() == 0, b.stderr
    assert not os.path.exists(HOT_PIN) and not hot_links("test"), "the last one detaches them"

    # A full-root capture holds them unpinned: a three-capability one
    # cannot keep them alive should it outlive the holder, so it is refused.
    b = Capture(bindir, ["-c", "test", "TRACE"], output=str(tmp_path / "b2.elog"), procs=procs)
    wait_subscribers(1)
    assert not os.path.exists(HOT_PIN) and len(hot_links("test")) == 1
    a = three_caps_capture(bindir, procs, str(tmp_path / "a2.elog"))
    a.wait(timeout=30)
    assert (a.returncode, a.stderr.read()) == (1, HELD_ELSEWHERE)
    assert len(hot_links("test")) == 1 and b.proc.poll() is None, "the holder is undisturbed"
    assert b.stop() == 0, b.stderr
    assert not hot_links("test")


def test_three_capabilities_tcp_capture_says_it_needs_sys_admin(bindir, exclusive_provider, tmp_path):
    """The tcp provider walks the sockets of every network namespace when its
    first subscriber arrives (setns: CAP_SYS_ADMIN); without it the capture
    fails, saying so, and leaves nothing subscribed."""
    exclusive_provider("tcp")  # nobody else subscribes meanwhile: ours would be the first
    out = str(tmp_path / "tcp.elog")
    p = run(THREE_CAPS + [tool(bindir, "elog"), "-c", "tcp", "-o", out], check=False)
    assert p.returncode == 1, p
    assert p.stderr.startswith("elog: tcp: enter network namespace "), p.stderr
    assert p.stderr.endswith(": Operation not permitted (walking the sockets of every network "
                             "namespace needs CAP_SYS_ADMIN: run as root)\n"), p.stderr
    assert not hot_links("tcp"), "nothing left attached"


def test_nonroot_elogctl_writes_are_refused(exclusive_provider, bindir, elogctl):
    exclusive_provider("test")
    exclusive_provider("tcp")
    ctl = tool(bindir, "elogctl")
    elogctl("-L", "test")
    default = elogctl.get("kern.eventlog.test.default")
    limit = elogctl.get("net.inet.tcp.eventlog.log_id_limit")
    cases = [
        (["kern.eventlog.test.default=1"], f"elogctl: kern.eventlog.test.default: {DENIED}\n"),
        (["kern.eventlog.tcp.default=2"], f"elogctl: kern.eventlog.tcp.default: {DENIED}\n"),
        (["net.inet.tcp.eventlog.log_id_limit=7"],
         f"elogctl: net.inet.tcp.eventlog.log_id_limit: {DENIED}\n"),
        (["-L", "tcp"], f"elogctl: load tcp: {DENIED}\n"),
        (["-U", "test"], f"elogctl: unload test: {DENIED}\n"),
        # Reads need the same privilege (the values live in BPF maps).
        (["kern.eventlog.test.sessions_active"],
         f"elogctl: kern.eventlog.test.sessions_active: {DENIED}\n"),
    ]
    for args, msg in cases:
        p = run(NOBODY + [ctl, *args], check=False)
        assert (p.returncode, p.stdout, p.stderr) == (1, "", msg), args
    # Nothing changed, nothing unloaded.
    assert elogctl.get("kern.eventlog.test.default") == default
    assert elogctl.get("net.inet.tcp.eventlog.log_id_limit") == limit
    assert os.path.isdir(f"{PIN_ROOT}/test/ready")
    # -l without privilege cannot read the pin directory: it says so
    # rather than call a loaded provider "not loaded".
    p = run(NOBODY + [ctl, "-l"], check=False)
    assert (p.returncode, p.stdout) == (1, "tcp id 1 state unknown\n")
    assert p.stderr == ("elogctl: -l: whether a provider is loaded cannot be read without "
                        f"privilege: {DENIED}\n")


@pytest.mark.parametrize("who", ["root", "nobody"])
def test_user_namespace_subscribe_is_refused(exclusive_provider, bindir, shared_dir, elogctl, who):
    exclusive_provider("test")
    exclusive_provider("tcp")
    """`unshare -U -r` gives every capability inside the new namespace, to
    root and (unprivileged user namespaces) to anyone: still refused."""
    prefix = (NOBODY if who == "nobody" else []) + ["unshare", "-U", "-r"]
    probe = run(prefix + ["grep", "CapEff", "/proc/self/status"], check=False)
    need(probe.returncode == 0, f"unshare -U -r as {who}: {probe.stderr.strip()}")
    assert probe.stdout.split()[1] != "0000000000000000", "full capabilities in the namespace"
    out = os.path.join(shared_dir, "ns.elog")
    loaded = elogctl("-l").stdout
    assert_refused(bindir, prefix, out, USERNS)
    assert elogctl("-l").stdout == loaded


def owner_only(path):
    """[(path, problem)] for every entry under path not owned by root or
    with any group/other permission bit."""
    bad = []
    for root, dirs, files in os.walk(path):
        for name in [""] + dirs + files:
            p = os.path.join(root, name) if name else root
            st = os.lstat(p)
            if st.st_uid != 0 or st.st_mode & 0o077:
                bad.append((p, oct(stat.S_IMODE(st.st_mode)), st.st_uid))
    return bad


BPF_OBJ_GET = r'''
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
NR_BPF = {"x86_64": 321, "aarch64": 280}[os.uname().machine]
res = []
for path in sys.argv[1:]:
    name = ctypes.create_string_buffer(path.encode())
    attr = (ctypes.c_uint64 * 3)(ctypes.addressof(name), 0, 0)
    fd = libc.syscall(NR_BPF, 7, ctypes.byref(attr), 24)  # BPF_OBJ_GET
    res.append("ok" if fd >= 0 else os.strerror(ctypes.get_errno()))
    try:
        open(path, "rb").close()
        res.append("open ok")
    except OSError as e:
        res.append(e.strerror)
print(" ".join(r.replace(" ", "_") for r in res))
'''


def test_pins_locks_and_captures_are_owner_only(bindir, procs, shared_dir, fresh_test_provider,
                                                testgen, wait_subscribers):
    need(os.access(PYTHON, os.X_OK), PYTHON + " is needed")
    # Loaded under the most permissive umask: modes must not depend on it.
    run(["sh", "-c", 'umask 000 && exec "$0" -L test', tool(bindir, "elogctl")])
    out = os.path.join(shared_dir, "cap.elog")
    cap = subprocess.Popen(["sh", "-c", 'umask 000 && exec "$0" -c test -o "$1"',
                            tool(bindir, "elog"), out], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    procs.append(cap)
    wait_subscribers(1)  # subscribed: its ring is installed

    assert owner_only(PIN_ROOT) == []
    # The runtime's lock directory and files (other tools may keep theirs there).
    locks = ["/run/eventlog"] + [f"/run/eventlog/{p}.lock" for p in ("test", "tcp")
                                 if os.path.exists(f"/run/eventlog/{p}.lock")]
    for p in locks:
        st = os.stat(p)
        assert st.st_uid == 0 and st.st_mode & 0o077 == 0, (p, oct(st.st_mode))
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600, oct(os.stat(out).st_mode)
    pins = sorted(os.path.join(f"{PIN_ROOT}/test", n) for n in os.listdir(f"{PIN_ROOT}/test")
                  if n != "ready")
    assert {"elog_rings", "elog_conf", "prog_test_hot", "prog_test_cmd"} <= {os.path.basename(p) for p in pins}

    # Another user cannot list the pin tree, get a pinned object, or read
    # the lock files or the capture.
    p = run(NOBODY + ["ls", PIN_ROOT], check=False)
    assert p.returncode != 0 and "Permission denied" in p.stderr
    p = run(NOBODY + [PYTHON, "-c", BPF_OBJ_GET, *pins, "/run/eventlog/test.lock", out])
    assert p.stdout.split() == ["Permission_denied"] * (2 * len(pins) + 4), p.stdout
    cap.send_signal(2)
    assert cap.wait(timeout=30) == 0, cap.stderr.read()


def man_text(path):
    """The words of an mdoc page: macro names dropped, arguments kept."""
    words = []
    with open(path) as f:
        for line in f:
            if line.startswith(".\\\""):
                continue
            toks = line.split()
            if line.startswith(".") and toks:
                toks = toks[1:]
            words += [t for t in toks if t not in ("Ns", "Pq", "Po", "Pc", "Vt", "Dv", "Em", "Ql")]
    return " ".join(words).lower()


def test_man_elog_states_what_a_capture_contains():
    path = os.path.join(REPO, "man", "elog.1")
    assert os.path.exists(path), "man/elog.1 is missing: it must say what a capture contains"
    text = man_text(path)
    sentences = text.split(". ")
    for what in ("address", "port"):
        assert what in text, f"elog(1) does not say captures hold {what}es"
    assert any("kernel address" in s and "socket" in s for s in sentences) or \
        "kernel socket address" in text, "elog(1) does not say captures hold kernel socket addresses"
    assert any("payload" in s and "never" in s for s in sentences), \
        "elog(1) does not say that payload bytes are never captured"
