"""The benchmark's lean HTTP client reads answers however the bytes are cut, keeps its connection
for the next request, and refuses answers it cannot delimit rather than hang."""

from __future__ import annotations

import asyncio

import pytest

from kube_actors.bench.http_load import connect


async def serve(answers: list[list[bytes]]) -> tuple[asyncio.Server, list[bytes]]:
    """A server that answers each request on a connection with the next answer, sent in the
    given pieces, and keeps what it was sent."""
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for pieces in answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            received.append(head + await reader.readexactly(length))
            for piece in pieces:
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(0)
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0), received


async def test_answers_in_pieces_on_one_kept_connection() -> None:
    created = b'{"kind":"Pod"}'
    answers = [
        [
            b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Len",
            b"gth: 14\r\n\r",
            b"\n" + created,
        ],
        [b"HTTP/1.1 409 Conflict\r\ncontent-length: 2\r\n\r\n{}"],
    ]
    server, received = await serve(answers)
    async with server:
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        connection = await connect(url)
        assert await connection.request("POST", "/api/v1/namespaces/a/pods", b'{"a":1}') == (201, created)
        assert await connection.request("POST", "/api/v1/namespaces/a/pods", b"{}") == (409, b"{}")
        connection.close()
    assert received[0].startswith(b"POST /api/v1/namespaces/a/pods HTTP/1.1\r\nHost: 127.0.0.1:")
    assert received[0].endswith(b'Content-Length: 7\r\n\r\n{"a":1}')


async def test_a_stream_or_a_closed_connection_is_an_error_not_a_hang() -> None:
    server, _ = await serve([[b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"]])
    async with server:
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        connection = await connect(url)
        with pytest.raises(ValueError, match="without Content-Length"):
            await asyncio.wait_for(connection.request("GET", "/watch"), 5)
        connection.close()
    server, _ = await serve([[b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"]])
    async with server:
        connection = await connect(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(connection.request("GET", "/short"), 5)
        connection.close()
