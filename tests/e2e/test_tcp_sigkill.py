# SPDX-License-Identifier: BSD-2-Clause
"""SIGKILL of `elog -c tcp` during traffic (the TCP provider's version of
test_reliability.py::test_sigkill_mid_capture): the capture's per-packet
hooks (attached while somebody subscribes; their links are held by the
subscribers, not pinned) go away with it, while the transfer still runs
and before anything reclaims its slot; the dead slot is reclaimed by the
next entry point (an `elogctl` read of a tcp control: it opens the
provider, which reclaims dead slots), the provider's BPF programs, maps and
links return to what they were before the capture, the killed capture's
ring maps are freed, and the next capture works."""
import glob
import json
import os
import signal
import subprocess

from helpers import PIN_ROOT, wait_until
from test_reliability_lib import (active_slots, hot_links, live_ids, provider_objects, read_tolerant,
                                  ring_map_ids, rings_per_subscription)
from test_tcp_lib import IN, OUT, read_capture, seg, sessions_by_port, tcp_env  # noqa: F401

DEFAULT = "kern.eventlog.tcp.default"


def reclaim(env):
    """An entry point that opens the tcp provider (elog_rt_open reclaims
    the slots of dead owners)."""
    env.ctl.get("kern.eventlog.tcp.sessions_active")


def test_sigkill_mid_tcp_capture(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    reclaim(env)  # anything dead before the baseline
    assert not hot_links("tcp"), "no subscriber before the test: no per-packet hook"
    before = provider_objects("tcp")
    assert before["progs"] and before["maps"] and before["links"], before

    cap = env.capture("killed.elog", "TRACE")
    hot = hot_links("tcp")
    assert len(hot) == len(glob.glob(f"{PIN_ROOT}/tcp/prog_*")), "a subscriber attaches every per-packet hook"
    rings = ring_map_ids(cap.proc.pid)
    assert len(rings) == rings_per_subscription(), rings
    during = provider_objects("tcp")
    assert rings <= during["maps"], "the capture's rings are installed in elog_rings"
    assert during["links"] - before["links"] == hot, (during["links"] - before["links"], hot)

    # Traffic that outlasts the capture: a bulk transfer in the namespace,
    # the capture killed while it writes.
    bulk = subprocess.Popen(env.traffic._argv("bulk", 4, (2048,)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    env.procs.append(bulk)
    try:
        wait_until(lambda: os.path.getsize(cap.path) > (64 << 10) or bulk.poll() is not None, 30,
                   "the bulk transfer to reach the capture")
        assert bulk.poll() is None, "the transfer is still running when the capture is killed"
        cap.proc.send_signal(signal.SIGKILL)
        cap.proc.wait(timeout=10)
        # The hooks go with the capture's link fds, while the transfer
        # still runs and before anything reclaims its slot.
        wait_until(lambda: not hot & live_ids("link"), 5, "the killed capture's hooks to go")
        assert bulk.poll() is None, "the hooks went while the traffic ran"
        assert active_slots("tcp") == 1, "the dead slot waits for the next entry point"
    finally:
        out, err = bulk.communicate(timeout=60)
    assert cap.proc.returncode == -signal.SIGKILL
    assert bulk.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["cports"], "the transfer finished whole (it checks every byte)"

    # What reached the file decodes: complete records of real segments.
    hdr, providers, recs, _tail = read_tolerant(cap.path)
    assert list(providers.values()) == ["tcp"] and hdr["event_count"] == 0, (providers, hdr)
    assert any(r.id == OUT and len(r.payload) == 32 for r in recs)

    # The dead slot is reclaimed by the next entry point; nothing of the
    # capture stays.
    reclaim(env)
    assert active_slots("tcp") == 0
    assert not hot_links("tcp")
    now = {}

    def settled():
        now.update(provider_objects("tcp"))
        return now == before

    try:
        wait_until(settled, 10, "the tcp provider's BPF objects to return to their count")
    except AssertionError:
        raise AssertionError(f"BPF objects before {before}, now {now}")
    assert not rings & live_ids("map"), "the killed capture's ring maps are freed"

    # The next capture works: hooks attached again, a fresh exchange logged
    # whole on both ends, and they go away on a clean stop.
    nxt = env.capture("next.elog", "TRACE")
    assert len(hot_links("tcp")) == len(hot)
    x = env.traffic.workload("exchange", 4)
    nxt.stop()
    assert not hot_links("tcp"), "a clean stop detaches them"
    _, _, recs = read_capture(nxt.path)
    s = sessions_by_port(recs, x["lport"], x["cports"])
    (client,) = s["clients"]
    (server,) = s["servers"]
    c_out = [seg(r.payload) for r in recs if r.session == client and r.id == OUT]
    s_in = [seg(r.payload) for r in recs if r.session in (server, s["listener"]) and r.id == IN]
    assert c_out and sorted(c_out) == sorted(s_in)
