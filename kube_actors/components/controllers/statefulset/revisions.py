"""Why: a StatefulSet rolls a new template out pod by pod, so its pods may be at two revisions at
once: ``currentRevision``, which pods below the partition keep (and come back as when deleted),
and ``updateRevision``, the set's template now. Kubernetes names a revision ``<set>-<hash>`` with
an FNV-32 hash of the template written in its safe alphabet, and stores each one in a
ControllerRevision object.

This apiserver does not serve ControllerRevisions, so revision names are computed from the
template the same way, and the templates of revisions still in use are kept by the controller
in a ``RevisionHistory`` (pure state, held by the actor shell). After a restart the history
starts empty and learns an older revision's template from the first pod it sees still at it
(``identity.template_from_pod``); only if every such pod went while no controller ran is the
old template lost (the set's own template is used then).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kube_actors.api.identities import safe_encode
from kube_actors.api.trees import copy_tree
from kube_actors.components.controllers.statefulset.identity import revision_of, template_from_pod

JsonObject = dict[str, Any]

_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193


def fnv32(data: bytes) -> int:
    """FNV-1 (32 bits), the hash Kubernetes names controller revisions with.

    >>> fnv32(b""), fnv32(b"a")
    (2166136261, 84696446)
    """
    value = _FNV32_OFFSET
    for byte in data:
        value = (value * _FNV32_PRIME) & 0xFFFFFFFF
        value ^= byte
    return value


def revision_name(set_name: str, template: JsonObject) -> str:
    """``<set>-<hash of the template>``; equal templates give equal names, so rolling back to
    an earlier template returns to that revision's name.

    >>> revision_name("db", {"spec": {"containers": [{"name": "a"}]}}) == revision_name(
    ...     "db", {"spec": {"containers": [{"name": "a"}]}})
    True
    """
    data = json.dumps({"spec": {"template": template}}, sort_keys=True, separators=(",", ":"))
    return f"{set_name}-{safe_encode(str(fnv32(data.encode())))}"


def update_revision(stateful_set: JsonObject) -> str:
    return revision_name(stateful_set["metadata"]["name"], stateful_set["spec"].get("template") or {})


class RevisionHistory:
    """The templates of each set's revisions the controller has seen, by set uid and revision
    name, for recreating pods at a revision that is no longer the set's template."""

    def __init__(self) -> None:
        self._templates: dict[str, dict[str, JsonObject]] = {}

    def record(self, stateful_set: JsonObject) -> str:
        """Remember the set's template under its revision name; returns the name."""
        name = update_revision(stateful_set)
        kept = self._templates.setdefault(stateful_set["metadata"]["uid"], {})
        if name not in kept:
            kept[name] = copy_tree(stateful_set["spec"].get("template") or {})
        return name

    def learn_from_pods(self, stateful_set: JsonObject, pods: Iterable[JsonObject]) -> None:
        """Remember, from the set's pods, the templates of revisions not known yet."""
        kept = self._templates.setdefault(stateful_set["metadata"]["uid"], {})
        for pod in pods:
            revision = revision_of(pod)
            if revision and revision not in kept:
                kept[revision] = template_from_pod(stateful_set, pod)

    def templates(self, set_uid: str) -> dict[str, JsonObject]:
        return self._templates.get(set_uid, {})

    def keep_only(self, set_uid: str, revisions: set[str]) -> None:
        """Drop the revisions no pod and no status refers to any longer."""
        kept = self._templates.get(set_uid)
        if kept is not None:
            for name in [name for name in kept if name not in revisions]:
                del kept[name]

    def forget(self, set_uid: str) -> None:
        self._templates.pop(set_uid, None)

    def __len__(self) -> int:
        return sum(len(kept) for kept in self._templates.values())
