# SPDX-License-Identifier: BSD-2-Clause
"""HTTP/1.1 request framing for the test proxies of this directory."""


def request_end(pend):
    """(request line, length of the whole request) of the first complete
    request (head and Content-Length body) in pend, or None."""
    head_end = pend.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    lines = bytes(pend[:head_end]).decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    end = head_end + 4 + length
    return (lines[0], end) if len(pend) >= end else None
