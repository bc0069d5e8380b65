"""Why: etcd as actors: each shard of the key space is an ``EtcdShard`` actor wrapping one
storage backend; ``StorageClient`` routes the apiserver's requests to the right shard."""

from kube_actors.components.etcd.client import StorageClient, spawn_shards
from kube_actors.components.etcd.shard import EtcdShard

__all__ = ["EtcdShard", "StorageClient", "spawn_shards"]
