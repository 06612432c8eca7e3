"""One TCP (and TLS) connection whose every wait respects the deadline and the cancel.

The socket stays non-blocking and each wait is a `select` of at most `POLL_SECONDS`, after
which the deadline and the cancel are looked at again. A per-operation socket timeout is not
enough: a server that sends one byte a second never lets a single read time out, so a
"15 s" fetch could last for hours. Here the deadline is the end of the whole exchange.
"""

from __future__ import annotations

import errno
import selectors
import socket
import ssl
from contextlib import suppress

from tracker.net.addresses import Endpoint, Target
from tracker.net.cancel import POLL_SECONDS, Cancel, Deadline, is_cancelled
from tracker.net.errors import FetchError

RECV_BYTES = 65536


class Connection:
    """A connected socket to one checked address, for one request and its answer."""

    def __init__(self, target: Target, deadline: Deadline, cancel: object | None) -> None:
        self.target = target
        self.deadline = deadline
        self.cancel = cancel
        self.sock: socket.socket | None = None
        self._selector = selectors.DefaultSelector()

    # --- opening ----------------------------------------------------------------------------

    def open(self, endpoints: list[Endpoint], tls_context: ssl.SSLContext | None) -> None:
        """Connect to the first endpoint that answers, then shake hands for https."""
        last: OSError | None = None
        for index, endpoint in enumerate(endpoints):
            # Every address but the last gets half the time left, so one dead address (an
            # IPv6 route that goes nowhere) does not take the whole deadline.
            share = None if index == len(endpoints) - 1 else self.deadline.left() / 2
            try:
                self._connect(endpoint, share)
                break
            except OSError as err:
                self._drop_socket()
                last = err
        else:
            raise self.failure(last or OSError("no address to connect to"))
        if self.target.tls:
            self._handshake(tls_context or ssl.create_default_context())

    def _connect(self, endpoint: Endpoint, share: float | None) -> None:
        sock = socket.socket(endpoint.family, socket.SOCK_STREAM)
        sock.setblocking(False)
        self._adopt(sock)
        code = sock.connect_ex(endpoint.sockaddr)
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
            raise OSError(code, _strerror(code))
        if code != 0:
            if not self._wait(selectors.EVENT_WRITE, share=share):
                raise TimeoutError(errno.ETIMEDOUT, "connection attempt timed out")
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, _strerror(code))

    def _handshake(self, context: ssl.SSLContext) -> None:
        assert self.sock is not None
        plain = self.sock
        self._selector.unregister(plain)
        if isinstance(self.cancel, Cancel):
            self.cancel.unwatch(plain)
        try:
            wrapped = context.wrap_socket(
                plain, server_hostname=self.target.host, do_handshake_on_connect=False
            )
        except (OSError, ValueError) as err:
            raise self.failure(err) from None
        self.sock = None
        self._adopt(wrapped)
        while True:
            try:
                wrapped.do_handshake()
                return
            except ssl.SSLWantReadError:
                self._wait(selectors.EVENT_READ)
            except ssl.SSLWantWriteError:
                self._wait(selectors.EVENT_WRITE)
            except (OSError, ValueError) as err:
                raise self.failure(err) from None

    def _adopt(self, sock: socket.socket) -> None:
        """Make `sock` the connection's socket: waited on, and shut by a `Cancel`."""
        self.sock = sock
        self._selector.register(sock, selectors.EVENT_READ)
        if isinstance(self.cancel, Cancel):
            self.cancel.watch(sock)

    def _drop_socket(self) -> None:
        if self.sock is not None:
            with suppress(KeyError, ValueError):
                self._selector.unregister(self.sock)
            if isinstance(self.cancel, Cancel):
                self.cancel.unwatch(self.sock)
            self.sock.close()
            self.sock = None

    def close(self) -> None:
        self._drop_socket()
        self._selector.close()

    # --- waiting, sending, receiving --------------------------------------------------------

    def check(self) -> None:
        """Stop here if the caller cancelled or the deadline has passed."""
        if is_cancelled(self.cancel):
            raise FetchError(self.target.url, "cancelled", kind="cancelled")
        if self.deadline.left() <= 0:
            raise self.timeout()

    def timeout(self) -> FetchError:
        return FetchError(
            self.target.url,
            f"no complete answer within {self.deadline.seconds:g} s (timeout)",
            kind="timeout",
        )

    def _wait(self, events: int, *, share: float | None = None) -> bool:
        """Wait until the socket is ready for `events`; False when `share` seconds ran out."""
        assert self.sock is not None
        self._selector.modify(self.sock, events)
        waited = 0.0
        while True:
            self.check()
            slice_ = min(POLL_SECONDS, self.deadline.left())
            if share is not None:
                if waited >= share:
                    return False
                slice_ = min(slice_, share - waited)
            if self._selector.select(max(slice_, 0)):
                return True
            waited += max(slice_, 0)

    def send_all(self, data: bytes) -> None:
        assert self.sock is not None
        view = memoryview(data)
        while view:
            self.check()
            try:
                sent = self.sock.send(view)
            except (ssl.SSLWantWriteError, BlockingIOError, InterruptedError):
                self._wait(selectors.EVENT_WRITE)
                continue
            except ssl.SSLWantReadError:
                self._wait(selectors.EVENT_READ)
                continue
            except (OSError, ValueError) as err:
                raise self.failure(err) from None
            view = view[sent:]

    def recv(self, limit: int = RECV_BYTES) -> bytes:
        """The next bytes the server sent (b"" at its end), within the deadline."""
        assert self.sock is not None
        while True:
            self.check()
            try:
                data = self.sock.recv(limit)
            except (ssl.SSLWantReadError, BlockingIOError, InterruptedError):
                self._wait(selectors.EVENT_READ)
                continue
            except ssl.SSLWantWriteError:
                self._wait(selectors.EVENT_WRITE)
                continue
            except (OSError, ValueError) as err:
                self.check()  # a cancel shuts the socket: report the cancel, not the reset
                raise self.failure(err) from None
            if not data:
                self.check()
            return data

    # --- errors -----------------------------------------------------------------------------

    def failure(self, err: BaseException) -> FetchError:
        """A socket or TLS failure as one sentence about this URL."""
        url = self.target.url
        host = self.target.host
        if isinstance(err, ssl.SSLCertVerificationError):
            why = err.verify_message or err.reason or "not trusted"
            return FetchError(url, f"the TLS certificate is not valid ({why})", kind="tls")
        if isinstance(err, ssl.SSLError):
            why = err.reason or str(err)
            return FetchError(url, f"the TLS connection failed ({why})", kind="tls")
        if isinstance(err, TimeoutError):
            return self.timeout()
        if isinstance(err, ConnectionRefusedError):
            return FetchError(url, f"{host} refused the connection", kind="connect")
        if isinstance(err, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
            return FetchError(url, f"{host} closed the connection", kind="connect")
        why = err.strerror if isinstance(err, OSError) and err.strerror else type(err).__name__
        return FetchError(url, f"cannot connect to {host} ({why})", kind="connect")


def _strerror(code: int) -> str:
    import os

    return os.strerror(code)
