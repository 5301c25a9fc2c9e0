# SPDX-License-Identifier: BSD-2-Clause
"""Running the tools: one run(), the CI rule for missing prerequisites,
waiting, and one `elog -c` process wrapper that always stops or is killed."""

import os
import signal
import subprocess
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
# The build's bin dir: $ELOG_BIN (make test-e2e passes it, also for SAN=1).
BIN = os.environ.get("ELOG_BIN", os.path.join(REPO, "build", "bin"))
ELOG = os.path.join(BIN, "elog")
EXPORT_GEN = os.path.join(os.path.dirname(BIN), "tests", "export", "test_export_gen")
GOLDEN = os.path.join(REPO, "tests", "golden")
PIN_ROOT = "/sys/fs/bpf/eventlog"
PYTHON = "/usr/bin/python3"  # root's pyenv shim is not executable by uid 65534
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def run(args, check=True, timeout=120, **kw):
    """Runs a command, returns CompletedProcess with text output."""
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def need(cond, why):
    """A missing prerequisite fails in CI (env CI set) and skips only on a
    developer machine: end-to-end tests never skip in CI."""
    if cond:
        return
    if os.environ.get("CI"):
        pytest.fail("CI: " + why, pytrace=False)
    pytest.skip(why)  # not reached in CI: failed above


def wait_until(pred, timeout=10.0, what="condition"):
    """Polls pred until it holds; fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def wait_for(cond, timeout=3.0, step=0.05):
    """Polls cond; returns its first true value, or its last one at timeout."""
    deadline = time.time() + timeout
    while True:
        v = cond()
        if v or time.time() > deadline:
            return v
        time.sleep(step)


class Capture:
    """One `elog ARGS [-o output]` process. Use as a context manager or
    stop() it; the procs fixture kills whatever is left. wait_file: return
    only once elog created its output (it subscribes first, so from then on
    the kernel delivers to it). text=False keeps stdout as bytes."""

    def __init__(self, bindir, args, output=None, procs=None, text=True, wait_file=False):
        self.output = self.path = output
        self.elog = os.path.join(bindir, "elog")
        argv = [self.elog] + list(args)
        if output:
            argv += ["-o", output]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=text)
        if procs is not None:
            procs.append(self.proc)
        self.stdout = self.stderr = None
        if wait_file:
            self._wait_file()

    def _wait_file(self):
        deadline = time.time() + 10
        while not os.path.exists(self.output):
            if self.proc.poll() is not None:
                raise AssertionError("elog exited %d: %s" % (self.proc.returncode, self.proc.stderr.read()))
            if time.time() > deadline:
                raise AssertionError("elog did not start within 10 s")
            time.sleep(0.02)

    def stop(self, sig=signal.SIGINT, timeout=30):
        """Sends sig (SIGINT, as a user would); returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.stdout, self.stderr = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"elog did not stop on signal {sig} within {timeout} s") from None
        return self.proc.returncode

    def kill(self):
        self.proc.kill()
        self.stdout, self.stderr = self.proc.communicate(timeout=30)

    def decode(self):
        """`elog -e -r`: the text of the capture; decoding twice must agree."""
        first = run([self.elog, "-e", "-r", self.output]).stdout
        second = run([self.elog, "-e", "-r", self.output]).stdout
        assert first == second, "decoding the same capture twice differs"
        return first

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.kill()


class CleanCapture(Capture):
    """A Capture whose stop() insists on a clean exit (0 within 15 s of
    SIGINT) and returns elog's standard output."""

    def stop(self):
        rc = super().stop(timeout=15)
        assert rc == 0, "elog exited %d: %s" % (rc, self.stderr)
        return self.stdout
