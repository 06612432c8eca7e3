"""Reading one HTTP/1.x answer off a connection, strictly and within limits.

The parser is small and strict on purpose: a status line that is not HTTP/1.x (HTTP/0.9 has
none), more than `MAX_HEADERS` header lines, a header line over `MAX_LINE` bytes, a malformed
chunk, a body shorter than its Content-Length or a chunked body without its last chunk are each
a `FetchError` with a sentence, never a traceback and never a half page taken for a whole one.
The size limit is checked against Content-Length before reading and on the bytes as they arrive,
and again on the unpacked size of a gzip or deflate body, so a small bomb cannot fill memory.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from tracker.net.connection import RECV_BYTES, Connection
from tracker.net.errors import FetchError, size_text

MAX_HEADERS = 100
MAX_LINE = 16384  # one header line; http.client allows 64 KiB, no real site needs that
MAX_HEAD_BYTES = 131072  # the status line and all headers together
MAX_INTERIM = 5  # 1xx answers before the real one
MAX_CHUNK_LINE = 4096

_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([1-9][0-9][0-9])(?:[ \t]([^\r\n]*))?\r?\n")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,15})[ \t]*(?:;[^\r\n]*)?\r?\n")
_FIELD_CONTROLS = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True)
class Head:
    """The status line and headers of an answer; names lower-case, values as sent."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        """The header's value; repeated headers joined with ", " as HTTP allows."""
        values = self.get_all(name)
        return ", ".join(values) if values else None

    def get_all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]


class Reader:
    """A buffer over a connection: lines with a length limit, and bytes as they arrive."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.url = connection.target.url
        self.buffer = bytearray()
        self.ended = False

    def _fill(self) -> bool:
        if self.ended:
            return False
        data = self.connection.recv(RECV_BYTES)
        if not data:
            self.ended = True
            return False
        self.buffer += data
        return True

    def starts(self, count: int) -> bytes:
        """The first `count` bytes not yet read (fewer at the end), without taking them."""
        while len(self.buffer) < count and self._fill():
            pass
        return bytes(self.buffer[:count])

    def line(self, limit: int, what: str) -> bytes | None:
        """One line with its line break; None at the end; a `FetchError` past `limit`."""
        searched = 0
        while True:
            end = self.buffer.find(b"\n", searched)
            if end >= 0:
                if end + 1 > limit:
                    break
                line = bytes(self.buffer[: end + 1])
                del self.buffer[: end + 1]
                return line
            searched = len(self.buffer)
            if searched > limit:
                break
            if not self._fill():
                if not self.buffer:
                    return None
                raise FetchError(
                    self.url,
                    f"the answer ends in the middle of {what} (truncated)",
                    kind="truncated",
                )
        raise FetchError(self.url, f"{what} is longer than {limit:,} bytes", kind="protocol")

    def some(self, limit: int) -> bytes:
        """Up to `limit` bytes: what is buffered, else what arrives next; b"" at the end."""
        if not self.buffer and not self._fill():
            return b""
        piece = bytes(self.buffer[:limit])
        del self.buffer[:limit]
        return piece


# --- the head -------------------------------------------------------------------------------


def read_head(reader: Reader) -> Head:
    """The status line and headers, skipping up to `MAX_INTERIM` 1xx answers."""
    for _ in range(MAX_INTERIM + 1):
        head = _read_one_head(reader)
        if head.status == 101:
            raise FetchError(
                reader.url, "the server switched protocols (HTTP 101)", kind="protocol"
            )
        if head.status >= 200:
            return head
    raise FetchError(reader.url, f"more than {MAX_INTERIM} interim (1xx) answers", kind="protocol")


def _read_one_head(reader: Reader) -> Head:
    start = reader.starts(5)
    if not start:
        raise FetchError(
            reader.url, "the server closed the connection without an answer", kind="protocol"
        )
    if not b"HTTP/".startswith(start[:5]) or len(start) < 5:
        raise FetchError(
            reader.url,
            "the answer has no HTTP/1 status line (an HTTP/0.9 server or another protocol)",
            kind="protocol",
        )
    line = reader.line(MAX_LINE, "the status line")
    match = _STATUS_LINE.fullmatch(line or b"")
    if match is None:
        raise FetchError(reader.url, f"bad status line {_shown(line or b'')}", kind="protocol")
    status = int(match.group(2))
    reason = _field_text(match.group(3) or b"")
    headers: list[tuple[str, str]] = []
    total = len(line or b"")
    while True:
        raw = reader.line(MAX_LINE, "a header line")
        if raw is None:
            raise FetchError(
                reader.url,
                "the answer ends in the middle of its headers (truncated)",
                kind="truncated",
            )
        total += len(raw)
        if total > MAX_HEAD_BYTES:
            raise FetchError(
                reader.url, f"the headers are longer than {MAX_HEAD_BYTES:,} bytes", kind="protocol"
            )
        raw = raw.rstrip(b"\r\n")
        if not raw:
            break
        if raw[:1] in (b" ", b"\t"):  # an obsolete folded continuation of the previous header
            if not headers:
                raise FetchError(reader.url, f"bad header line {_shown(raw)}", kind="protocol")
            name, value = headers[-1]
            folded = _field_text(raw.strip(b" \t"))
            headers[-1] = (name, f"{value} {folded}".strip())
            continue
        if len(headers) >= MAX_HEADERS:
            raise FetchError(
                reader.url, f"the answer has more than {MAX_HEADERS} header lines", kind="protocol"
            )
        name_bytes, colon, value_bytes = raw.partition(b":")
        if not colon or not _TOKEN.fullmatch(name_bytes):
            raise FetchError(reader.url, f"bad header line {_shown(raw)}", kind="protocol")
        headers.append((name_bytes.decode("ascii").lower(), _field_text(value_bytes.strip(b" \t"))))
    return Head(status=status, reason=reason, headers=tuple(headers))


def _field_text(value: bytes) -> str:
    """A header value as text: a stray control byte (a bare CR) becomes a space, as RFC 9110
    allows, so it can never be echoed into a later request as a line break."""
    return _FIELD_CONTROLS.sub(b" ", value).decode("latin-1")


def _shown(raw: bytes) -> str:
    from tracker.textclean import visible_controls

    text = visible_controls(raw.rstrip(b"\r\n")[:60].decode("latin-1"))
    return repr(text)


# --- the body -------------------------------------------------------------------------------


def read_body(reader: Reader, head: Head, max_bytes: int) -> bytes:
    """The body, unframed and unpacked, within `max_bytes` before and after unpacking."""
    if head.status in (204, 304):
        return b""
    url = reader.url
    decoder = Decoder(url, head.get("content-encoding"), max_bytes)
    received = 0
    for piece in _framed(reader, head, max_bytes):
        received += len(piece)
        if received > max_bytes:
            raise _too_large(url, max_bytes)
        decoder.feed(piece)
    return decoder.finish()


def _too_large(url: str, max_bytes: int) -> FetchError:
    return FetchError(
        url, f"the answer is larger than the {size_text(max_bytes)} limit", kind="too_large"
    )


def _framed(reader: Reader, head: Head, max_bytes: int) -> Iterator[bytes]:
    """The body's bytes as they arrive, framed by chunks, Content-Length or the connection end."""
    url = reader.url
    codings = [c.strip().lower() for c in (head.get("transfer-encoding") or "").split(",")]
    codings = [c for c in codings if c]
    if codings:
        if codings[-1] != "chunked" or any(c != "chunked" for c in codings):
            raise FetchError(
                url, f"unsupported transfer encoding {', '.join(codings)!r}", kind="protocol"
            )
        yield from _chunked(reader, max_bytes)
        return
    length = _content_length(url, head)
    if length is None:
        while piece := reader.some(RECV_BYTES):
            yield piece
        return
    if length > max_bytes:
        raise FetchError(
            url,
            f"the server announces {size_text(length)}, larger than the "
            f"{size_text(max_bytes)} limit",
            kind="too_large",
        )
    left = length
    while left:
        piece = reader.some(min(left, RECV_BYTES))
        if not piece:
            raise FetchError(
                url,
                f"the answer stops after {length - left:,} of its {length:,} bytes (truncated)",
                kind="truncated",
            )
        left -= len(piece)
        yield piece


def _content_length(url: str, head: Head) -> int | None:
    values = {v.strip() for value in head.get_all("content-length") for v in value.split(",")}
    if not values:
        return None
    if len(values) != 1 or not next(iter(values)).isdigit() or not next(iter(values)).isascii():
        raise FetchError(url, f"bad Content-Length {', '.join(sorted(values))!r}", kind="protocol")
    return int(next(iter(values)))


def _chunked(reader: Reader, max_bytes: int) -> Iterator[bytes]:
    url = reader.url
    total = 0
    while True:
        line = reader.line(MAX_CHUNK_LINE, "a chunk size line")
        if line is None:
            raise FetchError(
                url, "the chunked answer stops before its last chunk (truncated)", kind="truncated"
            )
        match = _CHUNK_SIZE.fullmatch(line)
        if match is None:
            raise FetchError(url, f"bad chunk size line {_shown(line)}", kind="protocol")
        size = int(match.group(1), 16)
        if size == 0:
            break
        total += size
        if total > max_bytes:
            raise _too_large(url, max_bytes)
        left = size
        while left:
            piece = reader.some(min(left, RECV_BYTES))
            if not piece:
                raise FetchError(
                    url, "the chunked answer stops inside a chunk (truncated)", kind="truncated"
                )
            left -= len(piece)
            yield piece
        end = reader.starts(2)
        if end in (b"", b"\r"):
            raise FetchError(
                url, "the chunked answer stops before its last chunk (truncated)", kind="truncated"
            )
        if end == b"\r\n" or end[:1] == b"\n":
            reader.some(2 if end == b"\r\n" else 1)
        else:
            raise FetchError(url, "a chunk is longer than its size line says", kind="protocol")
    # Trailer fields after the last chunk: read and dropped, within the header limits. A server
    # that closes right after the last chunk has sent the whole body.
    for _ in range(MAX_HEADERS + 1):
        trailer = reader.line(MAX_LINE, "a trailer line")
        if trailer is None or trailer in (b"\r\n", b"\n"):
            return
    raise FetchError(url, f"the answer has more than {MAX_HEADERS} trailer lines", kind="protocol")


# --- unpacking ------------------------------------------------------------------------------


class Decoder:
    """Unpacks a gzip or deflate body as it arrives, never past `max_bytes` of output."""

    def __init__(self, url: str, content_encoding: str | None, max_bytes: int) -> None:
        self.url = url
        self.max_bytes = max_bytes
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(
                url, f"unsupported content encoding {', '.join(codings)!r}", kind="protocol"
            )
        self.coding = codings[0] if codings else None
        self.parts: list[bytes] = []
        self.size = 0
        self.pending = b""  # deflate: the first bytes, until we know if a zlib header leads
        self.unpacker = None  # a zlib decompressor once the first bytes are in
        self.fed = False

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self.fed = True
        if self.coding is None:
            self._keep(data)
            return
        if self.unpacker is None:
            data = self.pending + data
            if self.coding == "deflate" and len(data) < 2:
                self.pending = data
                return
            self.pending = b""
            self.unpacker = zlib.decompressobj(self._wbits(data))
        self._unpack(data)

    def _wbits(self, head: bytes) -> int:
        if self.coding != "deflate":
            return 16 + zlib.MAX_WBITS
        # "deflate" should be zlib-wrapped; some servers send it raw.
        wrapped = head[0] & 0x0F == 8 and ((head[0] << 8) | head[1]) % 31 == 0
        return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS

    def _unpack(self, data: bytes) -> None:
        assert self.unpacker is not None
        try:
            while data:
                out = self.unpacker.decompress(data, self.max_bytes - self.size + 1)
                self._keep(out)
                data = self.unpacker.unconsumed_tail
                if self.unpacker.eof:
                    rest = self.unpacker.unused_data
                    if self.coding != "deflate" and rest[:2] == b"\x1f\x8b":
                        self.unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)  # next member
                        data = rest
                    else:
                        return  # padding after the stream: ignored, as gzip tools do
        except zlib.error as err:
            raise FetchError(
                self.url, f"the compressed answer is damaged ({err})", kind="protocol"
            ) from None

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise FetchError(
                self.url,
                f"the answer unpacks to more than the {size_text(self.max_bytes)} limit",
                kind="too_large",
            )
        self.parts.append(data)

    def finish(self) -> bytes:
        unfinished = self.unpacker is None or not self.unpacker.eof
        if self.coding is not None and self.fed and unfinished:
            raise FetchError(
                self.url, "the compressed answer is cut short (truncated)", kind="truncated"
            )
        return b"".join(self.parts)
