"""Why: the etcd-like stores behind the etcd shard actors.

``base`` defines the interface and its outcomes; ``mvcc`` the shared in-memory core;
``memory``, ``sqlite`` and ``etcd`` are the backends; ``sharding`` maps key prefixes to shards.
"""
