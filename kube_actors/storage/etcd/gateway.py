"""Why: the one place that speaks HTTP to etcd, through its v3 JSON gateway, over aiohttp.

Endpoints are tried in order, starting from the last one that answered. A request that could
not even connect moves on to the next endpoint; one that failed after being sent does too
only if it is idempotent (reads, keepalives, compaction), since a write may have been applied.
etcd's error answers come back as ``Refusal`` values (see ``wire``); every aiohttp or JSON
failure becomes a ``StorageError``, so aiohttp's exceptions never leave this module.

Watches hold their HTTP response open: ``stream`` hands it over as a ``GatewayStream`` of
decoded messages, split on newlines by hand because aiohttp's ``readline`` refuses lines over
its read buffer's limit (hundreds of KiB), and one watch batch can carry many 1.5 MiB values.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import structlog

from kube_actors.storage.base import StorageError
from kube_actors.storage.etcd.wire import Body, Refusal, refusal_from

log = structlog.get_logger(__name__)

JSON_HEADERS = {"Content-Type": "application/json"}


class GatewayStream:
    """An open streaming response: decoded ``result`` objects, or a ``Refusal``, until it ends."""

    def __init__(self, endpoint: str, response: aiohttp.ClientResponse) -> None:
        self.endpoint = endpoint
        self._response = response

    async def __aenter__(self) -> GatewayStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._response.close()

    async def messages(self) -> AsyncIterator[Body | Refusal]:
        """One message per line (the gateway ends each with a newline)."""
        partial: list[bytes] = []  # pieces of a line not yet complete
        try:
            async for chunk in self._response.content.iter_any():
                *ends, rest = chunk.split(b"\n")
                for end in ends:
                    line = b"".join([*partial, end])
                    partial = []
                    if line.strip():
                        yield _decode_message(self.endpoint, line, self._response.status)
                if rest:
                    partial.append(rest)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise StorageError(f"stream from etcd at {self.endpoint} broke: {exc!r}") from exc
        line = b"".join(partial)
        if line.strip():
            yield _decode_message(self.endpoint, line, self._response.status)


class Gateway:
    def __init__(self, endpoints: list[str], *, request_timeout: float) -> None:
        if not endpoints:
            raise StorageError("no etcd endpoints given")
        self.endpoints = [endpoint.rstrip("/") for endpoint in endpoints]
        self._timeout = request_timeout
        self._session: aiohttp.ClientSession | None = None
        self._current = 0

    async def open(self) -> None:
        if self._session is not None:
            return
        # No connection limit: every watch holds one connection for as long as it runs.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=self._timeout),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def version(self) -> tuple[str, str]:
        """The first endpoint that answers ``/version``, and the etcd server version it reports."""
        endpoint, status, text = await self._exchange("GET", "/version", None, idempotent=True)
        body = _decode(endpoint, text)
        version = body.get("etcdserver")
        if status != 200 or not isinstance(version, str):
            raise StorageError(f"etcd at {endpoint} answered /version with HTTP {status}: {text[:200]!r}")
        return endpoint, version

    async def call(self, path: str, body: Body, *, idempotent: bool = False) -> Body | Refusal:
        """One unary request; a streaming endpoint's single ``result`` is unwrapped."""
        payload = json.dumps(body).encode()
        endpoint, status, text = await self._exchange("POST", path, payload, idempotent=idempotent)
        return _decode_message(endpoint, text, status)

    async def stream(self, path: str, body: Body) -> GatewayStream | Refusal:
        """Open a streaming request (a read: any endpoint may serve it); the caller must close
        the stream it gets."""
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self._timeout)
        payload = json.dumps(body).encode()
        causes: list[str] = []
        for endpoint in self._rotation():
            try:
                response = await self._client().post(
                    endpoint + path, data=io.BytesIO(payload), headers=JSON_HEADERS, timeout=timeout
                )
            except (aiohttp.ClientError, TimeoutError) as exc:  # opening a watch is a read: retry
                causes.append(self._unreachable(endpoint, path, exc))
                continue
            self._prefer(endpoint)
            if response.status == 200:
                return GatewayStream(endpoint, response)
            async with response:
                return _refusal(endpoint, await _read(endpoint, response), response.status)
        raise _all_unreachable(path, causes)

    async def _exchange(
        self, method: str, path: str, payload: bytes | None, *, idempotent: bool
    ) -> tuple[str, int, bytes]:
        causes: list[str] = []
        for endpoint in self._rotation():
            try:
                # A stream, which aiohttp sends in chunks: a large bytes body would block the loop.
                data = None if payload is None else io.BytesIO(payload)
                async with self._client().request(
                    method, endpoint + path, data=data, headers=JSON_HEADERS
                ) as response:
                    text = await response.read()
            except aiohttp.ClientConnectorError as exc:
                causes.append(self._unreachable(endpoint, path, exc))
                continue
            except (aiohttp.ClientError, TimeoutError) as exc:
                if not idempotent:
                    raise StorageError(f"etcd at {endpoint} failed {path}: {exc!r}") from exc
                causes.append(self._unreachable(endpoint, path, exc))
                continue
            self._prefer(endpoint)
            return endpoint, response.status, text
        raise _all_unreachable(path, causes)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            raise StorageError(f"the etcd backend for {', '.join(self.endpoints)} is not started or closed")
        return self._session

    def _rotation(self) -> list[str]:
        return self.endpoints[self._current :] + self.endpoints[: self._current]

    def _prefer(self, endpoint: str) -> None:
        self._current = self.endpoints.index(endpoint)

    def _unreachable(self, endpoint: str, path: str, exc: BaseException) -> str:
        cause = str(exc) or repr(exc)
        log.warning("etcd_endpoint_failed", endpoint=endpoint, path=path, error=cause)
        return f"{endpoint}: {cause}"


def _all_unreachable(path: str, causes: list[str]) -> StorageError:
    return StorageError(f"no etcd endpoint answered {path}: {'; '.join(causes)}")


async def _read(endpoint: str, response: aiohttp.ClientResponse) -> bytes:
    try:
        return await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise StorageError(f"etcd at {endpoint} broke off its answer: {exc!r}") from exc


def _decode(endpoint: str, text: bytes) -> Body:
    try:
        body: Any = json.loads(text)
    except ValueError as exc:
        raise StorageError(f"etcd at {endpoint} sent something that is not JSON: {text[:200]!r}") from exc
    if not isinstance(body, dict):
        raise StorageError(f"etcd at {endpoint} sent JSON that is not an object: {text[:200]!r}")
    return body


def _refusal(endpoint: str, text: bytes, status: int) -> Refusal:
    refusal = refusal_from(_decode(endpoint, text), status)
    return refusal if refusal is not None else Refusal(2, f"HTTP {status} from {endpoint}")


def _decode_message(endpoint: str, text: bytes, status: int) -> Body | Refusal:
    body = _decode(endpoint, text)
    refusal = refusal_from(body, status)
    if refusal is not None:
        return refusal
    result = body.get("result")
    return result if isinstance(result, dict) else body
