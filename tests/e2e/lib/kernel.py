# SPDX-License-Identifier: BSD-2-Clause
"""What the kernel holds, for the reliability, privilege and soak tests:
BPF objects counted through bpftool (scoped to one provider, so other
captures on the machine do not perturb the counts), process facts from
/proc, a command killed at a chosen system call, and a tmpfs that is always
unmounted."""

import contextlib
import json
import os
import shutil
import struct
import subprocess

from .proc import PIN_ROOT, need, run, wait_until

RINGBUF_MAP_TYPE = 27  # BPF_MAP_TYPE_RINGBUF in /proc/PID/fdinfo


def bpftool(*args):
    need(shutil.which("bpftool"), "bpftool is needed to count BPF objects")
    out = run(["bpftool", "-j", *args]).stdout
    return json.loads(out) if out.strip() else []


FRAMEWORK_MAPS = ("elog_rings", "elog_subs", "elog_conf", "elog_state", "elog_knobs", "elog_stats")


def provider_objects(provider):
    """The BPF programs, maps and links that belong to `provider`: every
    program that uses one of its framework maps (bpf/eventlog_abi.h), every
    map those programs use plus the subscriber rings installed in
    elog_rings, and every link of those programs. Returns {"progs": set,
    "maps": set, "links": set} of ids."""
    d = f"{PIN_ROOT}/{provider}"
    own = {bpftool("map", "show", "pinned", f"{d}/{m}")["id"] for m in FRAMEWORK_MAPS}
    progs = {p["id"]: p for p in bpftool("prog", "show") if own & set(p.get("map_ids", []))}
    maps = set(own)
    for p in progs.values():
        maps.update(p["map_ids"])
    for entry in bpftool("map", "dump", "pinned", f"{d}/elog_rings"):
        maps.add(struct.unpack("<I", bytes(int(b, 16) for b in entry["value"]))[0])
    links = {l["id"] for l in bpftool("link", "show") if l.get("prog_id") in progs}
    return {"progs": set(progs), "maps": maps, "links": links}


def hot_links(provider):
    """Ids of the live links of the provider's per-packet hooks: links of
    its programs pinned as prog_* (attached while somebody subscribes and
    held by the subscribers, never pinned: lib/rt/hot.c)."""
    d = f"{PIN_ROOT}/{provider}"
    if not os.path.isdir(d):
        return set()
    progs = {bpftool("prog", "show", "pinned", f"{d}/{n}")["id"] for n in os.listdir(d) if n.startswith("prog_")}
    return {l["id"] for l in bpftool("link", "show") if l.get("prog_id") in progs}


def active_slots(provider):
    """How many subscriber slots of `provider` are in use (elog_subs entries
    whose first word, `active`, is not ELOG_SLOT_FREE)."""
    entries = bpftool("map", "dump", "pinned", f"{PIN_ROOT}/{provider}/elog_subs")
    return sum(1 for e in entries
               if struct.unpack("<I", bytes(int(b, 16) for b in e["value"][:4]))[0] != 0)


def conf_subscribers(provider):
    """(nsubs, slot_mask) of the provider's elog_conf: the subscriber count
    and the active slots the kernel half delivers to (bpf/eventlog_abi.h)."""
    (e,) = bpftool("map", "dump", "pinned", f"{PIN_ROOT}/{provider}/elog_conf")
    v = bytes(int(b, 16) for b in e["value"])
    return struct.unpack_from("<II", v, 16)


def conf_default(provider):
    """The default stored in the provider's elog_conf (read without an
    eventlog command, which would finish or undo a change first)."""
    (e,) = bpftool("map", "dump", "pinned", f"{PIN_ROOT}/{provider}/elog_conf")
    return struct.unpack_from("<i", bytes(int(b, 16) for b in e["value"]), 4)[0]


def session_counts(provider):
    """(sessions_created, sessions_active, sessions_enabled) of elog_state."""
    (e,) = bpftool("map", "dump", "pinned", f"{PIN_ROOT}/{provider}/elog_state")
    return struct.unpack_from("<QQQ", bytes(int(b, 16) for b in e["value"]))


def strace_env():
    """The environment for a command run under strace: LeakSanitizer (the
    SAN=1 build) cannot work under ptrace and would fail the command."""
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    return env


def strace_kill(argv, *filters):
    """Runs argv under strace, SIGKILLed on entry to the system call that
    the strace filters select (which is then not made): a command killed at
    a chosen point of a change. Its forks are not traced."""
    need(shutil.which("strace"), "strace is needed to kill a command at a chosen system call")
    p = subprocess.run(["strace", "-o", "/dev/null", *filters, *argv], capture_output=True, text=True,
                       env=strace_env())
    assert p.returncode in (-9, 137), (p.returncode, p.stderr)


def knob(provider, k):
    """elog_knobs[k] of the provider (1: ELOG_KNOB_HOT, the per-packet
    hooks are attached)."""
    for e in bpftool("map", "dump", "pinned", f"{PIN_ROOT}/{provider}/elog_knobs"):
        if struct.unpack("<I", bytes(int(b, 16) for b in e["key"]))[0] == k:
            return struct.unpack("<q", bytes(int(b, 16) for b in e["value"]))[0]
    raise AssertionError(f"no knob {k}")


REAPER_COMM = "eventlog-reaper"  # lib/rt/reaper.c


def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read()


def reapers(argv):
    """Pids of the live reapers (lib/rt/reaper.c) forked by subscribers run
    with this command line (bytes of /proc/PID/cmdline: a reaper is a fork
    of its subscriber). Zombies count as gone."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
            if stat[stat.index("(") + 1:stat.rindex(")")] != REAPER_COMM or \
                    stat[stat.rindex(")") + 2] in "ZX" or cmdline(d) != argv:
                continue
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        out.append(int(d))
    return out


def live_ids(kind):
    """Ids of every live BPF object of a kind ("prog", "map", "link")."""
    return {o["id"] for o in bpftool(kind, "show")}


def fdinfo(pid):
    """{fd: {key: value}} of a process's open files."""
    out = {}
    d = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(d):
        try:
            with open(f"{d}/{fd}") as f:
                out[int(fd)] = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
        except FileNotFoundError:
            pass
    return {fd: {k.strip(): v.strip() for k, v in kv.items()} for fd, kv in out.items()}


def possible_cpus():
    """How many CPUs the kernel can have (what libbpf_num_possible_cpus counts)."""
    with open("/sys/devices/system/cpu/possible") as f:
        n = 0
        for part in f.read().strip().split(","):
            lo, _, hi = part.partition("-")
            n += int(hi or lo) - int(lo) + 1
    return n


def rings_per_subscription():
    """A subscription has one ring per possible CPU, up to ELOG_RING_CPUS (256)."""
    return min(possible_cpus(), 256)


def ring_map_ids(pid):
    """Ids of the BPF ring buffer maps a process holds open (its subscriptions)."""
    return {int(kv["map_id"]) for kv in fdinfo(pid).values()
            if kv.get("map_type") == str(RINGBUF_MAP_TYPE) and "map_id" in kv}


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def status_kb(pid, key):
    """VmRSS, VmHWM, ... of a process in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError(f"{key} not in /proc/{pid}/status")


@contextlib.contextmanager
def small_tmpfs(path, size):
    """A tmpfs of `size` mounted on `path`, unmounted whatever happens."""
    os.makedirs(path, exist_ok=True)
    run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", path])
    try:
        yield path
    finally:
        p = subprocess.run(["umount", path], capture_output=True, text=True)
        if p.returncode != 0:  # something still has a file open: lazily
            subprocess.run(["umount", "-l", path], capture_output=True)


def pretend_other_build(name):
    """Restamp a loaded provider as if another build of eventlog had loaded
    it; returns this build's stamp."""
    ready = f"{PIN_ROOT}/{name}/ready"
    stamps = [d for d in os.listdir(ready) if d.startswith("build-")]
    assert len(stamps) == 1, stamps
    os.rmdir(f"{ready}/{stamps[0]}")
    os.mkdir(f"{ready}/build-0000000000000000")
    return stamps[0]


def objects_back_to(provider, before, timeout):
    """Waits until the provider's BPF objects (provider_objects) are those
    of `before` again: the kernel releases programs and maps after an RCU
    grace period. Fails saying both sets."""
    now = {}

    def settled():
        now.update(provider_objects(provider))
        return now == before

    try:
        wait_until(settled, timeout, f"the {provider} provider's BPF objects to return to their count")
    except AssertionError:
        raise AssertionError(f"BPF objects before {before}, now {now}")
