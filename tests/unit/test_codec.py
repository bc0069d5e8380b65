"""The codec is the boundary where bytes from other hosts become messages; it must never let a
bad frame through as a wrong object, and must always say what was wrong."""

from __future__ import annotations

from typing import Any, Literal

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube_actors.runtime import codec
from kube_actors.runtime.errors import CodecError
from kube_actors.runtime.message import message


@message("test.codec.Leaf")
class Leaf:
    name: str
    size: int
    ratio: float
    flag: bool
    blob: bytes
    maybe: int | None = None


@message("test.codec.Tree")
class Tree:
    leaves: tuple[Leaf, ...]
    labels: dict[str, str]
    body: dict[str, Any]
    trail: list[int]
    pair: tuple[str, int]
    mode: Literal["a", "b"]
    child: Tree | None = None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
leaves = st.builds(
    Leaf,
    name=st.text(),
    size=st.integers(-(2**63), 2**63 - 1),
    ratio=st.floats(allow_nan=False),
    flag=st.booleans(),
    blob=st.binary(),
    maybe=st.none() | st.integers(0, 2**32),
)
trees = st.recursive(
    st.builds(
        Tree,
        leaves=st.lists(leaves, max_size=3).map(tuple),
        labels=st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
        body=st.dictionaries(st.text(max_size=8), json_values, max_size=3),
        trail=st.lists(st.integers(0, 1000), max_size=5),
        pair=st.tuples(st.text(max_size=3), st.integers(0, 9)),
        mode=st.sampled_from(["a", "b"]),
    ),
    lambda inner: st.builds(
        Tree,
        leaves=st.just(()),
        labels=st.just({}),
        body=st.just({}),
        trail=st.just([]),
        pair=st.just(("x", 1)),
        mode=st.just("a"),
        child=inner,
    ),
    max_leaves=3,
)


@given(trees)
def test_messages_round_trip_exactly(tree: Tree) -> None:
    assert codec.roundtrip(tree) == tree


@given(st.lists(trees, max_size=3), json_values)
def test_messages_nest_inside_plain_values(trees: list[Tree], value: Any) -> None:
    data = {"trees": trees, "value": value}
    assert codec.roundtrip(data) == data


def _forged(name: str, *fields: Any) -> bytes:
    """Bytes a misbehaving peer might send: a message extension with arbitrary fields."""
    inner = msgpack.packb([name, *fields])
    return msgpack.packb(msgpack.ExtType(codec.MESSAGE_EXT, inner))


def test_unknown_message_name_is_named() -> None:
    with pytest.raises(CodecError, match=r"unknown message name 'test\.codec\.Nope'"):
        codec.decode(_forged("test.codec.Nope", 1))


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (["n", "not-an-int", 1.0, True, b"", None], r"field test.codec.Leaf.size: expected int, got str"),
        (["n", True, 1.0, True, b"", None], r"field test.codec.Leaf.size: expected int, got bool"),
        (["n", 1, "x", True, b"", None], r"field test.codec.Leaf.ratio: expected float"),
        (["n", 1, 1.0, True, b"", "3"], r"field test.codec.Leaf.maybe: expected int \| None"),
        (["n", 1, 1.0], r"needs 6 fields, got 3"),
    ],
)
def test_wrong_field_types_are_named(fields: list[Any], problem: str) -> None:
    with pytest.raises(CodecError, match=problem):
        codec.decode(_forged("test.codec.Leaf", *fields))


def test_wrong_types_inside_containers_are_named() -> None:
    bad_leaf = msgpack.ExtType(codec.MESSAGE_EXT, msgpack.packb(["test.codec.Leaf", "n", 1, 1.0, True, b""]))
    data = _forged("test.codec.Tree", [bad_leaf], {}, {}, [1, "two"], ["a", 1], "a", None)
    with pytest.raises(CodecError, match="needs 6 fields"):
        codec.decode(data)
    data = _forged("test.codec.Tree", [], {}, {}, [1, "two"], ["a", 1], "a", None)
    with pytest.raises(CodecError, match=r"test.codec.Tree.trail\[1\]: expected int"):
        codec.decode(data)
    data = _forged("test.codec.Tree", [], {}, {}, [], ["a", 1], "c", None)
    with pytest.raises(CodecError, match=r"test.codec.Tree.mode: expected one of"):
        codec.decode(data)


def test_truncated_frames_are_reported() -> None:
    data = codec.encode(Leaf("leaf", 1, 2.0, False, b"\x00" * 50))
    for cut in (1, len(data) // 2, len(data) - 1):
        with pytest.raises(CodecError, match=r"truncated|malformed"):
            codec.decode(data[:cut])


def test_oversized_frames_are_refused_before_decoding() -> None:
    data = codec.encode(["x" * 1000])
    with pytest.raises(CodecError, match=f"frame of {len(data)} bytes exceeds the limit of 100 bytes"):
        codec.decode(data, max_size=100)


def test_trailing_garbage_is_reported() -> None:
    with pytest.raises(CodecError, match="trailing"):
        codec.decode(codec.encode(1) + b"\x01\x02")


def test_unencodable_values_fail_with_their_type() -> None:
    class NotAMessage:
        pass

    with pytest.raises(CodecError, match="NotAMessage: not a registered message"):
        codec.encode([NotAMessage()])
    with pytest.raises(CodecError, match="set"):
        codec.encode({"a": {1, 2}})


def test_frames_join_parts_encoded_one_by_one() -> None:
    parts = [codec.encode(Leaf("a", i, 0.5, True, b"")) for i in range(20)]
    assert [leaf.size for leaf in codec.decode(codec.encode_frame(parts))] == list(range(20))


def test_a_name_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="already registered"):

        @message("test.codec.Leaf")
        class Again:
            x: int
