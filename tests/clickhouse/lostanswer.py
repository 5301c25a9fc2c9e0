# SPDX-License-Identifier: BSD-2-Clause
"""An HTTP/1.1 proxy in front of clickhouse-server that loses one answer:
the first INSERT sent on a reused (kept-alive) connection reaches the
server whole and is executed, then that connection is reset before any
byte of the answer reaches the client. Everything else passes through.
This is the case where libcurl, left to itself, sends the request again
on a fresh connection (the server then stores it twice).
Usage: lostanswer.py LISTEN_PORT TARGET_PORT; prints "ready", and
"lost" on standard error when it has lost the answer."""

import socket
import sys
import threading

from httpframe import request_end

lost = threading.Event()  # once, for the whole run


def reset(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        s.close()
    except OSError:
        pass


def client_to_server(conn, up, swallow, done):
    """Forwards requests as they come; sets `swallow` before the chunk
    that ends the target request goes out, so no byte of its answer can
    slip through."""
    pend, nreq = b"", 0
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            pend += data
            while (r := request_end(pend)) is not None:
                line, end = r
                if nreq > 0 and "query=INSERT" in line and not lost.is_set():
                    lost.set()
                    swallow.set()
                pend = pend[end:]
                nreq += 1
            up.sendall(data)
    except OSError:
        pass
    done.set()


def server_to_client(conn, up, swallow, done):
    try:
        while True:
            data = up.recv(65536)
            if not data:
                break
            if swallow.is_set():
                # The answer is read to its end (the server has executed
                # the INSERT then, and cancels nothing), and lost.
                ans = data
                while not ans.endswith(b"0\r\n\r\n"):
                    data = up.recv(65536)
                    if not data:
                        break
                    ans += data
                print("lost", file=sys.stderr, flush=True)
                break
            conn.sendall(data)
    except OSError:
        pass
    done.set()


def serve(conn, target):
    up = socket.create_connection(("127.0.0.1", target))
    # Forwarded as it comes: with Nagle, each request would wait for
    # the server's delayed ACK (40 ms).
    for s in (conn, up):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    done, swallow = threading.Event(), threading.Event()
    ts = [threading.Thread(target=f, args=(conn, up, swallow, done), daemon=True)
          for f in (client_to_server, server_to_client)]
    for t in ts:
        t.start()
    done.wait()
    # Wake the other direction's recv: a socket closed under a blocked
    # recv is not released (nor reset) until that recv returns.
    for s in (conn, up):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    for t in ts:
        t.join()
    reset(conn)
    reset(up)


def main():
    port, target = int(sys.argv[1]), int(sys.argv[2])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    print("ready", flush=True)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn, target), daemon=True).start()


if __name__ == "__main__":
    main()
