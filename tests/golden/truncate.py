#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# `elog -r` on every prefix of a capture: never a crash, exit 0 (exit 1 and
# "File is empty" for the empty prefix), exactly the records that are
# complete in the prefix, printed as the same lines as from the whole file,
# and exactly one warning line on stderr unless the prefix is the whole file.
# On every 16th prefix also --summary --json and --report (what a cut
# capture's analysis reads is partial payloads too): exit 0, a row per
# complete connection at most, a report written.
#
# One elog per check and nothing else forked; prefixes are checked on every
# core at once (each has its own files).
#
#   tests/golden/truncate.py ELOG CAPTURE
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr


def record_ends(data):
    """Record boundaries, read from the file itself: preamble, then u16
    lengths."""
    (nschemas,) = struct.unpack_from("<I", data, 40)
    off = 44 + 34 * nschemas
    ends = []
    while off < len(data):
        (n,) = struct.unpack_from("<H", data, off)
        if n == 0:
            sys.exit("record of length 0 at %d" % off)
        off += n
        ends.append(off)
    if off != len(data):
        sys.exit("records do not end at EOF")
    return ends


def check(elog, data, ends, full, full_sum_rows, tmp, cut):
    """The failures of one prefix (a list of strings) and how many checks
    passed."""
    path = os.path.join(tmp, "cut%d" % cut)
    with open(path, "wb") as f:
        f.write(data[:cut])
    fails, passed = [], 0
    rc, out, err = run([elog, "-e", "-r", path])
    complete = sum(1 for e in ends if e <= cut)
    lines = out.splitlines(keepends=True)
    warnings = err.splitlines()
    if cut == 0:
        if rc == 1 and err == b"elog: File is empty\n":
            passed += 1
        else:
            fails.append("exit %d, stderr %r" % (rc, err))
    elif rc != 0:
        fails.append("exit %d: %r" % (rc, err))
    elif len(lines) != complete:
        fails.append("%d events decoded, %d complete records" % (len(lines), complete))
    elif lines != full[:len(lines)]:
        fails.append("decoded lines differ from the full decode")
    elif cut < len(data) and len(warnings) != 1:
        fails.append("%d lines on stderr, expected one warning" % len(warnings))
    elif cut == len(data) and warnings:
        fails.append("warnings for the complete file")
    elif warnings and not warnings[0].startswith(b"elog: warning: "):
        fails.append("stderr is not a warning: %r" % err)
    else:
        passed += 1
    if cut > 0 and cut % 16 == 0:
        report = os.path.join(tmp, "r%d.html" % cut)
        rc, out, _ = run([elog, "-r", path, "--summary", "--json"])
        if rc != 0:
            fails.append("--summary failed")
        elif len(out.splitlines()) > full_sum_rows:
            fails.append("--summary has more rows than for the whole file")
        elif run([elog, "-r", path, "--report", report])[0] != 0 or \
                not os.path.exists(report) or os.path.getsize(report) == 0:
            fails.append("--report failed")
        else:
            passed += 1
        if os.path.exists(report):
            os.unlink(report)
    os.unlink(path)
    return fails, passed


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: truncate.py ELOG CAPTURE")
    elog, cap = sys.argv[1], sys.argv[2]
    with open(cap, "rb") as f:
        data = f.read()
    rc, full, err = run([elog, "-e", "-r", cap])
    if rc != 0:
        sys.exit("cannot decode %s" % cap)
    if err:
        sys.exit("%s decodes with warnings" % cap)
    rc, full_sum, _ = run([elog, "-r", cap, "--summary", "--json"])
    if rc != 0:
        sys.exit("no summary of %s" % cap)
    full = full.splitlines(keepends=True)
    full_sum_rows = len(full_sum.splitlines())
    ends = record_ends(data)

    tmp = tempfile.mkdtemp(prefix="elog-trunc.")
    try:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            results = list(pool.map(
                lambda cut: check(elog, data, ends, full, full_sum_rows, tmp, cut),
                range(len(data) + 1)))
    finally:
        shutil.rmtree(tmp)
    passed = failed = 0
    for cut, (fails, n) in enumerate(results):
        passed += n
        failed += len(fails)
        for msg in fails:
            print("FAIL cut %d: %s" % (cut, msg), file=sys.stderr)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(0 if failed == 0 and passed > 0 else 1)


main()
