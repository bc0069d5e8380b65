"""Why: byte-frame channels between hosts, chosen by URL scheme (``local://``, ``ws://``).

Transports only move frames; the link protocol on top (handshake, batching, reconnect) is in
``kube_actors.runtime.remoting`` and is the same for every transport.
"""

from kube_actors.runtime.transport.base import Channel, ChannelClosed, Listener, Transport
from kube_actors.runtime.transport.registry import register_transport, transport_for

__all__ = ["Channel", "ChannelClosed", "Listener", "Transport", "register_transport", "transport_for"]
