"""Contract tests for links between hosts: the same suite over every transport.

Two ActorSystems run in this process; ``local`` links them in memory, ``ws`` over loopback
WebSockets. Everything crosses the wire as bytes either way.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kube_actors.runtime import (
    Actor,
    ActorDeadError,
    ActorSystem,
    BadRequestError,
    DeliveryError,
    RemoteActorError,
    codec,
    message,
)
from kube_actors.runtime.errors import HandshakeError
from kube_actors.runtime.remoting import handshake
from kube_actors.runtime.remoting.protocol import Hello, Refused, tell_envelope
from kube_actors.runtime.transport import ChannelClosed, transport_for
from tests.waiting import eventually

TRANSPORTS = ["local", "ws"]
_names = itertools.count()


@message("test.links.Item")
class Item:
    n: int
    tags: tuple[str, ...] = ()


@message("test.links.Batch")
class Batch:
    items: list[Item]


@message("test.links.Received")
class Received:
    pass


class Recorder(Actor):
    def __init__(self) -> None:
        self.seen: list[int] = []

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Received):
            return self.seen
        if isinstance(message, Batch):
            return Batch([Item(i.n * 2, i.tags) for i in message.items])
        if isinstance(message, Item):
            if message.n >= 1_000_000:
                raise BadRequestError("items stop at a million")
            if message.n < 0:
                raise ValueError(f"negative item {message.n}")
            self.seen.append(message.n)
            return message.n
        return None


def listen_url(transport: str) -> str:
    return f"local://test-{next(_names)}" if transport == "local" else "ws://127.0.0.1:0"


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def hosts(transport: str) -> AsyncIterator[tuple[ActorSystem, ActorSystem, str]]:
    """Host ``a`` dials host ``b``, which listens; both share a token."""
    a = ActorSystem("a", token="secret")
    b = ActorSystem("b", token="secret")
    url = await b.listen(listen_url(transport))
    a.add_peer("b", url)
    b.spawn(Recorder, "recorder")
    a.spawn(Recorder, "recorder")
    try:
        yield a, b, url
    finally:
        await a.shutdown()
        await b.shutdown()


async def test_tell_and_ask_cross_the_link_in_order(hosts: tuple[ActorSystem, ActorSystem, str]) -> None:
    a, _, _ = hosts
    remote = a.ref("ka://b/recorder")
    for n in range(500):
        remote.tell(Item(n))
    assert await remote.ask(Received(), timeout=10) == list(range(500))
    doubled = await remote.ask(Batch([Item(1, ("x",)), Item(2)]))
    assert doubled == Batch([Item(2, ("x",)), Item(4)])


async def test_the_accepting_host_can_ask_back_over_the_same_link(
    hosts: tuple[ActorSystem, ActorSystem, str],
) -> None:
    a, b, _ = hosts
    await a.ref("ka://b/recorder").ask(Received(), timeout=10)  # link up
    assert await b.ref("ka://a/recorder").ask(Item(7)) == 7
    assert a.remoting.reachable("b") and b.remoting.reachable("a")


async def test_remote_failures_come_back_named(hosts: tuple[ActorSystem, ActorSystem, str]) -> None:
    a, _, _ = hosts
    with pytest.raises(RemoteActorError, match="ValueError: negative item -1") as caught:
        await a.ref("ka://b/recorder").ask(Item(-1), timeout=10)
    assert caught.value.type_name == "ValueError"
    with pytest.raises(BadRequestError, match="items stop at a million"):  # keeps its class
        await a.ref("ka://b/recorder").ask(Item(1_000_000), timeout=10)
    with pytest.raises(ActorDeadError, match="no running actor at ka://b/nobody"):
        await a.ref("ka://b/nobody").ask(Received(), timeout=10)


async def test_unknown_hosts_fail_at_once(hosts: tuple[ActorSystem, ActorSystem, str]) -> None:
    a, _, _ = hosts
    with pytest.raises(DeliveryError, match="no link to host 'c'"):
        a.ref("ka://c/recorder").tell(Item(1))


async def test_a_wrong_token_is_refused_and_nothing_is_delivered(
    transport: str, logs: list[dict[str, Any]]
) -> None:
    b = ActorSystem("b", token="right")
    mallory = ActorSystem("a", token="wrong")
    try:
        recorder = b.spawn(Recorder, "recorder")
        url = await b.listen(listen_url(transport))
        mallory.add_peer("b", url)
        mallory.ref("ka://b/recorder").tell(Item(666))
        with pytest.raises(DeliveryError, match="host b is unreachable"):
            await mallory.ref("ka://b/recorder").ask(Item(667), timeout=0.5)
        assert await recorder.ask(Received()) == []
    finally:
        await mallory.shutdown()
        await b.shutdown()
    dial_failures = [e for e in logs if e["event"] == "link_dial_failed"]
    assert dial_failures and "does not know the cluster token" in dial_failures[0]["error"]


async def test_a_wrong_protocol_version_is_refused_with_the_reason(
    hosts: tuple[ActorSystem, ActorSystem, str], transport: str, logs: list[dict[str, Any]]
) -> None:
    _, _, url = hosts
    channel = await transport_for(url).connect(url, max_frame=1 << 20)
    try:
        await channel.send(codec.encode(Hello(99, "time-traveller", b"n" * 16)))
        answer = codec.decode(await channel.receive())
    finally:
        await channel.close()
    assert isinstance(answer, Refused)
    assert answer.reason == "protocol version 99 is not supported: this host speaks 1"
    await eventually(lambda: any(e["event"] == "link_refused" for e in logs))


async def _rogue_channel(url: str, token: str = "secret") -> Any:
    """A peer that completes the handshake properly, so we can then misbehave."""
    from kube_actors.runtime import RealClock

    channel = await transport_for(url).connect(url, max_frame=1 << 30)
    await handshake.dial(channel, host="rogue", expected="b", token=token, clock=RealClock())
    return channel


def _after_a_valid_tell(bad_envelope: Any) -> bytes:
    """A frame whose first envelope is fine and whose second is ``bad_envelope``."""
    return codec.encode_frame([tell_envelope("recorder", Item(1)), codec.encode(bad_envelope)])


@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        (b"\xc1\xc1\xc1", "malformed"),
        (codec.encode({"not": "a list"}), "a frame must be a list of envelopes"),
        (_after_a_valid_tell([9, "x"]), "malformed envelope"),
        (_after_a_valid_tell([0, 1]), "malformed tell"),
        (_after_a_valid_tell([0, "x", "no.Such"]), "unknown message name 'no.Such'"),
        (_after_a_valid_tell(None)[:-1], "truncated"),
    ],
)
async def test_a_malformed_frame_closes_that_link_and_delivers_nothing(
    hosts: tuple[ActorSystem, ActorSystem, str], frame: bytes, problem: str, logs: list[dict[str, Any]]
) -> None:
    a, b, url = hosts
    rogue = await _rogue_channel(url)
    try:
        await rogue.send(frame)
        with pytest.raises(ChannelClosed):
            while True:
                await rogue.receive()
    finally:
        await rogue.close()
    rejected = [e for e in logs if e["event"] == "link_frame_rejected"]
    assert len(rejected) == 1 and problem in rejected[0]["error"]
    assert await b.ref("ka://b/recorder").ask(Received()) == []  # not even the valid first envelope
    assert await a.ref("ka://b/recorder").ask(Item(5), timeout=10) == 5  # other links unharmed


async def test_an_oversized_frame_closes_that_link(transport: str) -> None:
    b = ActorSystem("b", token="secret", max_frame=64 * 1024)
    recorder = b.spawn(Recorder, "recorder")
    try:
        url = await b.listen(listen_url(transport))
        rogue = await _rogue_channel(url)
        try:
            await rogue.send(codec.encode_frame([tell_envelope("recorder", Item(1, ("x" * 100_000,)))]))
            with pytest.raises(ChannelClosed):
                while True:
                    await rogue.receive()
        finally:
            await rogue.close()
        assert await recorder.ask(Received()) == []
    finally:
        await b.shutdown()


async def test_senders_cannot_queue_a_message_larger_than_a_frame(transport: str) -> None:
    a = ActorSystem("a", token="secret", max_frame=64 * 1024)
    b = ActorSystem("b", token="secret")
    try:
        a.add_peer("b", await b.listen(listen_url(transport)))
        with pytest.raises(Exception, match="exceeds the frame limit"):
            a.ref("ka://b/recorder").tell(Item(1, ("x" * 100_000,)))
    finally:
        await a.shutdown()
        await b.shutdown()


async def test_a_dropped_link_reconnects_and_queued_messages_arrive(
    hosts: tuple[ActorSystem, ActorSystem, str],
) -> None:
    a, b, _ = hosts
    remote = a.ref("ka://b/recorder")
    assert await remote.ask(Item(1), timeout=10) == 1
    channel = b.remoting.link("a").channel
    assert channel is not None
    await channel.close()  # the network drops the connection
    await eventually(lambda: not a.remoting.reachable("b"))
    for n in range(2, 6):
        remote.tell(Item(n))  # queued while the link is down
    assert await remote.ask(Received(), timeout=10) == [1, 2, 3, 4, 5]


async def test_a_restarted_peer_is_reached_again(transport: str) -> None:
    a = ActorSystem("a", token="secret")
    b = ActorSystem("b", token="secret")
    try:
        b.spawn(Recorder, "recorder")
        url = await b.listen(listen_url(transport))
        a.add_peer("b", url)
        remote = a.ref("ka://b/recorder")
        assert await remote.ask(Item(1), timeout=10) == 1
        await b.shutdown()
        with pytest.raises(DeliveryError, match="unreachable"):
            await remote.ask(Item(2), timeout=0.3)
        b = ActorSystem("b", token="secret")
        b.spawn(Recorder, "recorder")
        await b.listen(url)
        assert await remote.ask(Item(3), timeout=15) == 3
    finally:
        await a.shutdown()
        await b.shutdown()


async def test_hosts_dialling_each_other_settle_on_one_link(transport: str) -> None:
    a = ActorSystem("a", token="secret")
    b = ActorSystem("b", token="secret")
    try:
        a.spawn(Recorder, "recorder")
        b.spawn(Recorder, "recorder")
        url_a = await a.listen(listen_url(transport))
        url_b = await b.listen(listen_url(transport))
        a.add_peer("b", url_b)
        b.add_peer("a", url_a)
        results = await asyncio.gather(
            *(a.ref("ka://b/recorder").ask(Item(n), timeout=10) for n in range(50)),
            *(b.ref("ka://a/recorder").ask(Item(n), timeout=10) for n in range(50)),
        )
        assert results == list(range(50)) * 2
        await asyncio.sleep(1.2)  # past the grace period for the retired duplicate
        assert a.remoting.link("b").channel is not None
        assert await a.ref("ka://b/recorder").ask(Item(99), timeout=10) == 99
        assert await b.ref("ka://a/recorder").ask(Item(98), timeout=10) == 98
    finally:
        await a.shutdown()
        await b.shutdown()


async def test_handshake_needs_the_host_we_meant(hosts: tuple[ActorSystem, ActorSystem, str]) -> None:
    _, _, url = hosts
    from kube_actors.runtime import RealClock

    channel = await transport_for(url).connect(url, max_frame=1 << 20)
    try:
        with pytest.raises(HandshakeError, match="expected host 'c', reached 'b'"):
            await handshake.dial(channel, host="x", expected="c", token="secret", clock=RealClock())
    finally:
        await channel.close()
