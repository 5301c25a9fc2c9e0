# SPDX-License-Identifier: BSD-2-Clause
"""TCP provider end to end: application calls (USER_SEND, SENDFILE, socket
options) and a congestion control switch (CC_ALGO_CHANGE), checked byte for
byte."""
import struct


from lib.tcp import CC_ALGO_CHANGE, OUT, SENDFILE, SOCKET_OPT_UINT32, USER_SEND, sessions_by_port

DEFAULT = "kern.eventlog.tcp.default"
PRUS_MORETOCOME = 0x4


def test_sends_sendfile_and_cc_switch(tcp_env):
    env = tcp_env
    env.ctl.set(DEFAULT, 1)
    _, w, hdr, recs = env.captured("app.elog", "app")
    assert w["total"] == sum(w["sends"]) + w["sendfile"]
    assert hdr["dropped"] == 0
    (client,) = sessions_by_port(recs, w["lport"], w["cports"])["clients"]
    mine = [r for r in recs if r.session == client]

    # One USER_SEND per send call, with what it accepted; no error.
    sends = [struct.unpack("<iIB3xIII", r.payload) for r in mine if r.id == USER_SEND]
    assert [s[5] for s in sends] == w["sends"], sends
    assert all(s[0] == 0 for s in sends)
    assert [bool(s[1] & PRUS_MORETOCOME) for s in sends] == [False, True, False, False]
    assert all(s[2] == 4 for s in sends), "sent in ESTABLISHED"
    # sendfile: chunks whose lengths add up to the file.
    chunks = [struct.unpack_from("<QQ", r.payload)[1] for r in mine if r.id == SENDFILE]
    assert chunks and sum(chunks) == w["sendfile"], chunks

    # Integer options, under upstream's numbers (TCP_NODELAY 1, TCP_KEEPIDLE 256).
    opts = [struct.unpack("<II", r.payload) for r in mine if r.id == SOCKET_OPT_UINT32]
    assert opts == [(1, 1), (256, 7)], opts

    # The switch is reported once, with the new name, before the data
    # sent after it leaves.
    changes = [(i, r.payload.rstrip(b"\0").decode()) for i, r in enumerate(mine) if r.id == CC_ALGO_CHANGE]
    assert [c[1] for c in changes] == [w["cc_after"]], changes
    last_out = max(i for i, r in enumerate(mine) if r.id == OUT)
    assert changes[0][0] < last_out
