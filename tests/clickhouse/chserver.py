# SPDX-License-Identifier: BSD-2-Clause
"""Real ClickHouse servers for the tests: clickhouse-server (Debian's 18.16)
started as an unprivileged user with a generated config and data directory
under a temporary directory, on free loopback ports; stopped and removed
by the fixtures even when a test fails. Nothing is mocked."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

SERVER = shutil.which("clickhouse-server") or "/usr/sbin/clickhouse-server"


def missing():
    """Why no server can be started here, or None."""
    if not os.access(SERVER, os.X_OK):
        return "clickhouse-server is not installed (scripts/install-deps.sh installs it)"
    if os.geteuid() != 0:
        return "starting clickhouse-server as another user needs root"
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as():
    """The package's own system user, else nobody."""
    for name in ("clickhouse", "nobody"):
        try:
            pw = pwd.getpwnam(name)
            return pw.pw_uid, pw.pw_gid
        except KeyError:
            pass
    raise RuntimeError("no unprivileged user to run clickhouse-server as")


USERS = """<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile><quota>default</quota></default>
    <writer><password>{password}</password><networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile><quota>default</quota></writer>
  </users>
  <quotas><default></default></quotas>
</yandex>
"""

CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{d}/log/server.log</log>
    <errorlog>{d}/log/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <path>{d}/data/</path>
  <tmp_path>{d}/tmp/</tmp_path>
  <user_files_path>{d}/user_files/</user_files_path>
  <format_schema_path>{d}/format_schemas/</format_schema_path>
  <users_config>{d}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
  <remote_servers>{clusters}</remote_servers>
  <!-- Tests stop merges to see every insert as it was stored; the parts
       that pile up must not make the server delay inserts (a second each
       past 150 parts) or refuse them. -->
  <merge_tree><parts_to_delay_insert>100000</parts_to_delay_insert>
    <parts_to_throw_insert>100000</parts_to_throw_insert></merge_tree>
</yandex>
"""

PASSWORD = "s3cret-for-tests"


class Server:
    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        self.http = _free_port()
        self.tcp = _free_port()
        self.proc = None
        self.clusters = ""

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http}/"

    def write_config(self):
        for sub in ("log", "data", "tmp", "user_files", "format_schemas"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        with open(os.path.join(self.dir, "config.xml"), "w") as f:
            f.write(CONFIG.format(d=self.dir, http=self.http, tcp=self.tcp,
                                  clusters=self.clusters))
        with open(os.path.join(self.dir, "users.xml"), "w") as f:
            f.write(USERS.format(password=PASSWORD))
        uid, gid = _run_as()
        for top, dirs, files in os.walk(self.dir):
            for n in dirs + files:
                os.chown(os.path.join(top, n), uid, gid)
        os.chown(self.dir, uid, gid)

    def start(self, timeout=60):
        uid, gid = _run_as()
        self.proc = subprocess.Popen(
            ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
             SERVER, f"--config-file={self.dir}/config.xml"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"clickhouse-server exited with {self.proc.returncode}: "
                                   + self.log_tail())
            try:
                if self.query("SELECT 1").strip() == "1":
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        raise RuntimeError("clickhouse-server did not answer: " + self.log_tail())

    def kill(self):
        """SIGKILL: no clean shutdown, as a crash or power loss."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def log_tail(self):
        try:
            with open(os.path.join(self.dir, "log", "error.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return "(no log)"

    def query(self, sql, database=None, timeout=60):
        url = self.url + (f"?database={database}" if database else "")
        req = urllib.request.Request(url, data=sql.encode())
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.read().decode("latin-1")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{sql[:200]}: {e.read().decode(errors='replace')}") from None

    def run_script(self, text, database=None):
        """Statements separated by ';' at line ends (the DDL files)."""
        for stmt in text.split(";\n"):
            body = "\n".join(l for l in stmt.splitlines() if not l.startswith("--")).strip()
            if body:
                self.query(body.rstrip(";"), database)


def stop(servers):
    for s in servers:
        s.kill()
