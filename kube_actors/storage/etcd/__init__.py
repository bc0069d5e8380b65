"""Why: the storage backend for a real etcd cluster, reached through its v3 JSON gateway.

``backend`` implements ``StorageBackend``; ``gateway`` is the only module that imports
aiohttp; ``wire`` decodes etcd's proto3 JSON; ``watch`` turns watch streams into
``WatchStream``s with the same buffering and cut-off as the local backends.
"""

from kube_actors.storage.etcd.backend import EtcdBackend

__all__ = ["EtcdBackend"]
