"""Why: the link protocol between hosts, as data and pure functions (no I/O here).

A link starts with a handshake in which each side proves it knows the cluster token without
sending it: each sends a random nonce and answers the other's with an HMAC over both. Then
frames carry lists of envelopes, each one of::

    [TELL, path, *message]          [ASK, path, correlation, *message]
    [REPLY, correlation, *value]    [FAIL, correlation, error type, error text]

where ``*message`` is ``codec.flatten``: a message's name and fields inline (or ``None`` and a
plain value), which spares the busiest path a nested msgpack extension.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, NamedTuple

from kube_actors.runtime import codec
from kube_actors.runtime.errors import CodecError, rebuild_error
from kube_actors.runtime.message import message

PROTOCOL_VERSION = 1
TELL, ASK, REPLY, FAIL = 0, 1, 2, 3


@message("link.Hello")
class Hello:
    version: int
    host: str
    nonce: bytes


@message("link.Challenge")
class Challenge:
    version: int
    host: str
    nonce: bytes
    proof: bytes


@message("link.Proof")
class Proof:
    proof: bytes


@message("link.Welcome")
class Welcome:
    host: str


@message("link.Refused")
class Refused:
    reason: str


def prove(token: str, role: str, first: bytes, second: bytes) -> bytes:
    """What a side sends to show it knows ``token``; ``role`` keeps the two answers distinct.

    >>> prove("t", "client", b"a", b"b") == prove("t", "client", b"a", b"b")
    True
    >>> prove("t", "client", b"a", b"b") == prove("t", "server", b"a", b"b")
    False
    """
    mac = hmac.new(token.encode(), digestmod=hashlib.sha256)
    mac.update(role.encode() + b"\0" + first + second)
    return mac.digest()


def proof_holds(token: str, role: str, first: bytes, second: bytes, proof: bytes) -> bool:
    return hmac.compare_digest(prove(token, role, first, second), proof)


class Envelope(NamedTuple):
    """One decoded envelope; unused fields are empty (``""`` or ``0``)."""

    kind: int
    path: str
    correlation: int
    payload: Any


def tell_envelope(path: str, message: Any) -> bytes:
    return codec.encode_flat([TELL, path], message)


def ask_envelope(path: str, correlation: int, message: Any) -> bytes:
    return codec.encode_flat([ASK, path, correlation], message)


def reply_envelope(correlation: int, value: Any) -> bytes:
    return codec.encode_flat([REPLY, correlation], value)


def fail_envelope(correlation: int, error: BaseException) -> bytes:
    return codec.encode([FAIL, correlation, type(error).__name__, str(error)])


def read_envelope(item: Any) -> Envelope:
    """Check one envelope from a frame and rebuild its payload; ``CodecError`` if malformed.

    >>> read_envelope([0, "kubelet/n1", None, "hello"])
    Envelope(kind=0, path='kubelet/n1', correlation=0, payload='hello')
    >>> read_envelope([1, "x", "not-an-int", None, 1])
    Traceback (most recent call last):
    ...
    kube_actors.runtime.errors.CodecError: malformed ask envelope: [1, 'x', 'not-an-int', None, 1]
    """
    if isinstance(item, list) and item and type(item[0]) is int:
        kind, size = item[0], len(item)
        if kind == TELL and size >= 3 and type(item[1]) is str:
            return Envelope(TELL, item[1], 0, codec.unflatten(item, 2))
        if kind == ASK and size >= 4 and type(item[1]) is str and type(item[2]) is int:
            return Envelope(ASK, item[1], item[2], codec.unflatten(item, 3))
        if kind == REPLY and size >= 3 and type(item[1]) is int:
            return Envelope(REPLY, "", item[1], codec.unflatten(item, 2))
        if kind == FAIL and size == 4 and type(item[1]) is int and type(item[2]) is type(item[3]) is str:
            return Envelope(FAIL, "", item[1], rebuild_error(item[2], item[3]))
        names = {TELL: "tell", ASK: "ask", REPLY: "reply", FAIL: "fail"}
        if kind in names:
            raise CodecError(f"malformed {names[kind]} envelope: {item!r:.200}")
    raise CodecError(f"malformed envelope: {item!r:.200}")
