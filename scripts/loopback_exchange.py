#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""One small request/response TCP exchange on a loopback address: the server
accepts one connection, echoes what it reads, both sides close."""
import socket
import sys
import threading

host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 5001
family = socket.AF_INET6 if ":" in host else socket.AF_INET

srv = socket.socket(family, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((host, port))
srv.listen(1)


def serve():
    conn, _ = srv.accept()
    with conn:
        while data := conn.recv(65536):
            conn.sendall(data)


t = threading.Thread(target=serve)
t.start()
with socket.create_connection((host, port), timeout=5) as c:
    c.sendall(b"hello eventlog\n" * 100)
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536):
        pass
t.join()
srv.close()
