"""Which URLs are fetched and how they are taken apart; which addresses are public."""

from __future__ import annotations

import ipaddress

import pytest

from tracker.net import FetchError, fetch
from tracker.net.addresses import parse_target, refusal


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("ftp://example.org/a", r"not an http\(s\) address \(ftp: URLs are not fetched\)"),
        ("file:///etc/passwd", r"\(file: URLs are not fetched\)"),
        ("javascript:alert(1)", r"\(javascript: URLs are not fetched\)"),
        ("example.org/a", r"no scheme"),
        ("http://", "no host"),
        ("http:///path", "no host"),
        ("http://example.org:99999/", "not a valid http"),
        ("http://example.org:0/", "port must be from 1 to 65535"),
        ("http://example.org:port/", "not a valid http"),
        ("http://[::1/", "not a valid http"),
        ("http://user:pw@example.org/", "user name or password"),
        ("http://example.org@10.0.0.1/", "user name or password"),
        ("http://exa mple.org/", "host name is not valid"),
        ("http://exa$mple.org/", "host name is not valid"),
        ("http://" + "a" * 64 + ".org/", "host name is not valid"),
        ("http://example.org/\x00", "control character"),
        ("http://example.org/a\r\nX-Injected: 1", "control character"),
        ("http://example.org/" + "a" * 9000, "longer than 8,192 characters"),
    ],
)
def test_urls_that_are_not_fetched(url, match):
    with pytest.raises(FetchError, match=match) as caught:
        parse_target(url)
    assert caught.value.kind == "url" and "\n" not in str(caught.value)


def test_a_refused_url_is_refused_by_fetch_too():
    with pytest.raises(FetchError, match="ftp: URLs are not fetched"):
        fetch("ftp://127.0.0.1/", timeout=1, max_bytes=10)


def test_a_url_taken_apart():
    target = parse_target("  HTTPS://News.Example.ORG/a b/é?q=мир&x=1#section  ")
    assert target.scheme == "https" and target.tls
    assert (target.host, target.port) == ("news.example.org", 443)
    assert target.request_target == "/a%20b/%C3%A9?q=%D0%BC%D0%B8%D1%80&x=1"
    assert target.host_header == "news.example.org"
    assert target.url == "https://news.example.org/a%20b/%C3%A9?q=%D0%BC%D0%B8%D1%80&x=1"


def test_escapes_already_in_a_url_are_kept():
    assert parse_target("http://example.org/a%20b?q=%D0%BC").request_target == "/a%20b?q=%D0%BC"


def test_an_international_host_name_goes_out_as_idna():
    target = parse_target("http://пример.бел:8080")
    assert target.host == "xn--e1afmkfd.xn--90ais"
    assert target.host_header == "xn--e1afmkfd.xn--90ais:8080"
    assert target.request_target == "/"


def test_ipv6_hosts_keep_their_brackets_in_the_host_header():
    target = parse_target("http://[::1]:8000/x")
    assert (target.host, target.host_header) == ("::1", "[::1]:8000")


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001:82b::200e"],
)
def test_public_addresses(address):
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("255.255.255.255", "reserved"),
        ("198.18.0.1", "private"),  # benchmarking
        ("192.0.2.1", "private"),  # documentation
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:192.168.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("2002:a00:1::", "private"),  # 6to4 wrapping 10.0.0.1
        ("64:ff9b::7f00:1", "reserved"),  # NAT64 of 127.0.0.1
        ("::7f00:1", "reserved"),  # IPv4-compatible 127.0.0.1
        ("fe80::1", "link-local"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "private"),  # documentation
    ],
)
def test_non_public_addresses(address, why):
    assert why in (refusal(ipaddress.ip_address(address)) or "")
