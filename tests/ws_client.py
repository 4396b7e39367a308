"""A raw WebSocket handshake client (RFC 6455 section 4.1) for the suites that send
handshakes to a real server (the Python binding's tests, the nginx suite): the request's
header lines exactly as given, the answer exactly as received. Standard library only."""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Sequence


def handshake(port: int, path: str, headers: Sequence[tuple[str, str]],
              timeout: float = 10) -> tuple[int, list[tuple[str, str]], bytes]:
    """Opens a handshake to 127.0.0.1:`port` with `headers` (Host, Origin …) added to the
    handshake's own lines. Returns the status, the response head's header lines and what
    followed the head: after a 101 the server's first frame (read whole), else the body
    (its Content-Length, or what came before the server closed)."""
    key = base64.b64encode(os.urandom(16)).decode()
    head = [f"GET {path} HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13", *(f"{n}: {v}" for n, v in headers), "", ""]
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall("\r\n".join(head).encode())
        while True:
            end = data.find(b"\r\n\r\n")
            if end >= 0 and _answer_complete(data[:end], data[end + 4:]):
                break
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    raw_head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = raw_head.decode("latin-1").split("\r\n")
    parsed = [(n.strip(), v.strip()) for n, _, v in (line.partition(":") for line in lines)]
    return int(status_line.split(" ")[1]), parsed, rest


def _answer_complete(head: bytes, rest: bytes) -> bool:
    """After a 101, whether the first frame is whole; else whether the body announced by
    Content-Length arrived (a server may keep the connection open)."""
    if head.startswith(b"HTTP/1.1 101"):
        return _frame_complete(rest)
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(rest) >= int(value.strip())
    return False


def _frame_complete(buf: bytes) -> bool:
    """Whether `buf` holds a whole unmasked frame with a payload under 126 bytes."""
    return len(buf) >= 2 and len(buf) >= 2 + (buf[1] & 0x7F)
