# SPDX-License-Identifier: BSD-2-Clause
"""TCP provider end to end against ground truth: one loopback transfer seen
at once by tcpdump and by elog. Every segment tcpdump saw is an OUT of the
sending session and an IN of the receiving one, with equal seq, ack, flags
and length, and there is no other (GSO skbs beyond 64 KiB, which the stack
cuts after the egress hook, are logged as the segments that leave)."""
import collections
import os
import signal
import struct
import subprocess

from test_tcp_lib import (CONN_SET_IP_V4, IN, OUT, need, ports_v4, read_capture, seg,
                          tcp_env)  # noqa: F401 (tcp_env is a fixture)

DEFAULT = "kern.eventlog.tcp.default"
TCPDUMP = "/usr/bin/tcpdump"


def pcap_segments(path, port):
    """(seq, ack, flags, payload length) of every TCP segment to or from
    port in a pcap of lo (DLT_EN10MB), read with struct alone."""
    with open(path, "rb") as f:
        data = f.read()
    magic, _, _, _, _, _, linktype = struct.unpack_from("<IHHiIII", data, 0)
    assert magic == 0xA1B2C3D4 and linktype == 1, (hex(magic), linktype)
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack_from("<IIII", data, off)
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 14 + 20 or struct.unpack_from("!H", pkt, 12)[0] != 0x0800:
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 0xf) * 4
        if ip[9] != 6:
            continue
        sport, dport, sq, ak, offb, flags = struct.unpack_from("!HHIIBB", ip, ihl)
        if port not in (sport, dport):
            continue
        thl = (offb >> 4) * 4
        # The wire length, not the IP header's: GSO packets beyond 64 KiB
        # (BIG TCP on lo) carry tot_len 0.
        out.append((sq, ak, flags | ((offb & 1) << 8), orig - 14 - ihl - thl))
    return out


def test_every_segment_tcpdump_saw(tcp_env, netns, procs):
    env = tcp_env
    need(os.access(TCPDUMP, os.X_OK), "tcpdump is needed for the ground truth")
    env.ctl.set(DEFAULT, 1)
    pcap = os.path.join(env.tmp, "lo.pcap")
    dump = subprocess.Popen(["ip", "netns", "exec", netns, TCPDUMP, "-i", "lo", "-n", "-U", "--immediate-mode", "-s", "128",
                             "-w", pcap, "tcp"], stderr=subprocess.PIPE, text=True)
    procs.append(dump)
    line = dump.stderr.readline()
    assert "listening on" in line, line
    cap = env.capture("gt.elog", "TRACE", "RX|TX|CONN")
    w = env.traffic.workload("bulk", 4, 2)
    cap.stop()
    dump.send_signal(signal.SIGINT)
    dump.wait(timeout=10)
    wire = pcap_segments(pcap, w["lport"])
    assert len(wire) > 10

    _, _, recs = read_capture(cap.path)
    ours = set()
    for r in recs:
        if r.id == CONN_SET_IP_V4:
            _, sport, _, dport = ports_v4(r.payload)
            if w["lport"] in (sport, dport):
                ours.add(r.session)
    outs = [seg(r.payload) for r in recs if r.session in ours and r.id == OUT]
    ins = [seg(r.payload) for r in recs if r.session in ours and r.id == IN]
    want = collections.Counter(wire)
    assert collections.Counter(outs) == want, (len(outs), len(wire))
    assert collections.Counter(ins) == want, (len(ins), len(wire))
