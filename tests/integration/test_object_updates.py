"""Updates start from the watch cache's copy of an object, as Kubernetes' storage does; a copy
that lags behind storage must never change what an update means: a stale copy is tried again
from the stored object, a resourceVersion the client names is still checked against storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.api.resources import ResourceTable
from kube_actors.components.apiserver.objects import JsonObject, ObjectStore
from kube_actors.components.etcd import StorageClient, spawn_shards
from kube_actors.runtime import ActorSystem
from kube_actors.storage.config import StorageConfig

FOUND = ResourceTable().by_name("configmaps")
assert FOUND is not None
CONFIG_MAPS = FOUND


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ObjectStore]:
    config = StorageConfig(backend="memory", data_dir=tmp_path)
    async with ActorSystem("cp") as system:
        spawn_shards(system, config)
        yield ObjectStore(StorageClient(system, config.shard_map), system.clock)


def config_map(value: str, version: str = "") -> JsonObject:
    metadata: dict[str, Any] = {"name": "settings"}
    if version:
        metadata["resourceVersion"] = version
    return {"metadata": metadata, "data": {"color": value}}


class Remembering:
    """A watch cache whose version of every key is ``copy``."""

    def __init__(self, copy: JsonObject) -> None:
        self.copy = copy
        self.asked: list[str] = []

    def latest(self, resource: Any, key: str) -> tuple[int, JsonObject]:
        self.asked.append(key)
        return int(self.copy["metadata"]["resourceVersion"]), self.copy

    def snapshot(self, resource: Any, namespace: str) -> None:
        return None

    def writing(self, resource: Any, key: str, encoded: bytes, obj: JsonObject) -> None:
        """Takes nothing: every key's version is ``copy``."""


def remembering(store: ObjectStore, copy: JsonObject) -> list[str]:
    """Make ``copy`` the cache's version of every key; returns the keys asked for."""
    store.cache = cache = Remembering(copy)
    return cache.asked


async def test_an_update_from_a_current_copy_does_not_read_storage(store: ObjectStore) -> None:
    first = await store.create(CONFIG_MAPS, "default", config_map("blue"))
    asked = remembering(store, first)
    updated = await store.update(CONFIG_MAPS, "default", "settings", config_map("red"))
    assert asked == ["/registry/configmaps/default/settings"]
    assert updated["data"] == {"color": "red"}
    assert first["data"] == {"color": "blue"}, "the cache's copy is not changed"
    assert await store.get(CONFIG_MAPS, "default", "settings") == updated


async def test_a_stale_copy_is_tried_again_from_storage(store: ObjectStore) -> None:
    stale = await store.create(CONFIG_MAPS, "default", config_map("blue"))
    current = await store.update(CONFIG_MAPS, "default", "settings", config_map("green"))
    remembering(store, stale)
    # The client read the current version: the stale copy must not make its update a 409.
    named = await store.update(
        CONFIG_MAPS, "default", "settings", config_map("red", current["metadata"]["resourceVersion"])
    )
    assert named["data"] == {"color": "red"}
    unnamed = await store.update(CONFIG_MAPS, "default", "settings", config_map("white"))
    assert unnamed["data"] == {"color": "white"}


async def test_a_named_version_that_moved_on_is_still_a_conflict(store: ObjectStore) -> None:
    first = await store.create(CONFIG_MAPS, "default", config_map("blue"))
    await store.update(CONFIG_MAPS, "default", "settings", config_map("green"))
    remembering(store, first)  # the cache agrees with the client's stale version
    with pytest.raises(status.ApiError) as refused:
        await store.update(
            CONFIG_MAPS, "default", "settings", config_map("red", first["metadata"]["resourceVersion"])
        )
    assert refused.value.code == 409
    assert (await store.get(CONFIG_MAPS, "default", "settings"))["data"] == {"color": "green"}


async def test_a_copy_of_a_deleted_object_is_not_revived(store: ObjectStore) -> None:
    gone = await store.create(CONFIG_MAPS, "default", config_map("blue"))
    await store.delete(CONFIG_MAPS, "default", "settings")
    remembering(store, gone)
    with pytest.raises(status.ApiError) as refused:
        await store.update(CONFIG_MAPS, "default", "settings", config_map("red"))
    assert refused.value.code == 404
