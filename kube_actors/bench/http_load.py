"""Why: a load generator that leaves the apiserver the CPU it is measured on. The benchmark
machine has 2 cores, shared by the server and its clients; aiohttp's client spends about five
times the CPU per request of this one (measured: 0.22 ms against 0.04 ms per pod create), CPU
taken from the server under test, which a C load generator (wrk, h2load) would not take.

One ``HttpConnection`` is one keep-alive HTTP/1.1 connection on asyncio's protocols, one request
at a time, its answer read by ``Content-Length`` (the apiserver gives one to every answer that
is not a stream). Nothing here knows about Kubernetes; ``apiserver`` says what to send.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

HEADER_END = b"\r\n\r\n"


class HttpConnection(asyncio.Protocol):
    def __init__(self, host: str) -> None:
        self.host = host
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        self._status = 0
        self._body_at = 0  # where the body of the answer being read starts; 0 before its head
        self._body_end = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self._answer is None or self._answer.done():
            return
        try:
            if not self._body_at and not self._read_head():
                return
        except (ValueError, IndexError) as error:  # not an HTTP answer this client can read
            self._answer.set_exception(ValueError(f"an unreadable answer: {error}"))
            return
        if len(self._buffer) >= self._body_end:
            body = bytes(self._buffer[self._body_at : self._body_end])
            del self._buffer[: self._body_end]
            self._body_at = 0
            self._answer.set_result((self._status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(ConnectionError(f"the server closed the connection ({exc})"))

    def request(self, method: str, path: str, body: bytes = b"") -> asyncio.Future[tuple[int, bytes]]:
        """Send a request with a JSON body; its answer's status code and body, when it comes."""
        assert self._transport is not None and (self._answer is None or self._answer.done())
        self._answer = asyncio.get_running_loop().create_future()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self._transport.write(head.encode() + body)
        return self._answer

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def _read_head(self) -> bool:
        """Parse the answer's status line and headers once they have all come; False if not yet."""
        end = self._buffer.find(HEADER_END)
        if end < 0:
            return False
        status_line, *headers = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        self._status = int(status_line.split(" ", 2)[1])
        length = None
        for header in headers:
            name, _, value = header.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            raise ValueError(f"without Content-Length ({status_line}): streams are not read here")
        self._body_at = end + len(HEADER_END)
        self._body_end = self._body_at + length
        return True


async def connect(url: str) -> HttpConnection:
    """A connection to the server at ``url`` (``http://host:port``)."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    loop = asyncio.get_running_loop()
    _, connection = await loop.create_connection(
        lambda: HttpConnection(parts.netloc), parts.hostname, parts.port
    )
    return connection
