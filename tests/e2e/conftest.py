# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures for the end-to-end tests (framework, elogctl, providers).

They run as root on the real kernel. Without root or BPF they skip on a
developer machine, but FAIL under CI (env CI set): CI must never pass by
skipping. Every fixture cleans up (processes, namespaces, controls, pins)
even when the test fails.
"""

import contextlib
import fcntl
import os
import subprocess
import time

import pytest

from lib.blackbox import Box
from lib.proc import BIN, PIN_ROOT, PYTHON, need, run, wait_until
from lib.tcp import TcpEnv


def _missing_requirement():
    if os.geteuid() != 0:
        return "end-to-end tests need root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)"
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        return "the kernel has no BTF (/sys/kernel/btf/vmlinux)"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (env CI set) a skipped test is a failed one, whatever skipped
    it: end-to-end tests must run there, never skip."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"CI: skipped tests count as failures: {report.longrepr}"


def _need(reason):
    need(False, reason)


@pytest.fixture(scope="session")
def bindir():
    """The build's bin dir (lib.proc.BIN), all its tools built."""
    d = BIN
    for tool in ("elog", "elogctl", "elog-testgen"):
        if not os.access(os.path.join(d, tool), os.X_OK):
            _need(f"{d}/{tool} is not built (run make)")
    reason = _missing_requirement()
    if reason:
        _need(reason)
    return d


def _loaded(bindir):
    out = run([os.path.join(bindir, "elogctl"), "-l"]).stdout
    return {line.split()[0] for line in out.splitlines() if line.endswith(" loaded")
            and not line.endswith("not loaded")}


@pytest.fixture(scope="session", autouse=True)
def unload_at_end(request):
    """Providers this test session loaded are unloaded at its end, so nothing
    stays attached or pinned. Providers loaded before the session stay."""
    if _missing_requirement():
        yield
        return
    d = BIN
    ctl = os.path.join(d, "elogctl")
    if not os.access(ctl, os.X_OK):
        yield
        return
    before = _loaded(d)
    yield
    for p in sorted(_loaded(d) - before):
        # Captures killed by tests may still hold slots for a moment.
        for _ in range(50):
            if subprocess.run([ctl, "-U", p], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)


@pytest.fixture
def procs():
    """A list to append subprocess.Popen objects to; all are killed at the end."""
    started = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
        try:
            p.communicate(timeout=10)
        except Exception:
            pass


@pytest.fixture
def elogctl(bindir):
    """Call elogctl; ctl.set(name, value) saves the control's value before
    the first change and restores it at teardown (as text: text controls,
    such as the tcp filters, are restored as they were, "" included)."""

    class Ctl:
        def __init__(self):
            self.path = os.path.join(bindir, "elogctl")
            self.saved = {}

        def __call__(self, *args, check=True):
            return run([self.path, *args], check=check)

        def get(self, name):
            return int(self("-n", name).stdout.strip())

        def text(self, name):
            out = self("-n", name).stdout
            assert out.endswith("\n") and out.count("\n") == 1, out
            return out[:-1]

        def set(self, name, value):
            if name not in self.saved:
                self.saved[name] = self.text(name)
            return self(f"{name}={value}")

    ctl = Ctl()
    yield ctl
    for name, value in ctl.saved.items():
        subprocess.run([ctl.path, f"{name}={value}"], capture_output=True)


@pytest.fixture
def testgen(bindir):
    """Run elog-testgen commands: testgen("create", "0", "emit", ...)."""
    path = os.path.join(bindir, "elog-testgen")

    def call(*args, check=True):
        return run([path, *map(str, args)], check=check)

    return call


_held_locks = {}  # name -> [file, depth]: the locks this process holds


@contextlib.contextmanager
def provider_lock(name):
    """Serialises test runs that use provider `name` across processes: on a
    shared machine two pytest runs (e.g. make test and make SAN=1 test)
    would otherwise unload or flood each other's provider. A flock: released
    if the run dies. Re-entrant within this process (a test and a fixture it
    uses may both ask for it): a second flock on a new file description
    would wait for the first forever."""
    held = _held_locks.get(name)
    if held:
        held[1] += 1
        try:
            yield
        finally:
            held[1] -= 1
        return
    # Owner-only, as the runtime makes it (lib/rt/lock.c; test_privilege.py).
    os.makedirs("/run/eventlog", mode=0o700, exist_ok=True)
    with open(f"/run/eventlog/e2e-{name}.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        _held_locks[name] = [f, 1]
        try:
            yield
        finally:
            del _held_locks[name]
            fcntl.flock(f, fcntl.LOCK_UN)


@pytest.fixture
def exclusive_provider():
    """exclusive_provider("tcp") holds that provider's test lock until the
    test ends (see provider_lock)."""
    with contextlib.ExitStack() as stack:
        yield lambda name: stack.enter_context(provider_lock(name))


@pytest.fixture
def fresh_test_provider(bindir, procs, exclusive_provider):
    """The test provider unloaded before the test (fresh counters, no
    sessions, default 0) and after it; no other test run uses it meanwhile."""
    ctl = os.path.join(bindir, "elogctl")
    exclusive_provider("test")

    def unload():
        for _ in range(100):
            if subprocess.run([ctl, "-U", "test"], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise AssertionError("test provider stays busy")

    unload()
    yield
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    unload()
    assert not os.path.exists(f"{PIN_ROOT}/test"), "unload left pins behind"


@pytest.fixture
def netns():
    """A fresh network namespace with lo up; always deleted."""
    name = f"elogtest{os.getpid()}_{time.monotonic_ns() % 1000000}"
    run(["ip", "netns", "add", name])
    try:
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


@pytest.fixture
def tmp_capture(tmp_path):
    """A path for a capture file (removed with tmp_path)."""
    return str(tmp_path / "capture.elog")


def subscribers(testgen):
    """Live subscriber count of the test provider (from elog-testgen status)."""
    words = testgen("status").stdout.split()
    return int(words[words.index("subscribers") + 1])


@pytest.fixture
def wait_subscribers(testgen):
    def wait(n, timeout=10.0):
        wait_until(lambda: subscribers(testgen) == n, timeout, f"{n} test subscribers")
    return wait


@pytest.fixture
def box(bindir, procs, tmp_path, elogctl, testgen, wait_subscribers):
    """The test provider loaded, its black box driven through a Box."""
    elogctl("-L", "test")
    return Box(bindir, procs, tmp_path, elogctl, testgen, wait_subscribers)


@pytest.fixture
def tcp_env(exclusive_provider, bindir, elogctl, netns, procs, tmp_path):
    """The TCP provider loaded, default 0 unless a test sets it (elogctl
    restores every control the test changes), a namespace for traffic. Holds
    the provider's test lock, so a concurrent test run on the same machine
    cannot change the default or unload the provider under this test (the
    lock is set up first so that it is released last, after elogctl has
    restored the controls)."""
    need(os.access(PYTHON, os.X_OK), PYTHON + " is needed for the workloads")
    exclusive_provider("tcp")
    elogctl("-L", "tcp")
    yield TcpEnv(bindir, elogctl, netns, procs, str(tmp_path))
