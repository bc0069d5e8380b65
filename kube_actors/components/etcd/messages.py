"""Why: what the apiserver (or anyone) says to an etcd shard actor, and what watches send back.

Replies to requests are the storage outcomes of ``kube_actors.storage.base``.
"""

from __future__ import annotations

from typing import Any

from kube_actors.runtime.message import message
from kube_actors.storage.base import Event, TooOld


@message("etcd.Get")
class Get:
    key: str
    revision: int = 0


@message("etcd.Range")
class Range:
    prefix: str
    revision: int = 0
    limit: int = 0
    start_after: str = ""


@message("etcd.Create")
class Create:
    key: str
    value: bytes
    lease: int = 0


@message("etcd.Update")
class Update:
    key: str
    value: bytes
    mod_revision: int
    lease: int = 0


@message("etcd.Put")
class Put:
    key: str
    value: bytes
    lease: int = 0


@message("etcd.Delete")
class Delete:
    key: str
    mod_revision: int = 0


@message("etcd.Compact")
class Compact:
    revision: int


@message("etcd.CompactHistory")
class CompactHistory:
    """Compact whatever lies outside the shard's history window (its own timer sends this)."""


@message("etcd.CurrentRevision")
class CurrentRevision:
    """Ask the shard for its latest durable revision."""


@message("etcd.GrantLease")
class GrantLease:
    ttl: float


@message("etcd.RefreshLease")
class RefreshLease:
    lease: int


@message("etcd.RevokeLease")
class RevokeLease:
    lease: int


@message("etcd.Batch")
class Batch:
    """Several requests in one message, decided in order; the reply lists their outcomes, a
    ``Failed`` in place of each that raised. Clients send what their callers asked for within
    one turn of the event loop as one batch, which is what lets a shard take 100,000 writes a
    second through one mailbox."""

    requests: list[Any]


@message("etcd.Failed")
class Failed:
    error_type: str
    text: str


@message("etcd.Watch")
class Watch:
    """Send every change under ``prefix`` after ``after_revision`` to the actor at ``watcher``
    as ``WatchEvents``, each asked (so a slow watcher slows its stream, then is cut off)."""

    watch_id: str
    prefix: str
    after_revision: int
    watcher: str


@message("etcd.CancelWatch")
class CancelWatch:
    watch_id: str
    watcher: str


@message("etcd.WatchEvents")
class WatchEvents:
    shard: str
    watch_id: str
    events: list[Event]


@message("etcd.WatchEnded")
class WatchEnded:
    """The watch is over: it started below the compacted history or fell behind."""

    shard: str
    watch_id: str
    outcome: TooOld
