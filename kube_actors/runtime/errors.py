"""Why: one short hierarchy of runtime errors, so callers catch our names, never a library's.

Expected outcomes (not found, conflict) are values, not exceptions; these are for failures of
delivery, encoding and supervision.
"""

from __future__ import annotations

from typing import TypeVar

E = TypeVar("E", bound=type[Exception])
WIRE_ERRORS: dict[str, type[Exception]] = {}


def crosses_hosts(cls: E) -> E:
    """Register an error class (constructible from its message) to be rebuilt as itself when
    an ask on another host fails with it; other errors arrive as ``RemoteActorError``."""
    WIRE_ERRORS[cls.__name__] = cls
    return cls


class KubeActorsError(Exception):
    """Base of every error the runtime raises."""


@crosses_hosts
class BadRequestError(KubeActorsError):
    """A message the receiver cannot act on, through the sender's fault (a bad key, a future
    revision, an unknown message). Raised in ``receive``, it goes back to an asker; after a
    ``tell`` it is logged and the receiver carries on: no actor dies of another's bad input.
    """


@crosses_hosts
class ActorDeadError(KubeActorsError):
    """The target actor is stopped, stopping, or was never there."""


class AskTimeoutError(KubeActorsError, TimeoutError):
    """No reply arrived before the ask's timeout, though the target's host was reachable."""


class DeliveryError(KubeActorsError):
    """A message could not be delivered: no link to the target's host, or the link refused it."""


# What an ask to a peer that is stopped, gone or too slow raises: callers that can wait for it
# to come back (an informer, a controller's retry) catch these together.
UNREACHABLE = (ActorDeadError, AskTimeoutError, DeliveryError)


@crosses_hosts
class CodecError(KubeActorsError):
    """Bytes or values that are not a valid message: unknown name, wrong types, bad frame."""


class AddressError(KubeActorsError, ValueError):
    """A string that is not a valid ``ka://host/path`` actor address."""


class HandshakeError(KubeActorsError):
    """A link peer was refused: wrong protocol version or wrong cluster token."""


class RemoteActorError(KubeActorsError):
    """An exception raised by an actor on another host while answering an ask.

    The original exception cannot cross the wire, so its type name and text travel instead.
    """

    def __init__(self, type_name: str, text: str) -> None:
        super().__init__(f"{type_name}: {text}")
        self.type_name = type_name
        self.text = text


class EscalatedFailure(KubeActorsError):
    """A child actor exhausted its restart budget and its failure went up to its parent."""

    def __init__(self, path: str, cause: BaseException) -> None:
        super().__init__(f"actor {path} failed too often: {cause!r}")
        self.path = path
        self.cause = cause


def rebuild_error(type_name: str, text: str) -> Exception:
    """An error that happened elsewhere: registered classes come back as themselves (see
    ``crosses_hosts``), any other as ``RemoteActorError``."""
    cls = WIRE_ERRORS.get(type_name)
    return cls(text) if cls is not None else RemoteActorError(type_name, text)
