# SPDX-License-Identifier: BSD-2-Clause
"""The black box seen from the test provider: its controls' values, the
BLACKBOX_DUMP payload, auto_ratio's pick function, and Box, a capture of
the test provider with its controls and elog-testgen (the `box` fixture)."""

import struct

from .elogfile import decode_capture
from .proc import Capture
from .schema import BLACKBOX_DUMP_ID, schema  # noqa: F401 (BLACKBOX_DUMP_ID: for the tests)

REASON = {"END": 1, "FULL": 2, "REQUEST": 3, "GROUP": 4, "DEMAND": 5}
MODE = {"OFF": 0, "TAIL": 1, "HEAD": 2, "HEAD_AUTO": 3, "CONTINUAL": 4, "TAIL_AUTO": 5}
PREFIX = "kern.eventlog.test."
EV = schema("test").SCALARS  # what emitraw emits in these tests (INFO, keyword BASIC)


def splitmix64(x):
    """auto_ratio's pick function (bpf/eventlog_abi.h elog_bb_pick)."""
    m = (1 << 64) - 1
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & m
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & m
    x ^= x >> 31
    return x


def dump_info(e):
    reason, events, overwritten, group, mode = struct.unpack_from("<IIQQB", e["payload"], 0)
    return {"reason": reason, "events": events, "overwritten": overwritten, "group": group,
            "mode": mode}



class Box:
    """A capture of the test provider plus the controls and elog-testgen."""

    def __init__(self, bindir, procs, tmp_path, elogctl, testgen, wait_subscribers):
        self.bindir, self.procs, self.tmp = bindir, procs, tmp_path
        self.ctl, self.gen, self.wait = elogctl, testgen, wait_subscribers
        self.cap = None

    def set(self, **controls):
        for k, v in controls.items():
            self.ctl.set(PREFIX + k.replace("_dot_", "."), v)

    def stat(self, name):
        return self.ctl.get(PREFIX + "blackbox." + name)

    def start(self, name="bb"):
        self.path = str(self.tmp / f"{name}.elog")
        self.cap = Capture(self.bindir, ["-c", "test", "TRACE"], output=self.path, procs=self.procs)
        self.wait(1)

    def stop(self):
        rc = self.cap.stop()
        assert rc == 0, self.cap.stderr
        return decode_capture(self.path)
