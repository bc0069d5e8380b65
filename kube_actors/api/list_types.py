"""Why: how each list in an object combines with another version of itself is one fact with two
users. A strategic merge patch (``patching``) merges lists of objects item by item by a key, and
server-side apply (``field_sets``) names those items by the same key and owns them one by one;
lists of plain values that are sets merge as sets; every other list is atomic, replaced whole.

Kubernetes reads this from its Go types' ``patchMergeKey``/``listType`` tags; here it is a table
of the field names that carry them.
"""

from __future__ import annotations

from typing import Any

# Lists Kubernetes merges by a key field (``patchMergeKey``) rather than replacing.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "ownerReferences": "uid",
}
# Lists of plain values Kubernetes merges as sets.
MERGED_SETS = frozenset({"finalizers"})


def merge_key(field: str, items: list[Any]) -> str | None:
    """The key a list merges by, or None for a set or an atomic list. ``ports`` of containers
    merge by ``containerPort``, of services by ``port``.

    >>> merge_key("containers", []), merge_key("args", ["-v"])
    ('name', None)
    >>> merge_key("ports", [{"containerPort": 80}]), merge_key("ports", [{"port": 80}])
    ('containerPort', 'port')
    """
    if field == "ports":
        return "containerPort" if any(isinstance(i, dict) and "containerPort" in i for i in items) else "port"
    return MERGE_KEYS.get(field)
