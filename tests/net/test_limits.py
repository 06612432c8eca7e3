"""The deadline, the size limit, truncation, unpacking and cancelling, against real servers."""

from __future__ import annotations

import gzip
import threading
import time
import zlib

import pytest

from tests.net.servers import hold_open, raw_server, trickle
from tracker.net import Cancel, FetchError, fetch

OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"


def get(url: str, **options):
    options.setdefault("timeout", 3)
    options.setdefault("max_bytes", 100_000)
    return fetch(url + "/page", **options)


# --- the deadline -------------------------------------------------------------------------


def test_a_body_trickled_a_byte_at_a_time_meets_the_deadline():
    head = OK_HEAD + b"Content-Length: 1000\r\n\r\n"
    with raw_server(trickle(head, every=0.05)) as server:
        started = time.monotonic()
        with pytest.raises(
            FetchError, match=r"no complete answer within 2 s \(timeout\)"
        ) as caught:
            get(server.url, timeout=2)
        took = time.monotonic() - started
    assert caught.value.kind == "timeout"
    assert 1.9 < took < 2.6


def test_headers_trickled_a_byte_at_a_time_meet_the_deadline():
    head = OK_HEAD + b"".join(b"X-H%d: v\r\n" % n for n in range(90))
    with raw_server(trickle(head, b"", every=0.05)) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match="timeout"):
            get(server.url, timeout=1)
        assert time.monotonic() - started < 1.6


def test_a_silent_server_meets_the_deadline():
    with raw_server(hold_open(b"")) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match="timeout"):
            get(server.url, timeout=0.5)
        assert time.monotonic() - started < 1.1


def test_a_slow_but_steady_answer_within_the_deadline():
    with raw_server(
        trickle(OK_HEAD + b"Content-Length: 5\r\n\r\n", b"hello", every=0.005)
    ) as server:
        assert get(server.url, timeout=3).body == b"hello"


# --- the size limit -----------------------------------------------------------------------


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    # The server announces 10 MB and then sends nothing: the refusal must not wait for it.
    with raw_server(hold_open(OK_HEAD + b"Content-Length: 10000000\r\n\r\n")) as server:
        started = time.monotonic()
        with pytest.raises(
            FetchError, match=r"announces 10\.0 MB, larger than the 0\.1 MB limit"
        ) as caught:
            get(server.url, timeout=3)
        assert time.monotonic() - started < 0.5
    assert caught.value.kind == "too_large"


def test_an_unannounced_body_over_the_limit():
    with (
        raw_server(OK_HEAD + b"\r\n" + b"x" * 300_000) as server,
        pytest.raises(FetchError, match=r"larger than the 0\.1 MB limit"),
    ):
        get(server.url)


def test_a_chunk_over_the_limit_is_refused_from_its_size_line():
    with raw_server(
        hold_open(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\nfffffff\r\n")
    ) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"larger than the 0\.1 MB limit"):
            get(server.url)
        assert time.monotonic() - started < 0.5


def test_a_body_at_the_limit_is_whole():
    body = b"y" * 100_000
    with raw_server(OK_HEAD + b"Content-Length: 100000\r\n\r\n" + body) as server:
        assert get(server.url).body == body


# --- truncation -----------------------------------------------------------------------------


def test_a_body_shorter_than_its_content_length_is_truncated():
    with (
        raw_server(OK_HEAD + b"Content-Length: 100000\r\n\r\n" + b"z" * 500) as server,
        pytest.raises(FetchError, match="stops after 500 of its 100,000 bytes") as caught,
    ):
        get(server.url)
    assert caught.value.kind == "truncated"


# --- unpacking ------------------------------------------------------------------------------


def encoded(body: bytes, coding: bytes) -> bytes:
    return (
        OK_HEAD
        + b"Content-Encoding: "
        + coding
        + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
        + body
    )


TEXT = b"The embassy reopened on Monday. " * 200


@pytest.mark.parametrize(
    ("packed", "coding"),
    [
        (gzip.compress(TEXT), b"gzip"),
        (gzip.compress(TEXT), b"x-gzip"),
        (gzip.compress(TEXT[:3000]) + gzip.compress(TEXT[3000:]), b"gzip"),  # two members
        (zlib.compress(TEXT), b"deflate"),
        (zlib.compress(TEXT)[2:-4], b"deflate"),  # raw deflate, as some servers send it
        (TEXT, b"identity"),
    ],
)
def test_packed_bodies_are_unpacked(packed, coding):
    with raw_server(encoded(packed, coding)) as server:
        assert get(server.url).body == TEXT
    assert b"Accept-Encoding: gzip, deflate\r\n" in server.requests[0]


def test_a_gzip_bomb_is_bounded():
    bomb = gzip.compress(b"\0" * 20_000_000, compresslevel=9)  # about 20 KB that unpack to 20 MB
    assert len(bomb) < 100_000
    with (
        raw_server(encoded(bomb, b"gzip")) as server,
        pytest.raises(FetchError, match=r"unpacks to more than the 1\.0 MB limit") as caught,
    ):
        get(server.url, max_bytes=1_000_000)
    assert caught.value.kind == "too_large"


def test_a_cut_gzip_body_is_truncated():
    packed = gzip.compress(TEXT)
    with (
        raw_server(encoded(packed[: len(packed) // 2], b"gzip")) as server,
        pytest.raises(FetchError, match="compressed answer is cut short"),
    ):
        get(server.url)


def test_a_damaged_gzip_body():
    with (
        raw_server(encoded(b"\x1f\x8b\x08\x00" + b"garbage!" * 20, b"gzip")) as server,
        pytest.raises(FetchError, match="compressed answer is damaged"),
    ):
        get(server.url)


def test_an_unknown_content_encoding():
    with (
        raw_server(encoded(b"xx", b"br")) as server,
        pytest.raises(FetchError, match="unsupported content encoding 'br'"),
    ):
        get(server.url)


# --- cancelling -----------------------------------------------------------------------------


def cancel_soon(switch, after: float = 0.3) -> None:
    flip = switch.cancel if hasattr(switch, "cancel") else switch.set
    threading.Timer(after, flip).start()


@pytest.mark.parametrize("make", [Cancel, threading.Event], ids=["Cancel", "Event"])
def test_a_cancel_from_another_thread_stops_a_slow_body(make):
    switch = make()
    with raw_server(trickle(OK_HEAD + b"Content-Length: 1000\r\n\r\n", every=0.05)) as server:
        started = time.monotonic()
        cancel_soon(switch)
        with pytest.raises(FetchError, match="cancelled") as caught:
            get(server.url, timeout=10, cancel=switch)
        assert time.monotonic() - started < 0.8
    assert caught.value.kind == "cancelled"


def test_a_cancel_wakes_a_wait_on_a_silent_server_at_once():
    switch = Cancel()
    with raw_server(hold_open(b"")) as server:
        cancel_soon(switch, after=0.2)
        started = time.monotonic()
        with pytest.raises(FetchError, match="cancelled"):
            get(server.url, timeout=10, cancel=switch)
        assert time.monotonic() - started < 0.5


def test_a_textual_style_worker_is_polled():
    class Worker:  # what a Textual worker offers: a flag set by worker.cancel()
        is_cancelled = False

    worker = Worker()
    threading.Timer(0.2, lambda: setattr(worker, "is_cancelled", True)).start()
    with raw_server(hold_open(b"")) as server, pytest.raises(FetchError, match="cancelled"):
        get(server.url, timeout=10, cancel=worker)


def test_a_cancel_before_the_fetch_stops_it_before_connecting():
    switch = Cancel()
    switch.cancel()
    with raw_server(OK_HEAD + b"\r\n") as server, pytest.raises(FetchError, match="cancelled"):
        get(server.url, cancel=switch)
    assert server.connections == 0
