"""Malformed answers, from a raw socket server: each one clear FetchError, never a traceback."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.net.servers import http_server, raw_server, send
from tracker.errors import TrackerError
from tracker.net import FetchError, fetch

OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"


def get(url: str, **options):
    options.setdefault("timeout", 3)
    options.setdefault("max_bytes", 100_000)
    return fetch(url + "/page", **options)


def fails(answer: bytes, match: str, kind: str | None = None) -> FetchError:
    with raw_server(answer) as server, pytest.raises(FetchError, match=match) as caught:
        get(server.url)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(server.url + "/page: ")
    if kind:
        assert caught.value.kind == kind
    return caught.value


def test_a_fetch_error_is_a_tracker_error():
    assert issubclass(FetchError, TrackerError)


def test_a_well_formed_answer():
    with raw_server(OK_HEAD + b"Content-Length: 5\r\n\r\nhello") as server:
        response = get(server.url)
    assert (response.status, response.body, response.content_type) == (200, b"hello", "text/plain")
    assert response.url == server.url + "/page"
    request = server.requests[0].decode("latin-1")
    assert request.startswith("GET /page HTTP/1.1\r\n")
    assert f"\r\nHost: 127.0.0.1:{server.port}\r\n" in request
    assert "\r\nConnection: close\r\n" in request


def test_a_body_until_the_connection_closes():
    with raw_server(OK_HEAD + b"\r\nall of it") as server:
        assert get(server.url).body == b"all of it"


def test_more_than_100_headers():
    headers = b"".join(b"X-H%d: v\r\n" % n for n in range(101))
    fails(OK_HEAD + headers + b"\r\n", "more than 100 header lines", "protocol")


def test_a_64_kib_header_line():
    fails(
        OK_HEAD + b"X-Big: " + b"a" * 65536 + b"\r\n\r\n", "header line is longer than", "protocol"
    )


def test_headers_past_the_total_limit():
    headers = b"".join(b"X-H%d: %s\r\n" % (n, b"a" * 10_000) for n in range(20))
    fails(OK_HEAD + headers + b"\r\n", "headers are longer than", "protocol")


@pytest.mark.parametrize(
    "status_line",
    [
        b"HTTP/1.1 abc OK\r\n",
        b"HTTP/1.1 2000 OK\r\n",
        b"HTTP/1.1\r\n",
        b"HTTP/9.9 200 OK\r\n",
        b"HTTP/2 200\r\n",
        b"HTTP/1.1 099 Low\r\n",
    ],
)
def test_a_bad_status_line(status_line):
    fails(status_line + b"Content-Length: 0\r\n\r\n", "bad status line", "protocol")


def test_http_0_9_has_no_status_line():
    fails(b"<html><body>an HTTP/0.9 page</body></html>", "no HTTP/1 status line", "protocol")


def test_a_binary_answer_has_no_status_line():
    fails(b"\x00\x01\x02\x03\x04\x05" * 10_000, "no HTTP/1 status line", "protocol")


def test_no_answer_at_all():
    fails(b"", "closed the connection without an answer", "protocol")


def test_headers_cut_short():
    fails(OK_HEAD + b"Content-Length: 5\r\n", "in the middle of", "truncated")


@pytest.mark.parametrize(
    "line", [b"No colon here\r\n", b"Bad Name: x\r\n", b"Name : x\r\n", b" folded-first\r\n"]
)
def test_a_bad_header_line(line):
    fails(b"HTTP/1.1 200 OK\r\n" + line + b"\r\n", "bad header line", "protocol")


def test_a_folded_header_is_joined():
    with raw_server(OK_HEAD + b"X-Long: one\r\n two\r\nContent-Length: 2\r\n\r\nok") as server:
        assert get(server.url).headers["x-long"] == "one two"


def test_interim_answers_are_skipped():
    answer = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    with raw_server(answer + OK_HEAD + b"Content-Length: 2\r\n\r\nok") as server:
        assert get(server.url).body == b"ok"


def test_endless_interim_answers():
    fails(b"HTTP/1.1 100 Continue\r\n\r\n" * 10, "interim", "protocol")


def test_switching_protocols():
    fails(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", "switched protocols")


@pytest.mark.parametrize(
    "lengths",
    [
        b"Content-Length: abc\r\n",
        b"Content-Length: 5\r\nContent-Length: 6\r\n",
        b"Content-Length: -1\r\n",
        b"Content-Length: 5, 6\r\n",
    ],
)
def test_a_bad_content_length(lengths):
    fails(OK_HEAD + lengths + b"\r\nhello", "bad Content-Length", "protocol")


def test_repeated_equal_content_lengths_are_one():
    with raw_server(OK_HEAD + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello") as server:
        assert get(server.url).body == b"hello"


# --- chunked ------------------------------------------------------------------------------

CHUNKED = OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"


def test_a_chunked_body():
    body = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
    with raw_server(CHUNKED + body) as server:
        assert get(server.url).body == b"hello world"


def test_a_chunked_body_closed_after_its_last_chunk():
    with raw_server(CHUNKED + b"2\r\nok\r\n0\r\n") as server:
        assert get(server.url).body == b"ok"


@pytest.mark.parametrize(
    "chunks",
    [
        b"zz\r\nhello\r\n0\r\n\r\n",
        b"-5\r\nhello\r\n0\r\n\r\n",
        b"0x5\r\nhello\r\n0\r\n\r\n",
        b"\r\n",
        b"5 5\r\nhello\r\n",
    ],
)
def test_a_bad_chunk_size(chunks):
    fails(CHUNKED + chunks, "bad chunk size line", "protocol")


def test_an_endless_chunk_size_line():
    fails(CHUNKED + b"5" * 10_000, "chunk size line is longer than", "protocol")


def test_a_chunk_longer_than_its_size():
    fails(CHUNKED + b"2\r\nhello\r\n0\r\n\r\n", "longer than its size line says", "protocol")


@pytest.mark.parametrize(
    "chunks", [b"5\r\nhello\r\n", b"5\r\nhel", b"5\r\nhello", b"5\r\nhello\r", b""]
)
def test_a_chunked_body_cut_short(chunks):
    fails(CHUNKED + chunks, "truncated", "truncated")


def test_an_unknown_transfer_encoding():
    fails(
        OK_HEAD + b"Transfer-Encoding: gzip\r\n\r\nxx", "unsupported transfer encoding", "protocol"
    )


# --- what comes back ------------------------------------------------------------------------


def test_status_errors_name_the_status():
    with (
        http_server({"/gone": lambda h: send(h, 410)}) as base,
        pytest.raises(FetchError, match="HTTP 410 Gone") as caught,
    ):
        fetch(base + "/gone", timeout=3, max_bytes=1000)
    assert caught.value.status == 410 and caught.value.kind == "status"


def test_a_long_reason_phrase_is_cut():
    with (
        raw_server(b"HTTP/1.1 500 " + b"x" * 5000 + b"\r\nContent-Length: 0\r\n\r\n") as server,
        pytest.raises(FetchError) as caught,
    ):
        get(server.url)
    assert len(str(caught.value)) < 200


def test_a_control_character_in_a_header_is_a_space():
    answer = OK_HEAD + b'ETag: "a\rb\x1b[31m"\r\nContent-Length: 2\r\n\r\nok'
    with raw_server(answer) as server:
        response = get(server.url)
    assert response.etag == '"a b [31m"'


def test_content_type_and_charset():
    answer = b'HTTP/1.1 200 OK\r\nContent-Type: Text/HTML; Charset="Windows-1251"\r\nContent-Length: 2\r\n\r\nok'
    with raw_server(answer) as server:
        response = get(server.url)
    assert (response.content_type, response.charset) == ("text/html", "Windows-1251")


def test_no_content():
    with raw_server(b"HTTP/1.1 204 No Content\r\n\r\n") as server:
        response = get(server.url)
    assert (response.status, response.body) == (204, b"")


# --- anything at all ------------------------------------------------------------------------

answers = st.one_of(
    st.binary(max_size=400),
    st.builds(
        lambda head, rest: head + rest,
        st.sampled_from(
            [
                b"HTTP/1.1 200 OK\r\n",
                b"HTTP/1.1 302 Found\r\nLocation: ",
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b",
                b"HTTP/1.0 200 OK\r\nContent-Length: ",
            ]
        ),
        st.binary(max_size=300),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=answers)
def test_any_answer_gives_a_response_or_one_fetch_error(answer):
    with raw_server(answer) as server:
        try:
            response = fetch(server.url + "/page", timeout=2, max_bytes=10_000)
        except FetchError as err:
            assert "\n" not in str(err)
        else:
            assert response.status in range(200, 300) or response.not_modified
