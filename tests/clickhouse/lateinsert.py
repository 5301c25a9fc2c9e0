# SPDX-License-Identifier: BSD-2-Clause
"""An HTTP/1.1 proxy in front of clickhouse-server that makes an INSERT
outlive its connection: the first INSERT larger than BIG goes to the server but for its
last byte, then the client's connection is reset (the sink sees an
exchange cut, as if the server had stalled). The server's INSERT keeps
waiting for that byte, running; the proxy sends it when the client reads
back ins_seq (0.5 s after forwarding that query, so the read-back runs
first) or after DELAY seconds, whichever comes first, and reads the
answer to its end. A sink that reads back while the INSERT still runs
sees none of its rows and inserts them again.
The server (18.16) registers a query (system.processes) once it has read
1 MiB of the body or all of it: the INSERT delayed is the first one
larger than BIG, so that it runs, waiting, from then on.
Usage: lateinsert.py LISTEN_PORT TARGET_PORT DELAY; prints "ready", and on
standard error "late after read-back" or "late after delay" as it sends
the delayed INSERT's last byte."""

import socket
import sys
import threading
import time

from httpframe import request_end

BIG = (1 << 20) + (64 << 10)
taken = threading.Event()  # the INSERT to delay: once per run
readback = threading.Event()


def reset(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        s.close()
    except OSError:
        pass


def requests(conn):
    """Whole requests (head and Content-Length body) as they arrive."""
    pend = bytearray()
    while True:
        data = conn.recv(65536)
        if not data:
            return
        pend += data
        while (r := request_end(pend)) is not None:
            line, end = r
            yield line, bytes(pend[:end])
            del pend[:end]


def relay(up, conn, swallow):
    try:
        while True:
            data = up.recv(65536)
            if not data:
                break
            if not swallow.is_set():
                conn.sendall(data)
    except OSError:
        pass


def complete(up, last, delay):
    """The delayed INSERT's last byte, then its answer read to the end."""
    woke = readback.wait(delay)
    if woke:
        time.sleep(0.5)
    up.sendall(last)
    print("late after " + ("read-back" if woke else "delay"), file=sys.stderr, flush=True)
    up.settimeout(60)
    ans = b""
    try:
        while not ans.endswith(b"\r\n\r\n") and b"\r\n0\r\n\r\n" not in ans:
            data = up.recv(65536)
            if not data:
                break
            ans += data
    except OSError:
        pass
    reset(up)


def serve(conn, target, delay):
    up = socket.create_connection(("127.0.0.1", target))
    # Forwarded as it comes: with Nagle, each request would wait for
    # the server's delayed ACK (40 ms).
    for s in (conn, up):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    swallow = threading.Event()
    t = threading.Thread(target=relay, args=(up, conn, swallow), daemon=True)
    t.start()
    try:
        for line, req in requests(conn):
            if "query=INSERT" in line and len(req) > BIG and not taken.is_set():
                taken.set()
                swallow.set()
                print("delayed %d bytes" % len(req), file=sys.stderr, flush=True)
                up.sendall(req[:-1])
                reset(conn)
                complete(up, req[-1:], delay)
                return
            if b"SELECT ins_seq" in req:
                readback.set()
            up.sendall(req)
    except OSError:
        pass
    try:
        up.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    t.join()
    reset(conn)
    reset(up)


def main():
    port, target, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    print("ready", flush=True)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn, target, delay), daemon=True).start()


if __name__ == "__main__":
    main()
