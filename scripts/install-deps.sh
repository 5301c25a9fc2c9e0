#!/usr/bin/env bash
# Installs the Debian packages eventlog needs to build, test and benchmark.
# Idempotent: it asks apt only for what is missing, so a second run is a no-op.
set -euo pipefail

pkgs=(
  make gcc clang llvm pkg-config          # build; clang builds BPF and the fuzzers
  libbpf-dev bpftool libelf-dev           # BPF loader, skeletons, vmlinux.h
  zlib1g-dev libzstd-dev                  # compressed captures
  libcurl4-openssl-dev                    # the ClickHouse sink (HTTP interface)
  clickhouse-server clickhouse-client     # tests/clickhouse: real servers, started by the tests
  libclang-rt-14-dev                      # ASan/UBSan/libFuzzer runtimes for clang
  python3 python3-pytest                  # end-to-end test runner
  iproute2 nftables tcpdump tshark        # namespaces, loss injection, ground truth, pcapng check
  iperf3 bpftrace linux-perf patch        # benchmarks (bpftrace: the tcp_probe printer compared in bench/;
                                          # perf: sampled attribution, bench/bulk.sh -P)
  mandoc                                  # man page lint
  systemd                                 # systemd-analyze verify of the recorder's unit
  strace                                  # tests/e2e: a command killed at a chosen system call
  chromium                                # elog --report's tests open reports in it, headless
)
# node and npm: the build vendors uPlot into elog from npm (package-lock.json,
# `npm ci` from the Makefile) and the report's tests drive chromium with
# puppeteer-core. A node from elsewhere (that brings its own npm) will do.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}" >&2
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
