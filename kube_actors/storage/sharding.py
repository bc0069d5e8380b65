"""Why: which shard owns a key, the way Kubernetes' ``--etcd-servers-overrides`` splits
resources across etcd clusters.

Keys look like ``/registry/<resource>/<namespace>/<name>``. By default events, leases and pods
(the three busiest resources of a large cluster) each get a shard of their own and everything
else shares ``main``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

REGISTRY = "/registry/"
DEFAULT_SHARD = "main"
DEFAULT_OVERRIDES: Mapping[str, str] = {"events": "events", "leases": "leases", "pods": "pods"}


@dataclass(frozen=True)
class ShardMap:
    """Resource name -> shard name; resources not listed go to ``default``."""

    overrides: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_OVERRIDES))
    default: str = DEFAULT_SHARD

    @property
    def shards(self) -> list[str]:
        """Every shard name, the default first."""
        return [self.default, *sorted(set(self.overrides.values()) - {self.default})]

    def shard_for(self, key: str) -> str:
        """The shard owning a key (or a key prefix within one resource).

        >>> ShardMap().shard_for("/registry/pods/default/web-0")
        'pods'
        >>> ShardMap().shard_for("/registry/deployments/default/web")
        'main'
        >>> ShardMap().shard_for("/registry/")
        Traceback (most recent call last):
        ...
        ValueError: '/registry/' spans several shards; name one resource: /registry/<resource>/
        """
        resource = resource_of(key)
        if resource is None:
            if len(self.shards) == 1:
                return self.default
            raise ValueError(f"{key!r} spans several shards; name one resource: {REGISTRY}<resource>/")
        return self.overrides.get(resource, self.default)

    @classmethod
    def parse(cls, text: str, default: str = DEFAULT_SHARD) -> ShardMap:
        """From ``resource=shard,...`` (empty: everything on one shard).

        >>> ShardMap.parse("events=events, pods=hot").shard_for("/registry/pods/x/y")
        'hot'
        >>> ShardMap.parse("pods")
        Traceback (most recent call last):
        ...
        ValueError: bad shard override 'pods': expected resource=shard
        """
        overrides: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            resource, equals, shard = (s.strip() for s in item.partition("="))
            if not equals or not resource or not shard:
                raise ValueError(f"bad shard override {item!r}: expected resource=shard")
            overrides[resource] = shard
        return cls(overrides, default)


def resource_of(key: str) -> str | None:
    """The resource segment of a registry key, or None for a prefix above one resource.

    >>> resource_of("/registry/pods/default/web"), resource_of("/registry/pods/"), resource_of("/registry/")
    ('pods', 'pods', None)
    """
    if not key.startswith(REGISTRY):
        return None
    resource, slash, _ = key[len(REGISTRY) :].partition("/")
    return resource if slash and resource else None
