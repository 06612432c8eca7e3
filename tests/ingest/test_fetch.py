"""Fetching a URL, against a local HTTP server: every failure is one clear IngestError."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tracker.ingest import IngestError, fetch_url

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLE = (FIXTURES / "article.html").read_bytes()
CP1251 = (FIXTURES / "cp1251.html").read_bytes()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/article":
            self.send(200, ARTICLE, "text/html; charset=utf-8")
        elif path == "/cp1251-header":
            self.send(200, CP1251, "text/html; charset=windows-1251")
        elif path == "/cp1251-meta":
            self.send(200, CP1251, "text/html")
        elif path == "/plain":
            body = (
                b"Embassy reopens in Minsk\n\nThe United States reopened its embassy in "
                b"Minsk on Monday, the State Department said in a statement."
            )
            self.send(200, body, "text/plain; charset=utf-8")
        elif path == "/missing":
            self.send(404, b"<html><body>Not here</body></html>", "text/html")
        elif path == "/error":
            self.send(500, b"oops", "text/plain")
        elif path == "/pdf":
            self.send(200, b"%PDF-1.4\n" + bytes(range(256)), "application/pdf")
        elif path == "/image":
            self.send(200, b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
        elif path == "/pdf-as-html":
            self.send(200, b"%PDF-1.4\n" + bytes(range(256)), "text/html")
        elif path == "/loop-a":
            self.send(302, b"", "text/html", Location="/loop-b")
        elif path == "/loop-b":
            self.send(302, b"", "text/html", Location="/loop-a")
        elif path == "/redirect":
            self.send(301, b"", "text/html", Location="/article")
        elif path == "/slow":
            time.sleep(1.5)
            self.send(200, ARTICLE, "text/html")
        elif path == "/huge":
            self.send(200, b"<html><body>" + b"x" * 200_000 + b"</body></html>", "text/html")
        elif path == "/huge-unannounced":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"<p>" + b"y" * 10_000 + b"</p>")
        elif path == "/empty":
            self.send(200, b"", "text/html")
        elif path == "/front-page":
            self.send(200, (FIXTURES / "no-article.html").read_bytes(), "text/html")
        else:
            self.send(404, b"", "text/plain")


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # the client hung up on purpose (size limit, timeout): not an error here


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_html_page(server):
    article = fetch_url(f"{server}/article?utm_source=x")
    assert article.title == "Belarus stops embassies issuing passports"
    assert article.source_kind == "url"
    assert article.url.startswith(server)
    assert "Consular services abroad are cut." in article.text


def test_fetch_follows_a_redirect(server):
    article = fetch_url(f"{server}/redirect")
    assert article.url == f"{server}/article"


def test_fetch_plain_text(server):
    article = fetch_url(f"{server}/plain")
    assert article.title == "Embassy reopens in Minsk"
    assert article.url == f"{server}/plain"


@pytest.mark.parametrize("path", ["/cp1251-header", "/cp1251-meta"])
def test_fetch_windows_1251(server, path):
    article = fetch_url(server + path)
    assert "наращивать экспорт белорусских товаров" in article.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "HTTP 404"),
        ("/error", "HTTP 500"),
        ("/pdf", "a PDF, not a web page"),
        ("/image", "image/png content, not a web page"),
        ("/pdf-as-html", "PDF"),
        ("/loop-a", "redirects in a loop"),
        ("/huge", "0.1 MB"),
        ("/huge-unannounced", "larger than 0.1 MB"),
        ("/empty", "empty"),
        ("/front-page", "no article text"),
    ],
)
def test_fetch_failures_are_one_clear_line(server, path, message):
    with pytest.raises(IngestError, match=message) as caught:
        fetch_url(server + path, max_bytes=100_000)
    assert "\n" not in str(caught.value)


def test_slow_server_times_out(server):
    started = time.monotonic()
    with pytest.raises(IngestError, match="timeout"):
        fetch_url(f"{server}/slow", timeout=0.3)
    assert time.monotonic() - started < 1.4


def test_refused_connection():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(IngestError, match=r"refused|cannot connect"):
        fetch_url(f"http://127.0.0.1:{port}/x", timeout=2)


def test_unknown_host_no_network():
    # .invalid never resolves (RFC 2606): the same path as having no network at all.
    with pytest.raises(IngestError, match=r"cannot find the host|cannot connect"):
        fetch_url("http://no-such-host.invalid/article", timeout=2)


@pytest.mark.parametrize("url", ["ftp://example.org/a", "file:///etc/passwd", "http://", "x"])
def test_only_http_urls(url):
    with pytest.raises(IngestError, match="not an http"):
        fetch_url(url)
