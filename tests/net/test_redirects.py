"""Redirects: followed within limits, and refused by scheme and by address, each said as it is."""

from __future__ import annotations

import socket
import time

import pytest

from tests.net.servers import http_server, raw_server, send
from tracker.net import MAX_REDIRECTS, FetchError, fetch

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


def redirect_to(location: str, status: int = 302) -> bytes:
    return f"HTTP/1.1 {status} Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()


def get(url: str, **options):
    options.setdefault("timeout", 3)
    options.setdefault("max_bytes", 100_000)
    return fetch(url, **options)


def refused(location: str, match: str, kind: str = "redirect") -> FetchError:
    with (
        raw_server(redirect_to(location)) as server,
        pytest.raises(FetchError, match=match) as caught,
    ):
        get(server.url + "/start")
    assert caught.value.kind == kind, caught.value
    assert "\n" not in str(caught.value)
    return caught.value


@pytest.fixture
def listener():
    """A port that records whether anything connects to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.setblocking(False)
    yield sock
    sock.close()


def nobody_connected(sock: socket.socket) -> bool:
    time.sleep(0.05)
    try:
        sock.accept()[0].close()
    except BlockingIOError:
        return True
    return False


def hop_to(location: str):
    return lambda handler: send(handler, 302, Location=location)


# --- followed -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_followed(status):
    routes = {
        "/old": lambda h: send(h, status, Location="/new"),
        "/new": lambda h: send(h, 200, b"here"),
    }
    with http_server(routes) as base:
        response = get(base + "/old")
    assert (response.body, response.url, response.redirects) == (
        b"here",
        base + "/new",
        (base + "/old",),
    )


def test_a_redirect_to_another_port_of_the_typed_host():
    with raw_server(OK) as target, raw_server(redirect_to(target.url + "/b")) as start:
        assert get(start.url + "/a").url == target.url + "/b"


def test_a_redirect_chain_at_the_limit():
    routes = {f"/r{n}": hop_to(f"/r{n + 1}") for n in range(MAX_REDIRECTS)}
    routes[f"/r{MAX_REDIRECTS}"] = lambda h: send(h, 200, b"end")
    with http_server(routes) as base:
        assert get(base + "/r0").body == b"end"


def test_too_many_redirects():
    routes = {f"/r{n}": hop_to(f"/r{n + 1}") for n in range(20)}
    with (
        http_server(routes) as base,
        pytest.raises(
            FetchError, match=f"too many redirects \\(more than {MAX_REDIRECTS}\\)"
        ) as caught,
    ):
        get(base + "/r0")
    assert caught.value.kind == "redirect"


@pytest.mark.parametrize("path", ["/self", "/a"])
def test_a_redirect_loop(path):
    routes = {
        "/self": lambda h: send(h, 302, Location="/self"),
        "/a": lambda h: send(h, 302, Location="/b"),
        "/b": lambda h: send(h, 301, Location="/a"),
    }
    with http_server(routes) as base, pytest.raises(FetchError, match="redirect loop") as caught:
        get(base + path)
    assert "too many" not in str(caught.value)


def test_a_redirect_without_a_location():
    with (
        raw_server(b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n") as server,
        pytest.raises(FetchError, match="redirect without a Location"),
    ):
        get(server.url + "/x")


def test_an_empty_location():
    refused("", "empty Location")


def test_a_non_ascii_location_is_escaped():
    location = "/новости?q=минск".encode()
    answer = b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n"
    answers = iter([answer, OK])
    with raw_server(lambda conn, request: conn.sendall(next(answers))) as server:
        response = get(server.url + "/x")
    assert (
        response.url
        == server.url
        + "/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8?q=%D0%BC%D0%B8%D0%BD%D1%81%D0%BA"
    )
    assert server.requests[1].startswith(b"GET /%D0%BD%D0%BE")


# --- refused by scheme ----------------------------------------------------------------------


def test_a_redirect_to_ftp_is_refused_without_connecting(listener):
    port = listener.getsockname()[1]
    refused(f"ftp://127.0.0.1:{port}/file", "redirect to a ftp: URL refused")
    assert nobody_connected(listener)


@pytest.mark.parametrize(
    ("location", "scheme"),
    [
        ("file:///etc/passwd", "file"),
        ("data:text/html,<h1>hi</h1>", "data"),
        ("javascript:alert(1)", "javascript"),
        ("gopher://127.0.0.1:70/", "gopher"),
        ("mailto:a@example.org", "mailto"),
        ("FILE:///etc/passwd", "file"),
    ],
)
def test_a_redirect_to_another_scheme_is_refused_by_name(location, scheme):
    error = refused(location, f"redirect to a {scheme}: URL refused")
    assert "loop" not in str(error)


def test_a_redirect_to_a_url_that_cannot_be_fetched():
    refused("http://user:secret@127.0.0.1/", "user name or password")


# --- refused by address ---------------------------------------------------------------------


def test_a_redirect_from_127_0_0_1_to_127_0_0_2_is_refused():
    with raw_server(OK, host="127.0.0.2") as other:
        refused(
            other.url + "/", r"redirect to 127.0.0.2 refused: it is a loopback address", "blocked"
        )
    assert other.connections == 0


def test_a_redirect_from_localhost_to_127_0_0_1_is_refused():
    # The analyst typed "localhost": that host is theirs, another spelling of it is not.
    with (
        raw_server(OK) as target,
        raw_server(redirect_to(target.url + "/")) as start,
        pytest.raises(FetchError, match=r"redirect to 127\.0\.0\.1 refused") as caught,
    ):
        get(f"http://localhost:{start.port}/x")
    assert caught.value.kind == "blocked" and target.connections == 0


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("10.0.0.5", "a private address"),
        ("192.168.1.1", "a private address"),
        ("172.16.0.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("100.64.0.1", "a non-public address"),
        ("240.0.0.1", "a reserved address"),
        ("[::1]", "a loopback address"),
        ("[::ffff:127.0.0.1]", "a loopback address"),
        ("[::ffff:10.0.0.1]", "a private address"),
        ("[2002:7f00:1::]", "a loopback address"),
        ("[fe80::1]", "a link-local address"),
        ("[fc00::1]", "a private address"),
        ("[ff02::1]", "a multicast address"),
        ("[::]", "an unspecified address"),
        ("2130706433", "a loopback address"),  # 127.0.0.1 as one number
        ("0x7f.1", "a loopback address"),
        ("localhost", "a loopback address"),
    ],
)
def test_a_redirect_to_a_non_public_address_is_refused(host, why):
    refused(f"http://{host}:9/admin", f"refused: it is {why}", "blocked")


def test_a_url_not_typed_by_the_analyst_may_not_be_local():
    with (
        raw_server(OK) as server,
        pytest.raises(
            FetchError, match=r"is a loopback address .* only public addresses"
        ) as caught,
    ):
        get(server.url + "/feed-link", user_given=False)
    assert caught.value.kind == "blocked" and server.connections == 0


def test_ipv6_loopback_typed_by_the_analyst():
    try:
        server_context = raw_server(OK, host="::1")
        server = server_context.__enter__()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        response = get(server.url + "/page")
        assert response.body == b"ok"
        assert f"Host: [::1]:{server.port}\r\n".encode() in server.requests[0]
    finally:
        server_context.__exit__(None, None, None)


def test_ipv6_loopback_to_ipv4_loopback_is_refused():
    with raw_server(OK) as target:
        try:
            context = raw_server(redirect_to(target.url + "/"), host="::1")
            start = context.__enter__()
        except OSError:
            pytest.skip("no IPv6 loopback here")
        try:
            with pytest.raises(FetchError, match=r"redirect to 127\.0\.0\.1 refused"):
                get(start.url + "/x")
        finally:
            context.__exit__(None, None, None)
    assert target.connections == 0
