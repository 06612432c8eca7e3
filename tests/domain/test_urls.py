"""URL identity for duplicate detection."""

from __future__ import annotations

import pytest

from tracker.domain.urls import normalize_url


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.Example.org/news/a/", "http://example.org/news/a"),
        ("https://example.org/a?utm_source=x&utm_medium=y", "https://example.org/a"),
        ("https://example.org/a?id=2&fbclid=abc#top", "https://example.org/a?id=2"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("  https://example.org/a  ", "https://example.org/a"),
    ],
)
def test_same(a, b):
    assert normalize_url(a) == normalize_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.org/a", "https://example.org/b"),
        ("https://example.org/a?id=1", "https://example.org/a?id=2"),
        ("https://example.org/a", "https://example.com/a"),
        ("https://example.org:8080/a", "https://example.org/a"),
    ],
)
def test_different(a, b):
    assert normalize_url(a) != normalize_url(b)
