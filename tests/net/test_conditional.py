"""Conditional requests: a feed reader asks "anything new?" and a 304 says no."""

from __future__ import annotations

import pytest

from tests.net.servers import http_server, send
from tracker.net import FetchError, fetch

ETAG = '"v1"'
STAMP = "Wed, 01 Jan 2025 10:00:00 GMT"


def feed(handler) -> None:
    if handler.headers.get("If-None-Match") == ETAG:
        send(handler, 304, ETag=ETAG)
    elif handler.headers.get("If-Modified-Since") == STAMP:
        send(handler, 304, Last_Modified=STAMP)
    else:
        send(
            handler,
            200,
            b"<rss>items</rss>",
            Content_Type="application/rss+xml",
            ETag=ETAG,
            Last_Modified=STAMP,
        )


@pytest.fixture(scope="module")
def base():
    with http_server({"/feed": feed}) as url:
        yield url


def test_a_first_fetch_gives_the_validators(base):
    response = fetch(base + "/feed", timeout=3, max_bytes=10_000, accept="application/rss+xml")
    assert (response.status, response.not_modified) == (200, False)
    assert (response.etag, response.last_modified) == (ETAG, STAMP)
    assert response.body == b"<rss>items</rss>"
    assert response.content_type == "application/rss+xml"


def test_the_same_etag_gives_not_modified(base):
    response = fetch(base + "/feed", timeout=3, max_bytes=10_000, etag=ETAG)
    assert (response.status, response.not_modified, response.body) == (304, True, b"")
    assert response.etag == ETAG


def test_the_same_date_gives_not_modified(base):
    response = fetch(base + "/feed", timeout=3, max_bytes=10_000, last_modified=STAMP)
    assert response.not_modified and response.last_modified == STAMP


def test_a_changed_etag_gives_the_body(base):
    response = fetch(base + "/feed", timeout=3, max_bytes=10_000, etag='"v0"')
    assert not response.not_modified and response.body == b"<rss>items</rss>"


@pytest.mark.parametrize("bad", ['"v1"\r\nX-Injected: 1', '"v1"\n', "\x00"])
def test_a_validator_cannot_inject_a_header(base, bad):
    with pytest.raises(FetchError, match="If-None-Match value holds a control character"):
        fetch(base + "/feed", timeout=3, max_bytes=10_000, etag=bad)
