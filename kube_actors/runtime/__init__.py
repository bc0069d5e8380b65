"""Why: the actor runtime everything else is built on; import its public names from here.

Actors are asyncio tasks with mailboxes (``actor``, ``cell``, ``system``), supervised with
backoff (``supervision``), timed by an injected clock (``clock``), exchanging registered
messages (``message``, ``codec``) locally or over links between hosts (``remoting``,
``transport``). Blocking work runs in pykka thread actors (``blocking``).
"""

from kube_actors.runtime.actor import Actor, Deferred, defer
from kube_actors.runtime.address import Address, format_address, parse_address
from kube_actors.runtime.clock import Clock, RealClock, VirtualClock
from kube_actors.runtime.errors import (
    ActorDeadError,
    AskTimeoutError,
    BadRequestError,
    CodecError,
    DeliveryError,
    EscalatedFailure,
    HandshakeError,
    KubeActorsError,
    RemoteActorError,
)
from kube_actors.runtime.message import message
from kube_actors.runtime.records import record
from kube_actors.runtime.ref import ActorRef
from kube_actors.runtime.supervision import SupervisorStrategy
from kube_actors.runtime.system import ActorSystem

__all__ = [
    "Actor",
    "ActorDeadError",
    "ActorRef",
    "ActorSystem",
    "Address",
    "AskTimeoutError",
    "BadRequestError",
    "Clock",
    "CodecError",
    "Deferred",
    "DeliveryError",
    "EscalatedFailure",
    "HandshakeError",
    "KubeActorsError",
    "RealClock",
    "RemoteActorError",
    "SupervisorStrategy",
    "VirtualClock",
    "defer",
    "format_address",
    "message",
    "parse_address",
    "record",
]
