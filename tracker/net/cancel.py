"""Stopping a fetch from another thread, and the deadline every step of a fetch shares.

A workbench that is closed, or an analyst who presses Escape, must not wait for a slow server.
`Cancel.cancel()` shuts the open socket at once (a blocked wait wakes up with nothing to read);
a plain `threading.Event` or a Textual worker (`is_cancelled`) is polled between short waits
instead, so it stops the fetch within `POLL_SECONDS`.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import suppress

POLL_SECONDS = 0.1  # the longest a wait blocks before it looks at the deadline and the cancel


class Cancel:
    """A cancel switch for one or more fetches: `cancel()` from any thread stops them."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()

    def cancel(self) -> None:
        """Mark every fetch using this switch as cancelled and shut its connection now."""
        self._event.set()
        # Under the lock: a fetch unwatches its socket before closing it, so no socket shut
        # here can have been closed (and its descriptor number reused) in the meantime.
        with self._lock:
            for sock in self._sockets:
                shut(sock)

    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def watch(self, sock: socket.socket) -> None:
        """From now on a `cancel()` shuts `sock` (at once if it was cancelled already)."""
        with self._lock:
            self._sockets.add(sock)
            if self._event.is_set():
                shut(sock)

    def unwatch(self, sock: socket.socket) -> None:
        """Forget `sock`; call it before closing the socket."""
        with self._lock:
            self._sockets.discard(sock)


def shut(sock: socket.socket) -> None:
    """Shut a socket's connection both ways without closing its descriptor.

    Another thread may be waiting on it: shutting wakes that wait (it reads an end of stream),
    whereas closing the descriptor could let the number be reused under the waiting thread. The
    base class's method is called so a TLS socket is shut at the TCP level, not unwrapped.
    """
    with suppress(OSError):  # already closed or never connected: nothing left to stop
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def is_cancelled(cancel: object | None) -> bool:
    """Whether the caller's cancel signal is on, whatever form it takes."""
    if cancel is None:
        return False
    is_set = getattr(cancel, "is_set", None)
    if callable(is_set):
        return bool(is_set())
    return bool(getattr(cancel, "is_cancelled", False))


class Deadline:
    """The one point in time by which the whole answer must be in: connect, headers and body."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        return self.ends - time.monotonic()
