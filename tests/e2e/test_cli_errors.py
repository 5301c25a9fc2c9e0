# SPDX-License-Identifier: BSD-2-Clause
"""Every CLI error path of elog(1) and elogctl(8) not already covered
elsewhere (tests/unit/cli_errors.sh: elog's option and file errors;
test_elogctl.py, test_framework.py, test_output_*.py, test_privilege.py):
exact message, exit status 1, nothing on stdout, and nothing changed.

Paths no command line can reach, and why:
* elog "too many subscriptions (max 32)": two providers are built in and a
  provider cannot be subscribed twice, so the 33rd -c is always refused as
  a duplicate or an unknown provider first.
* elog "buffer of N bytes is too large for a ring": -b is a power of two of
  at most 512M per CPU; on this machine's CPU count the ring stays within
  2 GiB.
"""

import os
import subprocess

import pytest

from lib.proc import PIN_ROOT, REPO, run

SAMPLE = os.path.join(REPO, "tests", "golden", "sample.elog")


def check(argv, message, **kw):
    """argv fails with exit 1, empty stdout, stderr exactly `message`."""
    p = run(argv, check=False, **kw)
    assert (p.returncode, p.stdout, p.stderr) == (1, "", message), argv
    return p


# ---- elog: option combinations (not in tests/unit/cli_errors.sh) ----

ELOG_OPTION_ERRORS = [
    (["-c", ""], "empty provider name"),
    (["-c", "tcp", "-o", ""], "--output requires a file name or dir=PATH"),
    (["-c", "tcp", "-o", "x", "--rotate-size", "x"], "--rotate-size: not a size: x"),
    (["-c", "tcp", "-o", "x", "--rotate-size", "64X"], "--rotate-size: not a size: 64X (use K, M or G)"),
    (["-c", "tcp", "-o", "x", "--rotate-size", "1K"], "--rotate-size: minimum is 4K"),
    (["-c", "tcp", "-o", "x", "--rotate-size", "17179869184G"], "--rotate-size: value too large"),
    (["-c", "tcp", "-o", "x", "--rotate-events", "0"], "--rotate-events: not a positive number: 0"),
    (["-c", "tcp", "-o", "x", "--rotate-events", "-5"], "--rotate-events: not a positive number: -5"),
    (["-c", "tcp", "--rotate-events", "5"], "--rotate-size/--rotate-events require --output"),
    (["-r", "f", "--rotate-size", "8K"], "--rotate-size/--rotate-events apply to --output"),
    (["-r", "f", "--pcapng", "a", "--pcapng", "b"], "--pcapng given more than once"),
    (["-r", "f", "--pcapng", ""], "--pcapng requires a file name"),
    (["-c", "tcp", "--pcapng", "x"], "--pcapng requires --read-binary"),
    (["-c", "tcp", "--json", "-o", "x"], "--json cannot be used with --output (binary)"),
    (["-r", "-", "--pcapng", "x"], "--pcapng cannot read stdin"),
]


@pytest.mark.parametrize("args,message", ELOG_OPTION_ERRORS, ids=[" ".join(a) for a, _ in ELOG_OPTION_ERRORS])
def test_elog_option_errors(bindir, tmp_path, args, message):
    check([os.path.join(bindir, "elog"), *args], f"elog: {message}\n", cwd=tmp_path)
    assert os.listdir(tmp_path) == [], "a refused command line creates nothing"


@pytest.mark.parametrize("args,diag", [(["-c"], "option requires an argument -- 'c'"),
                                       (["--duration"], "option '--duration' requires an argument"),
                                       (["-b"], "option requires an argument -- 'b'")])
def test_elog_missing_argument_prints_usage(bindir, args, diag):
    elog = os.path.join(bindir, "elog")
    p = run([elog, *args], check=False)
    assert p.returncode == 1 and p.stdout == ""
    first, rest = p.stderr.split("\n", 1)
    assert first == f"{elog}: {diag}"
    assert rest.startswith("usage: elog ")


# ---- elog: errors met while running ----

@pytest.mark.parametrize("target", ["missing/x.elog", "missing/x.elog.gz", "."])
def test_elog_capture_output_cannot_be_created(bindir, tmp_path, fresh_test_provider, testgen, target):
    testgen("status")  # the provider is loaded: the failure is the output's
    path = str(tmp_path / target) if target != "." else str(tmp_path)
    err = "Is a directory" if target == "." else "No such file or directory"
    check([os.path.join(bindir, "elog"), "-c", "test", "-o", path], f"elog: fopen({path}): {err}\n")
    # It subscribed before opening the output: the slot was given back.
    words = testgen("status").stdout.split()
    assert words[words.index("subscribers") + 1] == "0", words


def test_elog_pcapng_output_cannot_be_created(bindir, tmp_path):
    out = str(tmp_path / "missing" / "x.pcapng")
    check([os.path.join(bindir, "elog"), "-r", SAMPLE, "--pcapng", out],
          f"elog: {out}: No such file or directory\n")


# ---- elogctl ----

@pytest.mark.parametrize("arg,message", [
    ("kern.eventlog.test.default=4294967296",
     "elogctl: kern.eventlog.test.default: value 4294967296 out of range\n"),
    ("net.inet.tcp.eventlog.log_id_limit=-2147483649",
     "elogctl: net.inet.tcp.eventlog.log_id_limit: value -2147483649 out of range\n"),
    ("net.inet.tcp.eventlog.log_id_limit=-2",
     "elogctl: net.inet.tcp.eventlog.log_id_limit: invalid log_id_limit -2 "
     "(use -1 for unlimited, 0 for none, or a count)\n"),
    ("net.inet.tcp.eventlog.timer_restart_us=-1",
     "elogctl: net.inet.tcp.eventlog.timer_restart_us: invalid timer_restart_us -1 "
     "(use 0 to log every timer start, or microseconds)\n"),
    ("kern.eventlog.test.default=", "elogctl: kern.eventlog.test.default: invalid integer ''\n"),
    ("kern.eventlog.test.default=99999999999999999999",
     "elogctl: kern.eventlog.test.default: invalid integer '99999999999999999999'\n"),
    ("kern.eventlog.test.default=1x", "elogctl: kern.eventlog.test.default: invalid integer '1x'\n"),
    ("a" * 130 + "=1", "elogctl: unknown oid '" + "a" * 130 + "'\n"),
    ("", "elogctl: unknown oid ''\n"),
])
def test_elogctl_bad_values_change_nothing(exclusive_provider, bindir, elogctl, arg, message):
    exclusive_provider("test")
    exclusive_provider("tcp")
    names = ["kern.eventlog.test.default", "net.inet.tcp.eventlog.log_id_limit"]
    before = {n: elogctl.get(n) for n in names}
    loaded = elogctl("-l").stdout
    try:
        check([os.path.join(bindir, "elogctl"), arg], message)
        assert {n: elogctl.get(n) for n in names} == before
        assert elogctl("-l").stdout == loaded, "a refused write loads nothing"
    finally:  # had it been accepted, put the value back
        for n, v in before.items():
            if elogctl.get(n) != v:
                elogctl(f"{n}={v}")


def test_elogctl_unload_unknown_provider(bindir):
    check([os.path.join(bindir, "elogctl"), "-U", "nosuch"],
          "elogctl: unload nosuch: unknown provider 'nosuch'\n")


def test_elogctl_too_many_loads(bindir):
    ctl = os.path.join(bindir, "elogctl")
    check([ctl] + ["-L", "nosuch"] * 17, "elogctl: too many -L\n")
    check([ctl] + ["-U", "nosuch"] * 17, "elogctl: too many -U\n")


@pytest.mark.parametrize("args,diag", [(["-L"], "option requires an argument -- 'L'"),
                                       (["-U"], "option requires an argument -- 'U'"),
                                       (["-n"], None), (["-z"], "invalid option -- 'z'")])
def test_elogctl_usage_errors(bindir, args, diag):
    ctl = os.path.join(bindir, "elogctl")
    p = run([ctl, *args], check=False)
    assert p.returncode == 1 and p.stdout == ""
    if diag:
        first, rest = p.stderr.split("\n", 1)
        assert first == f"{ctl}: {diag}"
    else:
        rest = p.stderr
    assert rest.startswith("usage: elogctl ")


def test_elogctl_failed_name_does_not_stop_the_others(exclusive_provider, bindir, elogctl):
    exclusive_provider("tcp")
    """sysctl(8): each bad name gets its message, the good ones still run."""
    limit = elogctl.get("net.inet.tcp.eventlog.log_id_limit")
    p = run([os.path.join(bindir, "elogctl"), "net.inet.tcp.eventlog.log_id_limit=-3",
             "kern.eventlog.test.default=x", f"net.inet.tcp.eventlog.log_id_limit={limit}"], check=False)
    assert p.returncode == 1
    assert p.stderr == ("elogctl: net.inet.tcp.eventlog.log_id_limit: invalid log_id_limit -3 "
                        "(use -1 for unlimited, 0 for none, or a count)\n"
                        "elogctl: kern.eventlog.test.default: invalid integer 'x'\n")
    assert p.stdout == f"net.inet.tcp.eventlog.log_id_limit: {limit} -> {limit}\n"
    assert os.path.isdir(PIN_ROOT)


# ---- elog: stdout that cannot be written ----

FULL = "elog: %s: No space left on device\n"


@pytest.mark.parametrize("fmt", [[], ["--json"]], ids=["text", "json"])
def test_elog_read_to_full_stdout(bindir, fmt):
    """elog -r with stdout on /dev/full: one message naming stdout, exit 1."""
    with open("/dev/full", "w") as full:
        p = subprocess.run([os.path.join(bindir, "elog"), "-r", SAMPLE, *fmt], stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=60)
    assert (p.returncode, p.stderr) == (1, FULL % "write to stdout")


def test_elog_capture_text_to_full_stdout(bindir, procs, fresh_test_provider, testgen, wait_subscribers):
    """elog -c in text mode with stdout on /dev/full: the first events it
    prints fail; one message naming stdout, exit 1, its slot given back."""
    with open("/dev/full", "w") as full:
        p = subprocess.Popen([os.path.join(bindir, "elog"), "-c", "test", "TRACE"], stdout=full,
                             stderr=subprocess.PIPE, text=True)
    procs.append(p)
    wait_subscribers(1)
    testgen("create", 0, "enable", 0, 1, "emit", 0, "SCALARS", 5)
    _, err = p.communicate(timeout=30)
    assert (p.returncode, err) == (1, FULL % "write to stdout")
    wait_subscribers(0)


def test_elog_capture_series_name_too_long(bindir, tmp_path, fresh_test_provider, testgen):
    """A rotated series' first name (PATH.000000) does not fit in PATH_MAX."""
    testgen("status")  # the provider is loaded: the failure is the output's
    name = "a" * 4090
    # The message is cut to elog_error's 255 characters (lib/elog_error.h).
    msg = f"output name too long: {name}"[:255]
    check([os.path.join(bindir, "elog"), "-c", "test", "-o", name, "--rotate-events", "1"],
          f"elog: {msg}\n", cwd=tmp_path)
    assert os.listdir(tmp_path) == []
    words = testgen("status").stdout.split()
    assert words[words.index("subscribers") + 1] == "0", words
