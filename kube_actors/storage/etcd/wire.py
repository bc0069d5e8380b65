"""Why: etcd's v3 JSON gateway payloads, decoded in one place and without any I/O.

The gateway speaks proto3 JSON: keys and values are base64, int64 fields arrive as strings,
and fields holding zero, false or nothing are omitted, so every read here has a default.
The raw payloads are TypedDicts; ``decode_kv`` and ``decode_event`` turn them into the
storage outcomes, and the request builders produce the bodies ``backend`` sends through
``gateway``. An error answer becomes a ``Refusal`` value, which ``raise_refusal`` maps onto
our error types when it is not an expected outcome.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, NoReturn, TypedDict

from kube_actors.storage.base import (
    MAX_VALUE_BYTES,
    Event,
    InvalidRequestError,
    KeyValue,
    LeaseNotFoundError,
    StorageError,
    TooOld,
    ValueTooLargeError,
)

Body = dict[str, Any]

OUT_OF_RANGE = 11  # gRPC code of "compacted" and "future revision"
RESOURCE_EXHAUSTED = 8  # gRPC code of a message over the size limit


class RawHeader(TypedDict, total=False):
    revision: str


class RawKeyValue(TypedDict, total=False):
    key: str
    value: str
    create_revision: str
    mod_revision: str
    version: str
    lease: str


class RawEvent(TypedDict, total=False):
    type: str
    kv: RawKeyValue
    prev_kv: RawKeyValue


class RawRange(TypedDict, total=False):
    header: RawHeader
    kvs: list[RawKeyValue]
    more: bool


class RawPut(TypedDict, total=False):
    header: RawHeader
    prev_kv: RawKeyValue


class RawDeleteRange(TypedDict, total=False):
    header: RawHeader
    deleted: str
    prev_kvs: list[RawKeyValue]


class RawResponseOp(TypedDict, total=False):
    response_range: RawRange
    response_put: RawPut
    response_delete_range: RawDeleteRange


class RawTxn(TypedDict, total=False):
    header: RawHeader
    succeeded: bool
    responses: list[RawResponseOp]


class RawWatch(TypedDict, total=False):
    header: RawHeader
    created: bool
    canceled: bool
    compact_revision: str
    cancel_reason: str
    events: list[RawEvent]


class RawLease(TypedDict, total=False):
    header: RawHeader
    ID: str
    TTL: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """etcd answered with an error: its gRPC status code and message."""

    code: int
    message: str

    @property
    def compacted(self) -> bool:
        return self.code == OUT_OF_RANGE and "compacted" in self.message

    @property
    def future_revision(self) -> bool:
        return self.code == OUT_OF_RANGE and "future revision" in self.message

    @property
    def lease_not_found(self) -> bool:
        return "lease not found" in self.message

    @property
    def too_large(self) -> bool:
        return self.code == RESOURCE_EXHAUSTED or "too large" in self.message


def raise_refusal(refusal: Refusal, what: str) -> NoReturn:
    """Raise the error a refusal that is not an expected outcome stands for."""
    if refusal.lease_not_found:
        raise LeaseNotFoundError(f"{what}: lease not found (expired or never granted): {refusal.message}")
    if refusal.too_large:
        raise ValueTooLargeError(f"{what}: request too large for etcd (values: 1.5 MiB): {refusal.message}")
    if refusal.future_revision:
        raise InvalidRequestError(f"{what}: the revision is in the future: {refusal.message}")
    raise StorageError(f"{what}: etcd refused: {refusal.message} (gRPC code {refusal.code})")


def refusal_from(body: Body, status: int) -> Refusal | None:
    """The refusal in an answer, for unary (``error`` is text) and streamed (an object) calls."""
    error = body.get("error")
    if isinstance(error, dict):  # a streaming call's error
        return Refusal(int(error.get("grpc_code") or 2), str(error.get("message") or error))
    if error is not None or status != 200:
        return Refusal(int(body.get("code") or 2), str(body.get("message") or error or f"HTTP {status}"))
    return None


# Encoding.


def encode_key(key: str) -> str:
    return encode_bytes(key.encode("utf-8", "surrogateescape"))


def encode_bytes(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def prefix_end(prefix: str) -> str:
    """The encoded ``range_end`` covering every key that starts with ``prefix``."""
    end = bytearray(prefix.encode("utf-8", "surrogateescape"))
    while end and end[-1] == 0xFF:
        end.pop()
    if not end:
        return encode_bytes(b"\0")  # etcd's "every key from ``key`` on"
    end[-1] += 1
    return encode_bytes(bytes(end))


def too_old(revision: int, compact_revision: int) -> TooOld:
    """A read or watch from ``revision``, which etcd compacted up to ``compact_revision``."""
    if not compact_revision:  # etcd did not say up to where: at least past ``revision``
        return TooOld(revision + 1, f"revision {revision} has been compacted")
    return TooOld(
        compact_revision,
        f"revision {revision} has been compacted; the oldest available is {compact_revision}",
    )


def check_value_size(key: str, value: bytes) -> None:
    if len(value) > MAX_VALUE_BYTES:
        raise ValueTooLargeError(
            f"value for {key} is {len(value)} bytes; the limit is {MAX_VALUE_BYTES} bytes (1.5 MiB)"
        )


def put_request(key: str, value: bytes, lease: int) -> Body:
    return {"key": encode_key(key), "value": encode_bytes(value), "lease": str(lease), "prev_kv": True}


def put_op(key: str, value: bytes, lease: int) -> Body:
    return {"request_put": put_request(key, value, lease)}


def range_op(key: str) -> Body:
    return {"request_range": {"key": encode_key(key)}}


def delete_request(key: str) -> Body:
    return {"key": encode_key(key), "prev_kv": True}


def delete_op(key: str) -> Body:
    return {"request_delete_range": delete_request(key)}


def exists_at(key: str, mod_revision: int) -> list[Body]:
    """Compares: the key is live and was last written at ``mod_revision``."""
    encoded = encode_key(key)
    return [
        {"key": encoded, "target": "VERSION", "result": "GREATER", "version": "0"},
        {"key": encoded, "target": "MOD", "result": "EQUAL", "mod_revision": str(mod_revision)},
    ]


def absent(key: str) -> list[Body]:
    return [{"key": encode_key(key), "target": "CREATE", "result": "EQUAL", "create_revision": "0"}]


# Decoding.


def revision_of(reply: RawRange | RawPut | RawDeleteRange | RawTxn | RawWatch | RawLease) -> int:
    return int(reply.get("header", {}).get("revision", "0"))


def decode_key(raw: str) -> str:
    return base64.b64decode(raw).decode("utf-8", "surrogateescape")


def decode_kv(raw: RawKeyValue) -> KeyValue:
    return KeyValue(
        decode_key(raw.get("key", "")),
        base64.b64decode(raw.get("value", "")),
        int(raw.get("create_revision", "0")),
        int(raw.get("mod_revision", "0")),
        int(raw.get("version", "0")),
        int(raw.get("lease", "0")),
    )


def decode_event(raw: RawEvent) -> Event:
    kv = raw.get("kv", {})
    prev = decode_kv(raw["prev_kv"]) if "prev_kv" in raw else None
    if raw.get("type", "PUT") == "DELETE":
        tombstone = KeyValue(decode_key(kv.get("key", "")), b"", 0, int(kv.get("mod_revision", "0")), 0, 0)
        return Event("DELETE", tombstone, prev)
    return Event("PUT", decode_kv(kv), prev)


def written_kv(key: str, value: bytes, lease: int, revision: int, prev: RawKeyValue | None) -> KeyValue:
    """The version a put at ``revision`` wrote, from the version it replaced (if any)."""
    if prev is None:
        return KeyValue(key, value, revision, revision, 1, lease)
    before = decode_kv(prev)
    return KeyValue(key, value, before.create_revision, revision, before.version + 1, lease)


def txn_response(reply: RawTxn) -> RawResponseOp:
    """The answer to a transaction's single request (of whichever branch ran)."""
    responses = reply.get("responses", [])
    return responses[0] if responses else {}


def txn_range(reply: RawTxn) -> list[KeyValue]:
    """The keys read by a failed transaction's range request."""
    return [decode_kv(raw) for raw in txn_response(reply).get("response_range", {}).get("kvs", [])]
