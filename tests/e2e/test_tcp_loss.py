# SPDX-License-Identifier: BSD-2-Clause
"""TCP provider end to end under real loss: nftables drops a random share of
the segments arriving on the namespace's lo (input hook: a drop on output is
not a loss, TCP just requeues), and the capture must show the recovery and
account for every retransmission the kernel counted."""
import math
import struct

from lib.proc import run
from lib.elogfile import read_capture
from lib.tcp import (ACK, CONN_PARAMS, CWND, DSACK, ENTER_RECOVERY, EXIT_RECOVERY, GOODPUT, HYSTART, MSS,
                     OUT, PRR_STATE, RETRANSMIT_REASON, RTO, RTT, SACK, sessions_by_port, tcp_info)
from lib.net import need_nft, nft_drop, snmp

DEFAULT = "kern.eventlog.tcp.default"
PORT_DROP_PCT = 3
MIB = 24


def test_loss_recovery_and_retransmissions(tcp_env, netns):
    env = tcp_env
    need_nft()
    env.ctl.set(DEFAULT, 1)
    # Data segments only (length > 100), both directions' ACKs pass.
    nft_drop(netns, "elogloss",
             "iif lo meta l4proto tcp meta length gt 100 numgen random mod 100 lt %d counter drop" % PORT_DROP_PCT)
    # The checks against TCP_INFO below take the kernel's cwnd during the
    # quiet 0.2 s before the marker. Idle longer than the RTO (200 ms at
    # least), the marker's send would restart the window first (RFC 2861:
    # CWND down to 10 segments, rightly logged before its OUT), and whether
    # it is longer depends on timing: off in this test's namespace.
    run(["ip", "netns", "exec", netns, "sysctl", "-qw", "net.ipv4.tcp_slow_start_after_idle=0"])
    before = snmp(netns)["RetransSegs"]
    cap = env.capture("loss.elog", "TRACE", extra=["-b", "8M"])
    # cubic: BBR (the default here) controls cwnd itself and never runs
    # Linux's PRR, so there would be no PRR_STATE to check.
    w = env.traffic.workload("bulk", 4, MIB, "cubic")
    cap.stop()
    retrans_segs = snmp(netns)["RetransSegs"] - before
    hdr, _, recs = read_capture(cap.path)
    assert hdr["dropped"] == 0, "the capture lost events: enlarge -b"
    (client,) = sessions_by_port(recs, w["lport"], w["cports"])["clients"]
    mine = [r for r in recs if r.session == client]
    ids = {r.id for r in mine}
    assert retrans_segs > 0, "no loss happened: the nft rule did not work"
    assert ENTER_RECOVERY in ids and EXIT_RECOVERY in ids, sorted(ids)
    assert RETRANSMIT_REASON in ids or RTO in ids
    assert RTT in ids and CWND in ids
    assert SACK in ids, "loss with SACK on: some ACK carried blocks"
    # Fast recovery is PRR on Linux: every step of it is a PRR_STATE, with
    # RecoverFS, delivered and allowed bytes.
    prr = [struct.unpack("<7I", r.payload) for r in mine if r.id == PRR_STATE]
    assert prr, "no PRR step under loss"
    assert all(p[1] > 0 and p[3] > 0 for p in prr), prr[:3]
    # cubic's HyStart: slow-start rounds, numbered in order.
    hs = [struct.unpack_from("<III", r.payload) for r in mine if r.id == HYSTART]
    assert hs and [h[0] for h in hs] == sorted(h[0] for h in hs), hs[:5]
    # A delivery-rate sample per round trip: some bytes over some time.
    gp = [struct.unpack("<QQQII", r.payload) for r in mine if r.id == GOODPUT]
    assert gp and all(g[1] > 0 and g[2] > 0 and g[0] == g[1] for g in gp), gp[:3]

    # ACK and SACK: cumulative progress adds up to everything the client
    # sent (data, the 1-byte marker, the FIN); SACK blocks are well formed.
    acked = sum(struct.unpack_from("<I", r.payload)[0] for r in mine if r.id in (ACK, SACK))
    assert acked == (MIB << 20) + 1 + 1, acked
    for r in mine:
        if r.id == SACK:
            n = r.payload[32]
            blocks = struct.unpack_from("<8I", r.payload, 36)
            assert 1 <= n <= 4
            for k in range(n):
                start, end = blocks[2 * k], blocks[2 * k + 1]
                assert 0 < (end - start) & 0xffffffff < 1 << 30, (start, end)

    # Every retransmitted skb is one RETRANSMIT_REASON; the kernel counts
    # segments (tcp_skb_pcount), i.e. ceil(bytes / mss) of each.
    mss = struct.unpack_from("<I", [r.payload for r in mine if r.id == CONN_PARAMS][0], 8)[0]
    segs = 0
    for r in mine:
        if r.id == MSS:
            mss = struct.unpack("<I", r.payload)[0]
        elif r.id == RETRANSMIT_REASON:
            start, end = struct.unpack_from("<II", r.payload, 8)
            segs += max(1, math.ceil(((end - start) & 0xffffffff) / mss))
    assert segs == retrans_segs, "retransmitted %d segments logged, kernel counted %d" % (segs, retrans_segs)

    # Against TCP_INFO, taken while the connection was quiet just before the
    # 1-byte marker segment: the kernel's cwnd and srtt then are those of the
    # last CWND and RTT events before the marker's OUT (both are checked at
    # every segment). Tolerance: none.
    info = tcp_info(w["tcp_info"])
    marker = [i for i, r in enumerate(mine) if r.id == OUT and struct.unpack_from("<I", r.payload, 16)[0] == 1]
    assert marker, "the marker segment is not in the capture"
    upto = mine[:marker[0]]
    last_cwnd = [struct.unpack_from("<I", r.payload)[0] for r in upto if r.id == CWND][-1]
    last_srtt = [struct.unpack_from("<I", r.payload, 4)[0] for r in upto if r.id == RTT][-1]
    assert last_cwnd == info["snd_cwnd"] * info["snd_mss"], (last_cwnd, info)
    assert last_srtt == info["rtt"], (last_srtt, info["rtt"])
    # DSACKs received (spurious retransmissions): the count in the last
    # DSACK event is Linux's, none if there were none.
    dsacks = [struct.unpack_from("<I", r.payload, 8)[0] for r in upto if r.id == DSACK]
    assert (dsacks[-1] if dsacks else 0) == info["dsack_dups"], (dsacks, info["dsack_dups"])
