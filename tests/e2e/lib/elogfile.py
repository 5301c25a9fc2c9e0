# SPDX-License-Identifier: BSD-2-Clause
"""The tests' one ELOG v1 reader, the oracle the tools are checked against.

Written from elog(5) alone, independent of lib/: a 40-byte header, a u32
provider count and 34-byte provider entries, then records of a 32-byte
header and a payload, all little-endian."""

import struct

SESSION_ID_NONE = 0xFFFFFFFFFFFFFFFF
HEADER = struct.Struct("<4sIQQQQ")
PROVIDER = struct.Struct("<H32s")
EVENT = struct.Struct("<HHHHQQIi")


class Record:
    """One event; fields by attribute (r.id) or by key (r["id"]; "len" is
    the event_length)."""

    __slots__ = ("length", "cpu", "provider", "ts", "session", "id", "tid", "payload")

    def __init__(self, hdr, payload):
        (self.length, self.cpu, self.provider, _reserved, self.ts, self.session,
         self.id, self.tid) = hdr
        self.payload = payload

    def __getitem__(self, key):
        return getattr(self, "length" if key == "len" else key)

    def seq(self):
        """elog-testgen emitraw/emit payload word 0: the session's event number."""
        return struct.unpack_from("<Q", self.payload)[0]


def read(path, tolerate_cut=False):
    """(header, {provider id: name}, [Record], bytes of a cut tail) of an
    ELOG v1 file. tolerate_cut: the file may end anywhere after its
    preamble (SIGKILL, full disk); otherwise every byte must belong to a
    complete record."""
    with open(path, "rb") as f:
        data = f.read()
    assert len(data) >= 44, f"{path}: {len(data)} bytes, shorter than header + provider count"
    magic, version, start, start_utc, count, dropped = HEADER.unpack_from(data, 0)
    assert magic == b"ELOG" and version == 1, (magic, version)
    (nprov,) = struct.unpack_from("<I", data, 40)
    assert nprov <= 32, nprov
    off = 44 + PROVIDER.size * nprov
    assert len(data) >= off, "provider table cut"
    providers = {}
    for i in range(nprov):
        pid, name = PROVIDER.unpack_from(data, 44 + PROVIDER.size * i)
        providers[pid] = name.split(b"\0", 1)[0].decode()
    records = []
    while len(data) - off >= EVENT.size:
        hdr = EVENT.unpack_from(data, off)
        length = hdr[0]
        assert length >= EVENT.size and hdr[3] == 0, f"garbage record header at {off}: {hdr}"
        if off + length > len(data):
            assert tolerate_cut, f"bad event_length {length} at {off}"
            break
        records.append(Record(hdr, data[off + EVENT.size:off + length]))
        off += length
    assert tolerate_cut or off == len(data), f"partial event header at {off}"
    header = {"capture_start": start, "start_utc_us": start_utc, "event_count": count, "dropped": dropped}
    return header, providers, records, len(data) - off


def read_capture(path):
    """(header, providers, records) of a complete capture of at least one provider."""
    header, providers, records, _tail = read(path)
    assert len(providers) >= 1
    return header, providers, records


def read_tolerant(path):
    """read() of a file that may be cut, of at least one provider."""
    header, providers, records, tail = read(path, tolerate_cut=True)
    assert len(providers) >= 1
    return header, providers, records, tail


def decode_capture(path):
    """A complete capture as one dict: the header's fields, "providers"
    and "events"."""
    header, providers, records, _tail = read(path)
    return dict(header, providers=providers, events=records)


def assert_session_order(events):
    """Per-session timestamps never go backwards."""
    last = {}
    for e in events:
        prev = last.get(e.session)
        assert prev is None or e.ts >= prev, f"session {e.session}: {e.ts} after {prev}"
        last[e.session] = e.ts
