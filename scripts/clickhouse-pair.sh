#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Two local clickhouse-server processes forming cluster "fleet" (two
# shards), for trying docs/FLEET.md: the tables of every schema in
# database eventlog on both, event tables as <table>_local behind
# Distributed tables sharded by host.
#
#   scripts/clickhouse-pair.sh start DIR [SCHEMAC]   (as root; DIR must not exist)
#   scripts/clickhouse-pair.sh stop DIR
#
# Ports: HTTP 18123 and 18124, native 19001 and 19002 (loopback only).
# The servers run as the clickhouse user (else nobody), data under DIR.
set -eu
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [SCHEMAC]" >&2; exit 1; }
here=$(cd "$(dirname "$0")/.." && pwd)
schemac=${3:-$here/build/bin/elog-schemac}

if [ "$cmd" = stop ]; then
	for n in 1 2; do
		[ -f "$dir/s$n/pid" ] && kill "$(cat "$dir/s$n/pid")" 2>/dev/null || true
	done
	exit 0
fi
[ "$cmd" = start ] || { echo "$0: start or stop" >&2; exit 1; }
[ -e "$dir" ] && { echo "$0: $dir exists: not touching it" >&2; exit 1; }
user=clickhouse
id "$user" >/dev/null 2>&1 || user=nobody
mkdir -p "$dir"
for n in 1 2; do
	d=$dir/s$n
	mkdir -p "$d/data" "$d/tmp" "$d/log" "$d/user_files"
	cat >"$d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/log/server.log</log><errorlog>$d/log/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>1812$((n + 2))</http_port>
  <tcp_port>1900$n</tcp_port>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <remote_servers>
    <fleet>
      <shard><replica><host>127.0.0.1</host><port>19001</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>19002</port></replica></shard>
    </fleet>
  </remote_servers>
</yandex>
XML
	cat >"$d/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
	chown -R "$user" "$d"
	setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
		clickhouse-server --config-file="$d/config.xml" >/dev/null 2>&1 &
	echo $! >"$d/pid"
done
# HTTP ports 18123 (shard 1) and 18124 (shard 2).
for port in 18123 18124; do
	i=0
	until curl -sf "http://127.0.0.1:$port/" --data-binary 'SELECT 1' >/dev/null; do
		i=$((i + 1)); [ $i -lt 300 ] || { echo "$0: server on $port did not start" >&2; exit 1; }
		sleep 0.1
	done
	for src in "$here"/schemas/*.src; do
		"$schemac" --clickhouse - --clickhouse-database eventlog --clickhouse-cluster fleet "$src" |
			clickhouse-client --port $((port - 18123 + 19001)) --multiquery
	done
done
echo "cluster fleet: http://127.0.0.1:18123/?database=eventlog (shard 1), :18124 (shard 2)"
