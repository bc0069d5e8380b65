"""Why: the two halves of the link handshake, run over a fresh channel before any envelope.

The dialling side checks that it reached the host it meant to and that the host knows the
token; the accepting side checks the version and the dialler's proof. Either side refuses with
a ``Refused`` frame naming the reason, so the other side can log something useful.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

from kube_actors.runtime import codec
from kube_actors.runtime.clock import Clock, wait_for
from kube_actors.runtime.errors import CodecError, HandshakeError
from kube_actors.runtime.remoting.protocol import (
    PROTOCOL_VERSION,
    Challenge,
    Hello,
    Proof,
    Refused,
    Welcome,
    proof_holds,
    prove,
)
from kube_actors.runtime.transport.base import Channel

HANDSHAKE_TIMEOUT = 10.0
T = TypeVar("T")


async def dial(channel: Channel, *, host: str, expected: str, token: str, clock: Clock) -> None:
    """Introduce ``host`` to the listener, which must be ``expected``; raise ``HandshakeError``."""
    nonce = os.urandom(16)
    await _send(channel, Hello(PROTOCOL_VERSION, host, nonce))
    challenge = await _receive(channel, Challenge, clock)
    if challenge.version != PROTOCOL_VERSION:
        await _refuse(channel, f"protocol version {challenge.version} is not {PROTOCOL_VERSION}")
    if challenge.host != expected:
        await _refuse(channel, f"expected host {expected!r}, reached {challenge.host!r}")
    if not proof_holds(token, "server", nonce, challenge.nonce, challenge.proof):
        await _refuse(channel, f"host {challenge.host!r} does not know the cluster token")
    await _send(channel, Proof(prove(token, "client", challenge.nonce, nonce)))
    await _receive(channel, Welcome, clock)


async def accept(channel: Channel, *, host: str, token: str, clock: Clock) -> str:
    """Check a dialler; return its host name or raise ``HandshakeError``."""
    hello = await _receive(channel, Hello, clock)
    if hello.version != PROTOCOL_VERSION:
        await _refuse(
            channel,
            f"protocol version {hello.version} is not supported: this host speaks {PROTOCOL_VERSION}",
        )
    if hello.host == host:
        await _refuse(channel, f"peer claims to be this host ({host!r})")
    nonce = os.urandom(16)
    await _send(channel, Challenge(PROTOCOL_VERSION, host, nonce, prove(token, "server", hello.nonce, nonce)))
    proof = await _receive(channel, Proof, clock)
    if not proof_holds(token, "client", nonce, hello.nonce, proof.proof):
        await _refuse(channel, f"host {hello.host!r} does not know the cluster token")
    await _send(channel, Welcome(host))
    return hello.host


async def _send(channel: Channel, frame: Any) -> None:
    await channel.send(codec.encode(frame))


async def _receive(channel: Channel, kind: type[T], clock: Clock) -> T:
    try:
        frame = codec.decode(await wait_for(clock, channel.receive(), HANDSHAKE_TIMEOUT))
    except TimeoutError:
        raise HandshakeError(f"no {kind.__name__} within {HANDSHAKE_TIMEOUT} s") from None
    except CodecError as exc:
        raise HandshakeError(f"bad handshake frame: {exc}") from exc
    if isinstance(frame, Refused):
        raise HandshakeError(f"refused by peer: {frame.reason}")
    if not isinstance(frame, kind):
        raise HandshakeError(f"expected {kind.__name__}, got {type(frame).__name__}")
    return frame


async def _refuse(channel: Channel, reason: str) -> None:
    await _send(channel, Refused(reason))
    raise HandshakeError(reason)
