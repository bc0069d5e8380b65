"""Why: a real etcd cluster as a ``StorageBackend``, so the simulator can run on the store
Kubernetes itself uses, and the contract suite can check our semantics against the original.

Each call maps onto one etcd request: compare-and-swap writes are transactions whose failure
branch reads the key, so a refusal comes back with the current version in the same round
trip; written versions are computed from the put's revision and its ``prev_kv`` rather than
read back. Outcomes are the same values the local backends (``local``, ``mvcc``) return.
etcd does lease expiry itself. ``gateway`` does the HTTP, ``wire`` the JSON, ``watch`` the
watch streams.
"""

from __future__ import annotations

import math
from typing import cast

import structlog

from kube_actors.storage.base import (
    Conflict,
    Deleted,
    KeyValue,
    Listing,
    NotFound,
    StorageError,
    TooOld,
    Written,
)
from kube_actors.storage.etcd.gateway import Gateway
from kube_actors.storage.etcd.watch import EtcdWatch, find_compact_revision
from kube_actors.storage.etcd.wire import (
    Body,
    RawDeleteRange,
    RawLease,
    RawPut,
    RawRange,
    RawTxn,
    Refusal,
    absent,
    check_value_size,
    decode_kv,
    delete_op,
    delete_request,
    encode_key,
    exists_at,
    prefix_end,
    put_op,
    put_request,
    raise_refusal,
    range_op,
    revision_of,
    too_old,
    txn_range,
    txn_response,
    written_kv,
)
from kube_actors.storage.watching import DEFAULT_WATCH_BUFFER

log = structlog.get_logger(__name__)

OLDEST_SUPPORTED = (3, 4)


class EtcdBackend:
    def __init__(
        self,
        endpoints: list[str] | str,
        *,
        watch_buffer: int = DEFAULT_WATCH_BUFFER,
        request_timeout: float = 10.0,
    ) -> None:
        self._gateway = Gateway(
            [endpoints] if isinstance(endpoints, str) else list(endpoints), request_timeout=request_timeout
        )
        self._watch_buffer = watch_buffer
        self._timeout = request_timeout
        self._watches: set[EtcdWatch] = set()

    # Lifecycle.

    async def start(self) -> None:
        await self._gateway.open()
        try:
            endpoint, version = await self._gateway.version()
        except StorageError:
            await self._gateway.close()
            raise
        if _version_tuple(version) < OLDEST_SUPPORTED:
            await self._gateway.close()
            raise StorageError(f"etcd at {endpoint} is version {version}; 3.4 or later is needed")
        log.info("etcd_connected", endpoint=endpoint, version=version)

    async def close(self) -> None:
        for watch in list(self._watches):
            await watch.close()
        await self._gateway.close()

    async def revision(self) -> int:
        reply = await self._range({"key": encode_key("\0"), "count_only": True}, "read the revision")
        if isinstance(reply, TooOld):  # cannot happen at the latest revision
            raise StorageError(f"etcd called the latest revision compacted: {reply.reason}")
        return revision_of(reply)

    # Reads.

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | NotFound | TooOld:
        reply = await self._range({"key": encode_key(key), "revision": str(revision)}, f"get {key}")
        if isinstance(reply, TooOld):
            return reply
        kvs = reply.get("kvs", [])
        return decode_kv(kvs[0]) if kvs else NotFound(key, revision or revision_of(reply))

    async def range(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> Listing | TooOld:
        start = start_after + "\0" if start_after >= prefix else prefix
        request = {
            "key": encode_key(start),
            "range_end": prefix_end(prefix),
            "revision": str(revision),
            "limit": str(limit),
        }
        reply = await self._range(request, f"list {prefix}")
        if isinstance(reply, TooOld):
            return reply
        kvs = [decode_kv(raw) for raw in reply.get("kvs", [])]
        return Listing(kvs, revision or revision_of(reply), bool(reply.get("more")))

    async def _range(self, request: Body, what: str) -> RawRange | TooOld:
        reply = await self._gateway.call("/v3/kv/range", request, idempotent=True)
        if not isinstance(reply, Refusal):
            return cast(RawRange, reply)
        revision = int(request.get("revision", "0"))
        if not reply.compacted:
            raise_refusal(reply, what)  # a future revision among others
        return too_old(revision, await find_compact_revision(self._gateway, revision, self._timeout))

    # Writes.

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> Written | Conflict:
        check_value_size(key, value)
        reply = await self._txn(absent(key), put_op(key, value, lease), range_op(key), f"create {key}")
        if reply.get("succeeded"):
            return Written(written_kv(key, value, lease, revision_of(reply), None))
        return Conflict(self._one(txn_range(reply), f"create {key}"))

    async def update(
        self, key: str, value: bytes, *, mod_revision: int, lease: int = 0
    ) -> Written | Conflict | NotFound:
        check_value_size(key, value)
        what = f"update {key}"
        reply = await self._txn(exists_at(key, mod_revision), put_op(key, value, lease), range_op(key), what)
        if reply.get("succeeded"):
            put = txn_response(reply).get("response_put", {})
            return Written(written_kv(key, value, lease, revision_of(reply), put.get("prev_kv")))
        current = txn_range(reply)
        return Conflict(self._one(current, what)) if current else NotFound(key, revision_of(reply))

    async def put(self, key: str, value: bytes, *, lease: int = 0) -> Written:
        check_value_size(key, value)
        reply = await self._gateway.call("/v3/kv/put", put_request(key, value, lease))
        if isinstance(reply, Refusal):
            raise_refusal(reply, f"put {key}")
        put = cast(RawPut, reply)
        return Written(written_kv(key, value, lease, revision_of(put), put.get("prev_kv")))

    async def delete(self, key: str, *, mod_revision: int = 0) -> Deleted | Conflict | NotFound:
        what = f"delete {key}"
        if mod_revision:
            reply = await self._txn(exists_at(key, mod_revision), delete_op(key), range_op(key), what)
            if not reply.get("succeeded"):
                current = txn_range(reply)
                return Conflict(self._one(current, what)) if current else NotFound(key, revision_of(reply))
            deleted = txn_response(reply).get("response_delete_range", {})
        else:
            answer = await self._gateway.call("/v3/kv/deleterange", delete_request(key))
            if isinstance(answer, Refusal):
                raise_refusal(answer, what)
            deleted = cast(RawDeleteRange, answer)
        prev = deleted.get("prev_kvs", [])
        if not prev:
            return NotFound(key, revision_of(deleted))
        return Deleted(decode_kv(prev[0]), revision_of(deleted))

    async def compact(self, revision: int) -> None:
        if revision <= 0:
            return
        reply = await self._compact(revision)
        if isinstance(reply, Refusal) and reply.future_revision:
            # As the local backends do: compacting past the present compacts up to it.
            revision = await self.revision()
            reply = await self._compact(revision)
        if isinstance(reply, Refusal) and not reply.compacted:  # already compacted is fine
            raise_refusal(reply, f"compact to {revision}")
        log.debug("etcd_compacted", revision=revision)

    async def _compact(self, revision: int) -> Body | Refusal:
        request = {"revision": str(revision), "physical": True}
        return await self._gateway.call("/v3/kv/compaction", request, idempotent=True)

    async def _txn(self, compare: list[Body], success: Body, failure: Body, what: str) -> RawTxn:
        request = {"compare": compare, "success": [success], "failure": [failure]}
        reply = await self._gateway.call("/v3/kv/txn", request)
        if isinstance(reply, Refusal):
            raise_refusal(reply, what)
        return cast(RawTxn, reply)

    @staticmethod
    def _one(kvs: list[KeyValue], what: str) -> KeyValue:
        if not kvs:
            raise StorageError(f"{what}: etcd refused the write but returned no current version")
        return kvs[0]

    # Leases: etcd keeps the time and deletes the keys of expired leases itself.

    async def grant_lease(self, ttl: float) -> int:
        # etcd counts whole seconds and raises a TTL below its minimum (about 2 s) to it.
        reply = await self._gateway.call("/v3/lease/grant", {"TTL": str(max(1, math.ceil(ttl)))})
        if isinstance(reply, Refusal):
            raise_refusal(reply, "grant a lease")
        return int(cast(RawLease, reply).get("ID", "0"))

    async def refresh_lease(self, lease: int) -> bool:
        reply = await self._gateway.call("/v3/lease/keepalive", {"ID": str(lease)}, idempotent=True)
        if isinstance(reply, Refusal):
            if reply.lease_not_found:
                return False
            raise_refusal(reply, f"refresh lease {lease}")
        return int(cast(RawLease, reply).get("TTL", "0")) > 0

    async def revoke_lease(self, lease: int) -> None:
        reply = await self._gateway.call("/v3/lease/revoke", {"ID": str(lease)}, idempotent=True)
        if isinstance(reply, Refusal) and not reply.lease_not_found:  # already gone is fine
            raise_refusal(reply, f"revoke lease {lease}")

    # Watches.

    def watch(self, prefix: str, *, after_revision: int) -> EtcdWatch:
        watch = EtcdWatch(self._gateway, prefix, after_revision, self._watch_buffer, self._watches.discard)
        self._watches.add(watch)
        return watch


def _version_tuple(version: str) -> tuple[int, ...]:
    parts: list[int] = []
    for part in version.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)
