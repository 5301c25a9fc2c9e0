# SPDX-License-Identifier: BSD-2-Clause
"""What the end-to-end tests share (the tests import it as `lib`; conftest.py
holds the fixtures):

proc      running the tools: run(), need() (never a skip in CI), waiting,
          Capture (one `elog` process) and the paths of the build
elogfile  the one ELOG v1 reader, written from elog(5) alone: the oracle the
          tools' own decoding is checked against
schema    event ids, levels and keywords from the schema compiler's tables
tcp       the TCP provider's events, loopback workloads in a namespace,
          payload layouts, TcpEnv (the tcp_env fixture)
kernel    BPF objects (bpftool) and process facts (/proc) for accounting
net       a namespace's TCP counters and nft drop rules
blackbox  the test provider's black box (the box fixture)
"""
