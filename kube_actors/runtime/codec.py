"""Why: the one place that turns messages into bytes and back (the only module importing msgpack).

A registered message travels as a msgpack extension value holding ``[name, field, ...]``, so
messages may nest anywhere inside other values (lists, dicts, other messages). Everything coming
back is checked against the registered field types; any problem with the bytes becomes a
``CodecError`` whose text says what was wrong.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import msgpack

from kube_actors.runtime.errors import CodecError
from kube_actors.runtime.message import spec_for_class, spec_for_name

MESSAGE_EXT = 1
DEFAULT_MAX_FRAME = 64 * 1024 * 1024
STRICT_ENV = "KUBE_ACTORS_STRICT"


def strict_from_env() -> bool:
    """Whether ``KUBE_ACTORS_STRICT`` asks every local message to round-trip through the codec."""
    return os.environ.get(STRICT_ENV, "").lower() in {"1", "true", "yes", "on"}


class _PackerPool(threading.local):
    """Packers are costly to create; keep one per nesting depth, per thread."""

    def __init__(self) -> None:
        self.packers: list[msgpack.Packer] = []
        self.depth = 0

    def pack(self, value: Any) -> bytes:
        if self.depth == len(self.packers):
            self.packers.append(msgpack.Packer(default=_default, autoreset=True))
        packer = self.packers[self.depth]
        self.depth += 1
        try:
            return packer.pack(value)
        except BaseException:
            packer.reset()
            raise
        finally:
            self.depth -= 1


_pool = _PackerPool()


def _default(value: Any) -> Any:
    spec = spec_for_class(type(value))
    if spec is not None:
        return msgpack.ExtType(MESSAGE_EXT, _pool.pack(spec.flatten(value)))
    if isinstance(value, (set, frozenset)):
        raise CodecError(f"cannot encode a {type(value).__name__}: use a list or tuple")
    raise CodecError(f"cannot encode a value of type {type(value).__name__}: not a registered message")


def _ext_hook(code: int, data: bytes) -> Any:
    if code != MESSAGE_EXT:
        raise CodecError(f"unknown extension type {code}")
    fields = msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=True)
    if not isinstance(fields, list) or not fields or type(fields[0]) is not str:
        raise CodecError("a message must start with its name")
    return unflatten(fields, 0)


def flatten(value: Any) -> list[Any]:
    """A value as list items: ``[name, field, ...]`` for a message, ``[None, value]`` otherwise.

    Links put a message's fields straight into its envelope this way, saving a nested
    extension value on the busiest path.
    """
    spec = spec_for_class(type(value))
    return [None, value] if spec is None else spec.flatten(value)


def unflatten(items: list[Any], start: int) -> Any:
    """Rebuild what ``flatten`` produced, from ``items[start:]``.

    >>> unflatten(["tell", None, 42], 1)
    42
    """
    name = items[start] if len(items) > start else None
    if name is None:
        if len(items) != start + 2:
            raise CodecError(f"a plain value takes exactly one item, got {len(items) - start - 1}")
        return items[start + 1]
    if type(name) is not str:
        raise CodecError(f"a message name must be a string, got {type(name).__name__}")
    return spec_for_name(name).build(items[start + 1 :])


def encode(value: Any) -> bytes:
    """Encode a value made of plain data and registered messages."""
    try:
        return _pool.pack(value)
    except CodecError:
        raise
    except (TypeError, ValueError, OverflowError) as exc:
        raise CodecError(f"cannot encode value: {exc}") from exc


def encode_flat(head: list[Any], value: Any) -> bytes:
    """Encode ``head`` followed by the items of ``flatten(value)`` as one list."""
    return encode(head + flatten(value))


def encode_frame(parts: list[bytes]) -> bytes:
    """Join values already encoded one by one into a frame that decodes as their list.

    Links encode each envelope when it is queued (so a bad one fails its sender, not the
    batch) and send many in one frame.
    """
    return _ARRAY_HEADER.pack_array_header(len(parts)) + b"".join(parts)


_ARRAY_HEADER = msgpack.Packer(autoreset=True)


def decode(data: bytes, *, max_size: int = DEFAULT_MAX_FRAME) -> Any:
    """Decode bytes from ``encode``; every message inside is rebuilt and type-checked."""
    if len(data) > max_size:
        raise CodecError(f"frame of {len(data)} bytes exceeds the limit of {max_size} bytes")
    try:
        return msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=True)
    except CodecError:
        raise
    except msgpack.ExtraData as exc:
        # msgpack-types' stub of ExtraData lacks the ``extra`` attribute that msgpack sets.
        trailing = len(exc.extra)  # type: ignore[attr-defined]
        raise CodecError(f"frame has {trailing} bytes of trailing garbage") from exc
    except ValueError as exc:
        if "incomplete" in str(exc):
            raise CodecError(f"truncated frame of {len(data)} bytes") from exc
        raise CodecError(f"malformed frame: {exc}") from exc
    except Exception as exc:  # msgpack raises several unrelated types for bad bytes
        raise CodecError(f"malformed frame: {type(exc).__name__}: {exc}") from exc


def roundtrip(value: Any) -> Any:
    """Encode and decode: what a peer on another host would receive (strict mode uses it)."""
    return decode(encode(value))
