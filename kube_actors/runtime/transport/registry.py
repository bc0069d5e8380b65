"""Why: pick a transport by the scheme of a URL, so topology is configuration, not code."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from kube_actors.runtime.transport.base import Transport

_FACTORIES: dict[str, Callable[[], Transport]] = {}


def register_transport(scheme: str, factory: Callable[[], Transport]) -> None:
    _FACTORIES[scheme] = factory


def transport_for(url: str) -> Transport:
    """The transport serving ``url``'s scheme.

    >>> type(transport_for("local://cp-1")).__name__
    'LocalTransport'
    >>> transport_for("carrier-pigeon://x")
    Traceback (most recent call last):
    ...
    ValueError: no transport for 'carrier-pigeon://x': known schemes are local, ws
    """
    _register_builtins()
    scheme = urlsplit(url).scheme
    factory = _FACTORIES.get(scheme)
    if factory is None:
        known = ", ".join(sorted(_FACTORIES))
        raise ValueError(f"no transport for {url!r}: known schemes are {known}")
    return factory()


def _register_builtins() -> None:
    if "local" not in _FACTORIES:
        from kube_actors.runtime.transport.local import LocalTransport

        register_transport("local", LocalTransport)
    if "ws" not in _FACTORIES:
        from kube_actors.runtime.transport.ws import WsTransport

        register_transport("ws", WsTransport)
