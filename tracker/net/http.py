"""`fetch`: one GET that is safe to point at anything, with its redirects, as a `Response`.

What it guarantees, whatever the server does:
- only http and https, in the URL and in every redirect, and at most `MAX_REDIRECTS` of those,
  each refusal said as it is ("redirect to a file: URL refused", "redirect loop");
- no connection to a loopback, private, link-local, multicast, reserved or unspecified address
  unless it is the host the analyst typed (`user_given`), checked on the resolved address that
  is then connected to (the Host header and the TLS server name keep the name);
- one deadline for the whole exchange, redirects included, held against a server that
  trickles a byte a second; a size limit before, during and after unpacking;
- a body cut short (Content-Length or chunked) refused as truncated, not taken as the page;
- conditional requests (If-None-Match, If-Modified-Since), so a feed reader can ask
  "anything new?" and get `not_modified`;
- a cancel from another thread that stops the fetch at once;
- every failure one `FetchError` line naming the URL; never a traceback.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin

from tracker.net.addresses import Target, parse_target, resolve, scheme_of
from tracker.net.cancel import Deadline, is_cancelled
from tracker.net.connection import Connection
from tracker.net.errors import FetchError
from tracker.net.response import Head, Reader, read_body, read_head

USER_AGENT = "tracker/0.1 (+article import for policy analysis)"
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


@dataclass(frozen=True)
class Response:
    """A complete answer: a 2xx with its whole body, or a 304 (`not_modified`, no body)."""

    url: str  # the final URL, after redirects
    status: int
    body: bytes  # unpacked (gzip, deflate) and complete
    content_type: str  # the media type, lower-case ("text/html"); "" when not given
    charset: str | None  # the charset the Content-Type declares, as given
    not_modified: bool  # a 304: what the caller has is still current
    etag: str | None
    last_modified: str | None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    redirects: tuple[str, ...] = ()  # the URLs that redirected here, in order


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    accept: str = "*/*",
    etag: str | None = None,
    last_modified: str | None = None,
    user_given: bool = True,
    cancel: object | None = None,
    tls_context: ssl.SSLContext | None = None,
) -> Response:
    """GET `url` and its redirects within `timeout` seconds in all and `max_bytes` of body.

    `user_given` says the analyst typed this URL, so its own host may be a local or private
    address; a URL found in a page or a feed passes False. `cancel` is a `Cancel`, a
    `threading.Event` or a Textual worker: setting it stops the fetch. `etag` and
    `last_modified` are what an earlier `Response` gave, for a conditional request.
    """
    if timeout <= 0 or max_bytes <= 0:
        raise ValueError("timeout and max_bytes must be more than 0")
    deadline = Deadline(timeout)
    extra = _conditional_headers(url, accept, etag, last_modified)
    target = parse_target(url)
    trusted_host = target.host if user_given else None
    visited = [target.url]
    while True:
        redirect, response = _exchange(
            target,
            extra,
            trusted=target.host == trusted_host,
            redirected_from=visited[-2] if len(visited) > 1 else None,
            deadline=deadline,
            cancel=cancel,
            max_bytes=max_bytes,
            tls_context=tls_context,
        )
        if redirect is None:
            break
        target = _follow(target, redirect, visited)
        if target.host != trusted_host:
            trusted_host = None  # once the chain leaves the typed host, no way back to it
        visited.append(target.url)
    assert response is not None
    return replace(response, redirects=tuple(visited[:-1]))


def _conditional_headers(
    url: str, accept: str, etag: str | None, last_modified: str | None
) -> list[tuple[str, str]]:
    headers = [("Accept", accept)]
    if etag:
        headers.append(("If-None-Match", etag))
    if last_modified:
        headers.append(("If-Modified-Since", last_modified))
    for name, value in headers:
        if not _HEADER_VALUE.fullmatch(value):
            raise FetchError(url, f"the {name} value holds a control character", kind="url")
    return headers


def _exchange(
    target: Target,
    extra: list[tuple[str, str]],
    *,
    trusted: bool,
    redirected_from: str | None,
    deadline: Deadline,
    cancel: object | None,
    max_bytes: int,
    tls_context: ssl.SSLContext | None,
) -> tuple[Head | None, Response | None]:
    """One request on one connection: the head of a redirect to follow, or the final answer."""
    if is_cancelled(cancel):
        raise FetchError(target.url, "cancelled", kind="cancelled")
    endpoints = resolve(
        target,
        trusted=trusted,
        deadline=deadline,
        cancel=cancel,
        redirected_from=redirected_from,
    )
    connection = Connection(target, deadline, cancel)
    try:
        connection.open(endpoints, tls_context)
        connection.send_all(_request(target, extra))
        reader = Reader(connection)
        head = read_head(reader)
        if head.status in REDIRECTS and head.get("location") is not None:
            return head, None
        if head.status in REDIRECTS:
            raise FetchError(
                target.url, f"HTTP {head.status} redirect without a Location", kind="status"
            )
        if not (200 <= head.status < 300 or head.status == 304):
            reason = f" {head.reason[:80]}" if head.reason else ""
            raise FetchError(
                target.url,
                f"the server answered HTTP {head.status}{reason}",
                kind="status",
                status=head.status,
            )
        body = read_body(reader, head, max_bytes)
    finally:
        connection.close()
    return None, _response(target, head, body)


def _request(target: Target, extra: list[tuple[str, str]]) -> bytes:
    lines = [
        f"GET {target.request_target} HTTP/1.1",
        f"Host: {target.host_header}",
        f"User-Agent: {USER_AGENT}",
        *(f"{name}: {value}" for name, value in extra),
        "Accept-Encoding: gzip, deflate",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _follow(target: Target, head: Head, visited: list[str]) -> Target:
    """The next hop of a redirect, checked as strictly as the first URL."""
    raw = head.get_all("location")[-1]
    try:
        location = raw.encode("latin-1").decode("utf-8")  # servers send UTF-8 as bytes
    except UnicodeError:
        location = raw
    location = location.strip()
    if not location:
        raise FetchError(target.url, "redirect with an empty Location", kind="redirect")
    next_url = urljoin(target.url, location)
    scheme = scheme_of(next_url)
    if scheme not in ("http", "https"):
        what = f"a {scheme}: URL" if scheme else "an address without a scheme"
        raise FetchError(target.url, f"redirect to {what} refused", kind="redirect")
    if len(visited) > MAX_REDIRECTS:
        raise FetchError(
            target.url, f"too many redirects (more than {MAX_REDIRECTS})", kind="redirect"
        )
    try:
        hop = parse_target(next_url)
    except FetchError as err:
        raise FetchError(
            target.url, f"redirect to a URL that is refused: {err.what}", kind="redirect"
        ) from None
    if hop.url in visited:
        raise FetchError(target.url, f"redirect loop (back to {hop.url})", kind="redirect")
    return hop


def _response(target: Target, head: Head, body: bytes) -> Response:
    content_type = head.get_all("content-type")
    media, charset = _media_type(content_type[-1] if content_type else "")
    return Response(
        url=target.url,
        status=head.status,
        body=body,
        content_type=media,
        charset=charset,
        not_modified=head.status == 304,
        etag=head.get_all("etag")[-1] if head.get_all("etag") else None,
        last_modified=head.get_all("last-modified")[-1] if head.get_all("last-modified") else None,
        headers={name: head.get(name) or "" for name, _ in head.headers},
    )


def _media_type(value: str) -> tuple[str, str | None]:
    """("text/html", "utf-8") from "text/html; charset=UTF-8"; the charset as declared."""
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'") or None
    return media.strip().lower(), charset
