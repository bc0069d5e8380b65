"""Why: the embedded default backend, durable on one machine the way k3s runs on SQLite.

``schema`` opens and checks a shard's database file; ``writer`` is the pykka thread actor that
owns the connection; ``backend`` keeps the MVCC core in memory and makes writes durable with
group commit.
"""

from kube_actors.storage.sqlite.backend import SqliteBackend

__all__ = ["SqliteBackend"]
