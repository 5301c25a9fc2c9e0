# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures of the ClickHouse tests: the binaries under test and one
clickhouse-server per test module (the start-up is what costs). A missing
server skips on a developer machine and FAILS under CI (env CI set)."""

import os
import shutil
import subprocess
import tempfile

import pytest

import chserver

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"CI: skipped tests count as failures: {report.longrepr}"


def need(ok, why):
    """Fails under CI (env CI set), where these tests must run; skips on a
    developer machine without the server or without root and BTF."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def need_server():
    why = chserver.missing()
    need(not why, why)


@pytest.fixture(scope="session")
def tools():
    build = os.environ.get("ELOG_BUILD", os.path.join(REPO, "build"))
    t = {
        "elog": os.path.join(build, "bin", "elog"),
        "schemac": os.path.join(build, "bin", "elog-schemac"),
        "gen_all": os.path.join(build, "tests", "clickhouse", "gen_all"),
        "gen": os.path.join(build, "gen"),
    }
    for k in ("elog", "schemac", "gen_all"):
        assert os.access(t[k], os.X_OK), f"{t[k]} is not built (make test-clickhouse)"
    return t


@pytest.fixture(scope="module")
def workdir():
    # In memory where there is a tmpfs: the tests stop merges, and
    # thousands of parts on a disk take seconds to create and to delete.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK | os.X_OK) else None
    d = tempfile.mkdtemp(prefix="elog-ch-", dir=shm)
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def ddl(tools, provider, db, cluster=None):
    cmd = [tools["schemac"], "--clickhouse", "-", "--clickhouse-database", db]
    if cluster:
        cmd += ["--clickhouse-cluster", cluster]
    cmd.append(os.path.join(REPO, "schemas", f"{provider}.src"))
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def providers():
    return sorted(f[:-4] for f in os.listdir(os.path.join(REPO, "schemas")) if f.endswith(".src"))


@pytest.fixture(scope="module")
def server(workdir, tools):
    """One server, with every provider's tables in database `elog`."""
    need_server()
    s = chserver.Server(workdir, "ch")
    s.write_config()
    try:
        s.start()
        for p in providers():
            s.run_script(ddl(tools, p, "elog"))
        yield s
    finally:
        s.kill()
