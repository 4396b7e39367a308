"""Real servers on loopback ephemeral ports, always shut down, and a raw HTTP client."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import uvicorn


@contextmanager
def serve_asgi(app: Any, ws: str = "auto") -> Iterator[int]:
    """Serves `app` with uvicorn (h11; WebSocket protocol `ws`: "auto" is the `websockets`
    library, "none" serves upgrade requests as plain HTTP) on 127.0.0.1; yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, http="h11", ws=ws, lifespan="off", log_level="error", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive(), "uvicorn exited during startup"
            assert time.monotonic() < deadline, "uvicorn did not start in 20 s"
            time.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not shut down"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextmanager
def serve_wsgi(app: Any, threaded: bool = False) -> Iterator[int]:
    """Serves `app` with the stdlib's wsgiref server on 127.0.0.1; yields the port."""
    server_class = _ThreadingWSGIServer if threaded else WSGIServer
    server = make_server("127.0.0.1", 0, app, server_class=server_class, handler_class=_QuietHandler)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(20)
        assert not thread.is_alive(), "wsgiref server did not shut down"


class Client:
    """HTTP/1.1 over one kept-alive connection, with raw control of header lines."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)

    def request(
        self, method: str, path: str, headers: Sequence[Sequence[str]]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        for attempt in (1, 2):
            try:
                # The request's own Host line when it has one (cross-origin protection
                # compares it with the Origin), else http.client's.
                skip_host = any(name.lower() == "host" for name, _ in headers)
                self.conn.putrequest(method, path, skip_host=skip_host, skip_accept_encoding=True)
                for name, value in headers:
                    # Non-ASCII goes on the wire as its UTF-8 bytes, as the vectors say.
                    self.conn.putheader(name, value.encode("utf-8"))
                self.conn.endheaders()
                resp = self.conn.getresponse()
                body = resp.read()
                if resp.will_close:
                    self.conn.close()
                return resp.status, resp.getheaders(), body
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def request_http10(
    port: int, method: str, path: str, headers: Sequence[Sequence[str]]
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One HTTP/1.0 exchange on a connection of its own, with exactly the header lines
    given: no ``Host`` line unless `headers` has one (RFC 9112 requires one of HTTP/1.1
    requests only)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers)
        sock.sendall(f"{method} {path} HTTP/1.0\r\n{head}\r\n".encode())
        resp = http.client.HTTPResponse(sock, method=method)
        resp.begin()
        body = resp.read()
        return resp.status, resp.getheaders(), body


def swap_under_load(
    port: int,
    origins: Sequence[str],
    swap: Callable[[], None],
    seconds: float,
    lines: Sequence[tuple[str, str]] = (),
) -> tuple[dict[str, int], list[str]]:
    """Hot reload under load: one thread per entry of `origins` sends ``GET /x`` with
    that ``Origin`` (and `lines`) on a kept-alive connection while `swap()` is called
    every 10 ms for `seconds`. Returns how many answers allowed each origin, and the
    problems: a status other than 200, an ``Access-Control-Allow-Origin`` other than none
    or the request's own origin (an answer mixing two policies), an exception."""
    errors: list[str] = []
    counts = dict.fromkeys(origins, 0)
    lock = threading.Lock()
    stop = threading.Event()

    def hammer(origin: str) -> None:
        c = Client(port)
        try:
            while not stop.is_set():
                status, headers, _ = c.request("GET", "/x", [*lines, ("Origin", origin)])
                acao = [v for n, v in headers if n.lower() == "access-control-allow-origin"]
                with lock:
                    if status != 200 or acao not in ([], [origin]):
                        errors.append(f"{status} {acao}")
                    elif acao:
                        counts[origin] += 1
        except Exception as e:  # noqa: BLE001 - reported to the caller
            errors.append(repr(e))
        finally:
            c.close()

    threads = [threading.Thread(target=hammer, args=(o,)) for o in origins]
    for t in threads:
        t.start()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            swap()
            time.sleep(0.01)
    finally:
        stop.set()
        for t in threads:
            t.join(20)
    return counts, errors
