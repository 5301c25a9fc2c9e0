# SPDX-License-Identifier: BSD-2-Clause
"""A TCP proxy in front of clickhouse-server that cuts its first CUTS
connections after LIMIT bytes from the client (so mid-request, whatever
the server took of it), and passes later ones through untouched. LIMIT
is a comma-separated list used in turn: a large limit lets batches
through and cuts one, a small one after it cuts the next connection (the
sink's retry) early as well.
Usage: cutproxy.py LISTEN_PORT TARGET_PORT LIMIT[,LIMIT...] CUTS;
prints "ready"."""

import socket
import sys
import threading


def pipe(src, dst, budget, done):
    try:
        while True:
            n = 65536 if budget is None else min(65536, budget[0])
            if n == 0:
                break
            data = src.recv(n)
            if not data:
                break
            dst.sendall(data)
            if budget is not None:
                budget[0] -= len(data)
    except OSError:
        pass
    done.set()


def serve(conn, target, limit):
    up = socket.create_connection(("127.0.0.1", target))
    # Forwarded as it comes: with Nagle, each request would wait for
    # the server's delayed ACK (40 ms).
    for s in (conn, up):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    done = threading.Event()
    budget = [limit] if limit else None
    threading.Thread(target=pipe, args=(conn, up, budget, done), daemon=True).start()
    threading.Thread(target=pipe, args=(up, conn, None, done), daemon=True).start()
    done.wait()
    for s in (conn, up):
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            s.close()
        except OSError:
            pass


def main():
    port, target, cuts = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[4])
    limits = [int(a) for a in sys.argv[3].split(",")]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    print("ready", flush=True)
    n = 0
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn, target, limits[n % len(limits)] if n < cuts else 0),
                         daemon=True).start()
        n += 1


if __name__ == "__main__":
    main()
