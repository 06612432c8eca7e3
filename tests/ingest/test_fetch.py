"""Fetching a URL, against a local HTTP server: every failure is one clear IngestError.

Also the two other ways hostile input reaches import: a charset a page declares (decoded
without ever raising) and a local path (read bounded, so a device or a FIFO cannot hang it).
The network client itself is tested in `tests/net/`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.net.servers import raw_server
from tracker.errors import TrackerError
from tracker.ingest import IngestError, extract_file, fetch_url
from tracker.ingest.extract import decode_bytes
from tracker.net import Cancel

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
        elif path == "/meta-undefined":
            self.send(200, CP1251.replace(b"windows-1251", b"undefined"), "text/html")
        elif path == "/meta-punycode":
            self.send(
                200, ARTICLE.replace(b"<head>", b'<head><meta charset="punycode">'), "text/html"
            )
        elif path == "/header-base64":
            self.send(200, ARTICLE, "text/html; charset=base64")
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
        ("/loop-a", "redirect loop"),
        ("/huge", "0.1 MB"),
        ("/huge-unannounced", "larger than the 0.1 MB limit"),
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


def test_an_import_error_is_a_tracker_error():
    assert issubclass(IngestError, TrackerError)


# --- hostile answers reach the analyst as one line ----------------------------------------


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"<p>cut</p>" * 50, "truncated"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n<html><body>hi</\r\n",
            "truncated",
        ),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", "bad chunk size line"),
        (b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 101 + b"\r\n", "more than 100 header lines"),
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n", "header line is longer"),
        (b"HTTP/1.1 OK\r\n\r\n", "bad status line"),
        (b"<html><body>HTTP/0.9</body></html>", "no HTTP/1 status line"),
        (
            b"HTTP/1.1 302 Found\r\nLocation: ftp://127.0.0.1/x\r\n\r\n",
            "redirect to a ftp: URL refused",
        ),
        (
            b"HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\n\r\n",
            "redirect to a file: URL refused",
        ),
        (
            b"HTTP/1.1 302 Found\r\nLocation: http://10.0.0.1/\r\n\r\n",
            "redirect to 10.0.0.1 refused",
        ),
        (
            b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.2/\r\n\r\n",
            "redirect to 127.0.0.2 refused",
        ),
    ],
)
def test_hostile_answers_are_one_clear_import_error(answer, message):
    with raw_server(answer) as server, pytest.raises(IngestError, match=message) as caught:
        fetch_url(server.url + "/article", timeout=3)
    assert "\n" not in str(caught.value)


def test_a_trickling_server_meets_the_whole_timeout():
    def trickle(conn, request):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n")
        for _ in range(100):
            conn.sendall(b"x")
            time.sleep(0.05)

    with raw_server(trickle) as server:
        started = time.monotonic()
        with pytest.raises(IngestError, match="timeout"):
            fetch_url(server.url + "/article", timeout=1)
        assert time.monotonic() - started < 1.6


def test_fetch_url_passes_the_cancel_on():
    switch = Cancel()

    def silent(conn, request):
        time.sleep(5)

    with raw_server(silent) as server:
        threading.Timer(0.2, switch.cancel).start()
        started = time.monotonic()
        with pytest.raises(IngestError, match="cancelled"):
            fetch_url(server.url + "/article", timeout=10, cancel=switch)
        assert time.monotonic() - started < 0.6


def test_fetch_url_of_a_link_found_elsewhere_must_be_public(server):
    with pytest.raises(IngestError, match="only public addresses"):
        fetch_url(f"{server}/article", user_given=False)


# --- charsets a page declares -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/meta-undefined", "/meta-punycode", "/header-base64"])
def test_a_declared_charset_that_is_no_text_encoding_is_ignored(server, path):
    article = fetch_url(server + path)
    assert any("declared charset" in note and "ignored" in note for note in article.notes)
    if path == "/meta-undefined":
        assert "наращивать экспорт белорусских товаров" in article.text  # the guess was right
    else:
        assert "Consular services abroad are cut." in article.text


@pytest.mark.parametrize(
    "charset",
    [
        "undefined",
        "punycode",
        "idna",
        "rot13",
        "rot_13",
        "base64",
        "zip",
        "hex",
        "bz2",
        "uu",
        "quopri",
        "unicode_escape",
        "raw_unicode_escape",
        "utf-7",
        "no-such-codec",
        "utf-8\x00",
        "x" * 500,
        "",
        "  ",
        "../../etc/passwd",
    ],
)
def test_decode_bytes_never_raises(charset):
    text = "Посольство в Минске; the embassy in Minsk. \\u0041 +ADw-script+AD4-"
    html = f'<html><head><meta charset="{charset}"></head><body>{text}</body></html>'.encode()
    decoded = decode_bytes(html, declared=charset, html=True)
    assert text in decoded  # UTF-8, read as UTF-8: no escapes run, no UTF-7 shifts taken
    notes: list[str] = []
    decode_bytes(html, declared=charset, html=True, notes=notes)
    if charset.strip():
        assert notes and "ignored" in notes[0]


def test_a_real_charset_is_still_used():
    notes: list[str] = []
    assert decode_bytes("Привет".encode("cp1251"), declared="windows-1251", notes=notes) == "Привет"
    assert notes == []


def test_a_meta_utf_16_on_ascii_bytes_is_read_as_utf_8():
    html = '<html><head><meta charset="utf-16"></head><body>Минск</body></html>'.encode()
    assert "Минск" in decode_bytes(html, html=True)


def test_undecodable_bytes_become_replacement_characters():
    assert isinstance(decode_bytes(bytes(range(256)) * 10, declared="undefined"), str)


# --- local files: bounded reads -----------------------------------------------------------


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_at_once(device):
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    started = time.monotonic()
    with pytest.raises(IngestError, match="not a regular file"):
        extract_file(Path(device))
    assert time.monotonic() - started < 0.5


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    import os

    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "article.txt"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(IngestError, match="not a regular file"):
        extract_file(fifo)
    assert time.monotonic() - started < 0.5


def test_a_huge_file_is_refused_before_reading(tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:  # sparse: 10 GB on paper, nothing on disk
        handle.truncate(10_000_000_000)
    started = time.monotonic()
    with pytest.raises(IngestError, match=r"10\.0 GB|limited to"):
        extract_file(huge)
    assert time.monotonic() - started < 0.5


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(IngestError, match="folder"):
        extract_file(tmp_path)


def test_an_import_error_names_a_redirect_hop_but_not_the_url_given():
    def answer(conn, request):
        if request.startswith(b"GET /start "):
            conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n")
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9000\r\n\r\nshort")

    with raw_server(answer) as server:
        with pytest.raises(IngestError) as direct:
            fetch_url(server.url + "/next", timeout=3)
        with pytest.raises(IngestError) as via:
            fetch_url(server.url + "/start", timeout=3)
    assert str(direct.value).startswith("the answer stops after 5 of its 9,000 bytes")
    assert str(via.value).startswith(server.url + "/next: the answer stops after 5")
