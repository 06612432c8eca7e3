"""Which addresses a fetch may reach: the URL's parts checked, the host's addresses checked.

An imported page or a feed comes from anywhere, and so do its redirects. A server that answers
"go to http://127.0.0.1:8080/admin" or "go to http://10.0.0.5/" would otherwise make the
analyst's machine reach into their own network. So only http and https are fetched, and a host
whose address is loopback, private, link-local, multicast, reserved or unspecified is refused,
unless it is the host the analyst typed themselves (a local test server, an intranet page).
The check is made on the addresses the name resolves to, and the connection goes to a checked
address, so a name cannot resolve to one address for the check and another for the connect.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from tracker.net.cancel import POLL_SECONDS, Deadline, is_cancelled
from tracker.net.errors import FetchError

SCHEMES = {"http": 80, "https": 443}
MAX_URL_CHARS = 8192
_HOST_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TARGET_SAFE = "!$&'()*+,/:;=?@~%"  # kept as they are in a request target; the rest is escaped

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """One URL taken apart for a request: where to connect and what to ask for."""

    url: str  # normalised: lower-case scheme and host, IDNA host, escaped path, no fragment
    scheme: str
    host: str  # lower-case, ASCII (IDNA), an IPv6 address without its brackets
    port: int
    request_target: str  # the path and query as sent on the request line
    host_header: str  # the host as the Host header spells it, with a port when not default

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


def scheme_of(url: str) -> str:
    """The URL's scheme, lower-case, or "" when it has none."""
    match = re.match(r"\s*([A-Za-z][A-Za-z0-9+.-]*):", url)
    return match.group(1).lower() if match else ""


def parse_target(url: str) -> Target:
    """Check a URL and take it apart; a URL we do not fetch is a `FetchError` saying why."""
    url = url.strip(" \t\r\n\f")
    if len(url) > MAX_URL_CHARS:
        raise FetchError(url, f"the URL is longer than {MAX_URL_CHARS:,} characters", kind="url")
    if _CONTROL.search(url):
        raise FetchError(url, "the URL holds a control character", kind="url")
    scheme = scheme_of(url)
    if scheme not in SCHEMES:
        what = f"{scheme}: URLs are not fetched" if scheme else "no scheme"
        raise FetchError(url, f"not an http(s) address ({what})", kind="url")
    try:
        parts = urlsplit(url)
        port = parts.port
        raw_host = parts.hostname
    except ValueError as err:
        raise FetchError(url, f"not a valid http(s) address ({err})", kind="url") from None
    if not raw_host:
        raise FetchError(url, "not an http(s) address (no host)", kind="url")
    if parts.username is not None or parts.password is not None:
        raise FetchError(url, "a user name or password in the URL is not supported", kind="url")
    if port is None:
        port = SCHEMES[scheme]
    elif port == 0:
        raise FetchError(url, "the port must be from 1 to 65535", kind="url")
    host = _ascii_host(url, raw_host)
    target = quote(parts.path or "/", safe=_TARGET_SAFE)
    if parts.query or url.split("#", 1)[0].endswith("?"):
        target += "?" + quote(parts.query, safe=_TARGET_SAFE)
    if not target.startswith("/"):
        target = "/" + target
    shown_host = f"[{host}]" if ":" in host else host
    host_header = shown_host if port == SCHEMES[scheme] else f"{shown_host}:{port}"
    return Target(
        url=f"{scheme}://{host_header}{target}",
        scheme=scheme,
        host=host,
        port=port,
        request_target=target,
        host_header=host_header,
    )


def _ascii_host(url: str, host: str) -> str:
    """The host as DNS and the Host header want it: an IP address, or an IDNA-encoded name."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise FetchError(url, "the host name is not valid", kind="url") from None
    labels = ascii_host.removesuffix(".").split(".")
    if len(ascii_host) > 253 or not all(_HOST_NAME.fullmatch(label) for label in labels):
        raise FetchError(url, "the host name is not valid", kind="url")
    return ascii_host


# --- addresses ------------------------------------------------------------------------------


def refusal(address: IpAddress) -> str | None:
    """Why a connection to `address` is refused ("a loopback address"), or None if public.

    An IPv6 address that carries an IPv4 one (IPv4-mapped ::ffff:a.b.c.d, 6to4 2002::/16) is
    judged by the IPv4 address it leads to.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return refusal(embedded)
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "a non-public address"),
    )
    return next((why for hit, why in checks if hit), None)


@dataclass(frozen=True)
class Endpoint:
    """One checked address to connect to."""

    family: int
    sockaddr: tuple
    address: IpAddress


def resolve(
    target: Target,
    *,
    trusted: bool,
    deadline: Deadline,
    cancel: object | None,
    redirected_from: str | None,
) -> list[Endpoint]:
    """The addresses to connect to for `target`, each checked; refused ones are left out.

    `trusted` is true for the host the analyst typed: then a local or private address is
    allowed. When every address is refused, the error names the first and why (and, for a
    redirect, the URL that redirected there).
    """
    found = _getaddrinfo(target, deadline, cancel)
    allowed: list[Endpoint] = []
    refused: list[tuple[IpAddress, str]] = []
    for family, sockaddr in found:
        try:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        except ValueError:
            continue
        why = None if trusted else refusal(address)
        if why is None:
            allowed.append(Endpoint(family, sockaddr, address))
        else:
            refused.append((address, why))
    if allowed:
        return allowed
    if refused:
        address, why = refused[0]
        if redirected_from is not None:
            what = f"redirect to {target.host} refused: it is {why} ({address})"
            raise FetchError(redirected_from, what, kind="blocked")
        what = (
            f"{target.host} is {why} ({address}); only public addresses are fetched "
            "unless you give that address yourself"
        )
        raise FetchError(target.url, what, kind="blocked")
    raise FetchError(target.url, f"cannot find the host {target.host}", kind="dns")


def _getaddrinfo(
    target: Target, deadline: Deadline, cancel: object | None
) -> list[tuple[int, tuple]]:
    """Resolve in a helper thread, so the deadline and a cancel hold during a slow lookup too."""
    try:
        literal = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    if literal is not None:
        if isinstance(literal, ipaddress.IPv6Address):
            return [(socket.AF_INET6, (target.host, target.port, 0, 0))]
        return [(socket.AF_INET, (target.host, target.port))]

    outcome: list = []
    done = threading.Event()

    def lookup() -> None:
        try:
            outcome.append(
                socket.getaddrinfo(
                    target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
                )
            )
        except (OSError, UnicodeError) as err:
            outcome.append(err)
        finally:
            done.set()

    threading.Thread(target=lookup, name="tracker-dns", daemon=True).start()
    while not done.wait(min(POLL_SECONDS, max(deadline.left(), 0))):
        if is_cancelled(cancel):
            raise FetchError(target.url, "cancelled", kind="cancelled")
        if deadline.left() <= 0:
            raise FetchError(
                target.url,
                f"no complete answer within {deadline.seconds:g} s (timeout looking up "
                f"{target.host})",
                kind="timeout",
            )
    result = outcome[0]
    if isinstance(result, Exception):
        raise FetchError(
            target.url,
            f"cannot find the host {target.host} (no network, or a misspelled address)",
            kind="dns",
        )
    return [
        (family, sockaddr)
        for family, _type, _proto, _name, sockaddr in result
        if family in (socket.AF_INET, socket.AF_INET6)
    ]
