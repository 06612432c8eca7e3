"""The one error a fetch raises: a line naming the URL and what happened, never a traceback.

Whatever goes wrong below (a refused address, a malformed answer, a timeout, a TLS failure, a
codec error) ends here, so the command line and the workbench show one sentence and a feed
reader can tell a timeout from a missing page by `kind` without parsing the sentence.
"""

from __future__ import annotations

from typing import Literal

from tracker.errors import TrackerError

FailureKind = Literal[
    "url",  # the address itself is not one we fetch (scheme, host, port, characters)
    "blocked",  # the host is a private, loopback or otherwise non-public address
    "redirect",  # a redirect was refused: its scheme, a loop, too many
    "dns",  # the host name does not resolve
    "connect",  # no connection (refused, unreachable, reset)
    "tls",  # the TLS handshake or certificate failed
    "protocol",  # the answer is not well-formed HTTP/1.x
    "status",  # the server answered with an error status
    "too_large",  # the answer is over the size limit, before or after unpacking
    "truncated",  # the answer ended before its declared end
    "timeout",  # no complete answer within the deadline
    "cancelled",  # the caller asked to stop
]

MAX_SHOWN_URL = 200


def shown_url(url: str) -> str:
    """A URL as it may appear in a one-line message: controls (line breaks too) made visible,
    an endless one shortened."""
    from tracker.textclean import visible_controls

    text = visible_controls(url).replace("\n", "\\x0a").replace("\t", "\\x09")
    return text if len(text) <= MAX_SHOWN_URL else text[: MAX_SHOWN_URL - 1] + "…"


class FetchError(TrackerError):
    """A fetch that did not give a usable answer; `kind` says which way it failed."""

    def __init__(
        self, url: str, what: str, *, kind: FailureKind, status: int | None = None
    ) -> None:
        self.url = url
        self.what = what
        self.kind: FailureKind = kind
        self.status = status
        super().__init__(f"{shown_url(url)}: {what}")


def size_text(count: int) -> str:
    """A byte count as an analyst reads it: 0.1 MB, 5.0 MB, or plain bytes when small."""
    if count >= 100_000:
        return f"{count / 1e6:.1f} MB"
    return f"{count:,} bytes"
