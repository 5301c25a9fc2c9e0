# SPDX-License-Identifier: BSD-2-Clause
"""elogctl(8): sysctl(8) conventions, errors, load/unload. Every control a
test changes is restored by the elogctl fixture."""

import os
import shutil
import signal
import subprocess

import pytest

from lib.proc import PIN_ROOT, need, run, wait_until
from lib.kernel import (active_slots, cmdline, conf_default, hot_links, pretend_other_build, reapers,
                        session_counts, strace_env, strace_kill)

NAMES = ["default", "sessions_created", "sessions_active", "sessions_enabled", "skipped_runs"]
# The black box's controls at their load-time values, then its counters
# (elogctl.8), every provider's under its prefix.
BLACKBOX = [("mode", 4), ("session_limit", 5000), ("global_limit", 262144), ("auto_ratio", 0),
            ("auto_mode", -1), ("trigger.end", 1), ("trigger.full", 1), ("trigger.request", 1),
            ("linger", 60)] + [("blackbox." + n, 0) for n in (
                "sessions", "refused", "trimmed", "records", "dumps", "dumped", "overwritten",
                "undelivered", "too_big", "merged")]
UNLOADED = "".join(f"kern.eventlog.test.{n}: 0\n" for n in NAMES) + \
    "".join(f"kern.eventlog.test.{n}: {v}\n" for n, v in BLACKBOX)


def test_all_lists_every_name(elogctl, fresh_test_provider, testgen):
    testgen("status")  # loaded: the test provider is listed too
    out = elogctl("-a").stdout.splitlines()
    names = [line.split(": ")[0] for line in out]
    for p in ("test", "tcp"):
        for n in NAMES:
            assert f"kern.eventlog.{p}.{n}" in names
    assert "net.inet.tcp.eventlog.log_id_limit" in names
    assert "net.inet.tcp.eventlog.timer_restart_us" in names
    for f in ("lport", "rport", "local_prefix", "remote_prefix", "cgroup", "netns"):
        assert "net.inet.tcp.eventlog.filter." + f in names
    for line in out:
        name, value = line.split(": ", 1)
        if not name.startswith("net.inet.tcp.eventlog.filter."):  # text controls
            int(value)


def test_value_only_and_node_query(elogctl, fresh_test_provider):
    assert elogctl("-n", "kern.eventlog.test.sessions_active").stdout == "0\n"
    out = elogctl("kern.eventlog.test").stdout
    assert out == UNLOADED
    assert elogctl("-n", "kern.eventlog.test").stdout == "".join(l.split(": ")[1] + "\n" for l in out.splitlines())


def test_unloaded_provider_reads_zero_without_loading(elogctl, fresh_test_provider):
    assert elogctl("kern.eventlog.test.sessions_created").stdout == \
        "kern.eventlog.test.sessions_created: 0\n"
    assert not os.path.exists(f"{PIN_ROOT}/test")
    assert "tcp id 1 " in elogctl("-l").stdout


def test_internal_test_provider_hidden_unless_loaded_or_named(elogctl, fresh_test_provider, testgen):
    """The test provider (for the test suite and the
    benchmarks) is not shown to users by -a, -l or a node query above it
    while it is not loaded; named, or loaded, it is there as always."""
    assert "test" not in elogctl("-l").stdout
    assert "kern.eventlog.test." not in elogctl("-a").stdout
    assert "kern.eventlog.test." not in elogctl("kern.eventlog").stdout
    assert "kern.eventlog.tcp.default: " in elogctl("kern.eventlog").stdout
    assert elogctl("kern.eventlog.test").stdout == UNLOADED
    assert elogctl("-n", "kern.eventlog.test.default").stdout == "0\n"
    assert not os.path.exists(f"{PIN_ROOT}/test"), "naming it loads nothing"
    elogctl("-L", "test")
    assert "test id 2 loaded" in elogctl("-l").stdout
    assert "kern.eventlog.test.default: 0" in elogctl("-a").stdout
    assert "kern.eventlog.test.default: 0" in elogctl("kern.eventlog").stdout


@pytest.mark.parametrize("args", [["-h"], ["--help"], ["--version"]])
def test_help_and_version_on_stdout(bindir, args):
    """Asked for, the usage (or version) goes to stdout
    and the exit status is 0 (a usage error still gets stderr and 1)."""
    p = subprocess.run([os.path.join(bindir, "elogctl"), *args], capture_output=True, text=True)
    assert (p.returncode, p.stderr) == (0, "")
    if args == ["--version"]:
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "Makefile")) as f:
            version = next(l.split(":=")[1].strip() for l in f if l.startswith("VERSION :="))
        assert p.stdout == f"elogctl {version}\n"
    else:
        assert p.stdout.startswith("usage: elogctl ") and "--version" in p.stdout


def test_writing_default_loads_and_prints_old_new(elogctl, fresh_test_provider, testgen):
    out = elogctl.set("kern.eventlog.test.default", 1).stdout
    assert out == "kern.eventlog.test.default: 0 -> 1\n"
    assert os.path.isdir(f"{PIN_ROOT}/test/ready")
    assert elogctl("-n", "kern.eventlog.test.default=0").stdout == "1 -> 0\n"
    testgen("create", 0)
    assert elogctl.get("kern.eventlog.test.sessions_enabled") == 0


@pytest.mark.parametrize("value", ["3", "-2", "100"])
def test_invalid_default_is_einval_and_changes_nothing(elogctl, fresh_test_provider, value):
    p = elogctl(f"kern.eventlog.test.default={value}", check=False)
    assert p.returncode == 1
    assert p.stderr == f"elogctl: kern.eventlog.test.default: invalid default {value} " \
                       "(use -1, 0, 1 or 2)\n"
    assert not os.path.exists(f"{PIN_ROOT}/test"), "a rejected write loads nothing"


def test_not_an_integer(elogctl):
    p = elogctl("kern.eventlog.test.default=yes", check=False)
    assert p.returncode == 1
    assert p.stderr == "elogctl: kern.eventlog.test.default: invalid integer 'yes'\n"


def test_unknown_oid(elogctl):
    for arg in ("kern.eventlog.nope.default", "kern.eventlog.test.defaul", "kern.eventlog.test.default.x"):
        p = elogctl(arg, check=False)
        assert p.returncode == 1
        assert p.stderr == f"elogctl: unknown oid '{arg}'\n"
    p = elogctl("foo=1", check=False)
    assert p.returncode == 1 and p.stderr == "elogctl: unknown oid 'foo'\n"


def test_unknown_oid_does_not_stop_the_others(elogctl, fresh_test_provider):
    p = elogctl("bogus", "kern.eventlog.test.sessions_active", check=False)
    assert p.returncode == 1
    assert p.stdout == "kern.eventlog.test.sessions_active: 0\n"


@pytest.mark.parametrize("name", NAMES[1:])
def test_read_only(elogctl, name):
    p = elogctl(f"kern.eventlog.test.{name}=5", check=False)
    assert p.returncode == 1
    assert p.stderr == f"elogctl: oid 'kern.eventlog.test.{name}' is read only\n"


def test_log_id_limit_round_trip(elogctl):
    old = elogctl.get("net.inet.tcp.eventlog.log_id_limit")
    out = elogctl.set("net.inet.tcp.eventlog.log_id_limit", -1).stdout
    assert out == f"net.inet.tcp.eventlog.log_id_limit: {old} -> -1\n"
    assert elogctl.get("net.inet.tcp.eventlog.log_id_limit") == -1
    elogctl("net.inet.tcp.eventlog.log_id_limit=25")
    assert elogctl.get("net.inet.tcp.eventlog.log_id_limit") == 25


def test_timer_restart_us_round_trip(elogctl):
    name = "net.inet.tcp.eventlog.timer_restart_us"
    old = elogctl.get(name)
    assert elogctl.set(name, 50000).stdout == f"{name}: {old} -> 50000\n"
    assert elogctl.get(name) == 50000
    elogctl(f"{name}=0")
    assert elogctl.get(name) == 0


def test_tcp_knobs_kept_when_reloaded_from_another_build(elogctl, exclusive_provider):
    """The tcp provider's own knobs survive the reload from this build that a
    provider pinned by another build gets on first use."""
    exclusive_provider("tcp")
    elogctl.set("net.inet.tcp.eventlog.log_id_limit", 7)
    elogctl.set("net.inet.tcp.eventlog.timer_restart_us", 1234)
    ours = pretend_other_build("tcp")
    assert elogctl.get("net.inet.tcp.eventlog.timer_restart_us") == 1234
    assert os.listdir(f"{PIN_ROOT}/tcp/ready") == [ours], "reloaded from this build"
    assert elogctl.get("net.inet.tcp.eventlog.log_id_limit") == 7


def test_load_unload_list(elogctl, fresh_test_provider):
    elogctl("-L", "test")
    assert "test id 2 loaded" in elogctl("-l").stdout
    assert os.path.isdir(f"{PIN_ROOT}/test/ready")
    elogctl("-U", "test")
    assert not os.path.exists(f"{PIN_ROOT}/test")
    elogctl("-U", "test")  # unloading an unloaded provider is fine
    p = elogctl("-L", "nosuch", check=False)
    assert p.returncode == 1 and p.stderr == "elogctl: load nosuch: unknown provider 'nosuch'\n"


def test_usage(elogctl):
    p = elogctl(check=False)
    assert p.returncode == 1 and p.stderr.startswith("usage: elogctl")
    p = elogctl("-x", check=False)
    assert p.returncode == 1 and "usage: elogctl" in p.stderr


def test_refused_in_user_namespace(bindir):
    p = subprocess.run(["unshare", "-Ur", os.path.join(bindir, "elogctl"), "-a"],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert "user namespace" in p.stderr


def test_provider_of_another_build_is_reloaded_keeping_its_default(bindir, elogctl,
                                                                   fresh_test_provider, procs):
    """A provider pinned by another build is reloaded from this one on first
    use (its default kept); with a live capture it is left alone and the
    caller is told what to do."""
    elogctl.set("kern.eventlog.test.default", 1)
    ours = pretend_other_build("test")
    assert elogctl.get("kern.eventlog.test.default") == 1
    assert os.listdir(f"{PIN_ROOT}/test/ready") == [ours], "reloaded from this build"

    cap = subprocess.Popen([os.path.join(bindir, "elog"), "-c", "test", "-o", os.devnull],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(cap)
    deadline = 50
    while not hot_links("test") and deadline:
        subprocess.run(["sleep", "0.1"])
        deadline -= 1
    pretend_other_build("test")
    out = elogctl("kern.eventlog.test.default", check=False)
    assert out.returncode == 1
    assert "loaded by another build of eventlog and has 1 live capture" in out.stderr, out.stderr
    assert "elogctl -U test" in out.stderr
    cap.terminate()
    cap.communicate(timeout=30)
    assert elogctl.get("kern.eventlog.test.default") == 1, "reloaded once the capture ended"
    assert os.listdir(f"{PIN_ROOT}/test/ready") == [ours]


def test_list_reclaims_dead_captures(bindir, elogctl, fresh_test_provider, procs, tmp_path):
    """A capture SIGKILLed together with its reaper (as a kill of its whole
    cgroup would): its per-packet hooks go with it (the kernel drops its
    link fds); its slot stays until an entry point reclaims it, and
    elogctl -l is one like the others."""
    cap = subprocess.Popen([os.path.join(bindir, "elog"), "-c", "test", "-o", str(tmp_path / "dead.elog")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    procs.append(cap)
    wait_until(lambda: hot_links("test"), 5, "the capture to attach the per-packet hooks")
    assert active_slots("test") == 1
    (reaper,) = reapers(cmdline(cap.pid))
    os.kill(reaper, signal.SIGKILL)
    cap.kill()
    cap.wait()
    wait_until(lambda: not hot_links("test"), 5, "the hooks to go with the killed capture")
    assert active_slots("test") == 1, "nothing has reclaimed the dead capture's slot yet"
    out = elogctl("-l")
    assert "test id 2 loaded" in out.stdout
    assert active_slots("test") == 0, "elogctl -l reclaimed the slot"


def test_killed_load_and_unload_leave_old_or_new(bindir, elogctl, fresh_test_provider):
    """elogctl -L killed just before its last step (creating ready/) and
    elogctl -U killed half way through removing the pins: within a second,
    with no other command run, the dead command's reaper has removed what
    it left, so the provider is simply not loaded (the state before the
    load, after the unload), and the next load is whole."""
    d = f"{PIN_ROOT}/test"
    strace_kill([elogctl.path, "-L", "test"],
                "-P", f"{d}/ready", "-e", "trace=mkdir", "-e", "inject=mkdir:signal=SIGKILL")
    wait_until(lambda: not os.path.exists(d), 1, "the killed load's pins to be removed")
    # Not loaded: -l lists the internal test provider only while it is.
    assert not [l for l in elogctl("-l").stdout.splitlines() if l.startswith("test ")]
    elogctl("-L", "test")
    assert os.path.isdir(f"{d}/ready")
    wait_until(lambda: not reapers(f"{elogctl.path}\0-L\0test\0".encode()), 1,
               "a finished command's reaper to exit")

    strace_kill([elogctl.path, "-U", "test"],
                "-P", f"{d}/elog_conf", "-e", "trace=unlink", "-e", "inject=unlink:signal=SIGKILL")
    wait_until(lambda: not os.path.exists(d), 1, "the killed unload's remaining pins to be removed")
    # Not loaded: -l lists the internal test provider only while it is.
    assert not [l for l in elogctl("-l").stdout.splitlines() if l.startswith("test ")]
    elogctl("-L", "test")
    assert elogctl.get("kern.eventlog.test.sessions_active") == 0


def test_killed_default_walk_is_finished(bindir, elogctl, fresh_test_provider, testgen, tmp_path):
    """kern.eventlog.test.default=2 stores 1, then enables every live
    session: killed between the two (at the system call that runs the
    walk), it is finished by its reaper within a second: default 1 and
    every session enabled, never the default alone."""
    testgen("create", 0, 1001, "create", 1, 1002)  # two live sessions, off (default 0)
    argv = [elogctl.path, "kern.eventlog.test.default=2"]
    # Which bpf(2) call of the change runs the walk: a traced run, undone.
    trace = str(tmp_path / "trace")
    need(shutil.which("strace"), "strace is needed to kill a command at a chosen system call")
    run(["strace", "-o", trace, "-e", "trace=bpf", *argv], env=strace_env())
    with open(trace) as f:
        calls = [line for line in f if line.startswith("bpf(")]
    walk = 1 + next(i for i, c in enumerate(calls) if c.startswith("bpf(BPF_PROG_TEST_RUN"))
    assert session_counts("test")[1:] == (2, 2)
    elogctl("kern.eventlog.test.default=-1")
    assert conf_default("test") == 0 and session_counts("test")[1:] == (2, 0)

    strace_kill(argv, "-e", "trace=bpf", "-e", f"inject=bpf:signal=SIGKILL:when={walk}")
    wait_until(lambda: session_counts("test")[2] == 2, 1, "the killed walk to be finished")
    assert conf_default("test") == 1
    assert elogctl.get("kern.eventlog.test.default") == 1
    assert elogctl.get("kern.eventlog.test.sessions_enabled") == 2
    assert not [n for n in os.listdir(f"{PIN_ROOT}/test") if n.startswith("walk_")]
