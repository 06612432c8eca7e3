"""Local servers for the network tests: a raw socket server that answers whatever bytes a test
scripts (malformed, slow, cut short), and an `http.server` for well-formed answers."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

Script = Callable[[socket.socket, bytes], None]


class RawServer:
    """Accepts connections and runs `script(conn, request)` for each, in its own thread.

    `requests` keeps every request's head as received, so a test can see what the client sent
    (or that it never connected at all).
    """

    def __init__(
        self,
        script: Script,
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
        *,
        wait_for_request: bool = True,
    ) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, 0))
        self.listener.listen(16)
        self.host = host
        self.port = self.listener.getsockname()[1]
        self.script = script
        self.tls = tls
        self.wait_for_request = wait_for_request
        self.requests: list[bytes] = []
        self.connections = 0
        self.finished = threading.Event()  # set when a script returns or fails
        self._open: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}"

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            request = b""
            while self.wait_for_request and b"\r\n\r\n" not in request:
                data = conn.recv(4096)
                if not data:
                    break
                request += data
            self.requests.append(request)
            self.script(conn, request)
        except OSError:
            pass  # the client hung up on purpose (a limit, a timeout, a cancel, a bad certificate)
        finally:
            self.finished.set()
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        self._stop = True
        with contextlib.suppress(OSError):
            self.listener.close()
        for conn in self._open:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                conn.close()


@contextlib.contextmanager
def raw_server(
    script: Script | bytes,
    host: str = "127.0.0.1",
    tls: ssl.SSLContext | None = None,
    *,
    wait_for_request: bool = True,
) -> Iterator[RawServer]:
    """A raw server for one test; `script` may be the bytes to send before closing."""
    if isinstance(script, bytes):
        answer = script

        def script(conn: socket.socket, request: bytes) -> None:
            conn.sendall(answer)

    server = RawServer(script, host, tls, wait_for_request=wait_for_request)
    try:
        yield server
    finally:
        server.close()


def trickle(head: bytes, body: bytes = b"x" * 1000, every: float = 0.2) -> Script:
    """Send `head` then `body` a byte at a time: a server no single read ever times out on."""

    def script(conn: socket.socket, request: bytes) -> None:
        for index in range(len(head) + len(body)):
            conn.sendall((head + body)[index : index + 1])
            time.sleep(every)

    return script


def hold_open(answer: bytes, seconds: float = 5) -> Script:
    """Send `answer`, then keep the connection open without a word."""

    def script(conn: socket.socket, request: bytes) -> None:
        conn.sendall(answer)
        time.sleep(seconds)

    return script


Route = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes: ClassVar[dict[str, Route]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404)
            return
        route(self)


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


@contextlib.contextmanager
def http_server(routes: dict[str, Route], host: str = "127.0.0.1") -> Iterator[str]:
    """A real `http.server` answering `routes` (path → handler); yields its base URL."""
    handler = type("Handler", (_Handler,), {"routes": routes})
    server_class = (
        type("Server", (_Quiet,), {"address_family": socket.AF_INET6}) if ":" in host else _Quiet
    )
    httpd = server_class((host, 0), handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    try:
        yield f"http://{shown}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    """Answer with `status`, `headers` (underscores become dashes) and `body`."""
    handler.send_response(status)
    headers.setdefault("Content_Type", "text/plain; charset=utf-8")
    for key, value in headers.items():
        handler.send_header(key.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
