"""Why: workloads and ``apply`` actions go in the way ``kubectl apply`` puts them: created when
absent; when present, changed by a three-way merge patch (what the previous apply wrote, what
this one says, what is live), so fields others changed since (a ``scale``) stay theirs, and
fields this manifest dropped are removed. The last applied configuration is kept in the same
annotation kubectl uses, so ``kubectl apply`` on a scenario's cluster carries on from here.
"""

from __future__ import annotations

import json
from typing import Any

from kube_actors.api import status
from kube_actors.api.resources import ResourceType
from kube_actors.api.trees import copy_tree
from kube_actors.components.apiserver import messages as m
from kube_actors.runtime import ActorRef
from kube_actors.scenario.manifests import Manifest

JsonObject = dict[str, Any]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
TIMEOUT = 30.0


def resource_name(resource: ResourceType) -> str:
    """kubectl's name for a resource: ``pods``, ``deployments.apps``."""
    return f"{resource.plural}.{resource.group}" if resource.group else resource.plural


async def apply_manifest(api: ActorRef, manifest: Manifest, default_namespace: str) -> str:
    """Create or update; returns what kubectl prints (``deployment.apps/web created``)."""
    resource, namespace = manifest.resource, manifest.namespace(default_namespace)
    name = resource_name(resource)
    body = copy_tree(manifest.object)
    body.setdefault("metadata", {})
    if resource.namespaced:
        body["metadata"]["namespace"] = namespace
    applied = json.dumps(manifest.object, sort_keys=True, separators=(",", ":"))
    body["metadata"].setdefault("annotations", {})[LAST_APPLIED] = applied
    shown = f"{resource.singular_name}{'.' + resource.group if resource.group else ''}/{manifest.name}"
    try:
        live = await api.ask(m.GetObject(name, namespace, manifest.name), timeout=TIMEOUT)
    except status.NotFound:
        await api.ask(m.CreateObject(name, namespace, body), timeout=TIMEOUT)
        return f"{shown} created"
    previous = _last_applied(live)
    patch = three_way_patch(previous, manifest.object, live)
    annotations = live.get("metadata", {}).get("annotations") or {}
    if annotations.get(LAST_APPLIED) != applied:
        patch.setdefault("metadata", {}).setdefault("annotations", {})[LAST_APPLIED] = applied
    if not patch:
        return f"{shown} unchanged"
    await api.ask(m.PatchObject(name, namespace, manifest.name, patch), timeout=TIMEOUT)
    return f"{shown} configured"


def three_way_patch(previous: JsonObject, desired: JsonObject, live: JsonObject) -> JsonObject:
    """A JSON merge patch taking ``live`` to ``desired``: fields ``desired`` sets and ``live``
    differs on, and fields ``previous`` (the last apply) set that ``desired`` dropped.

    >>> previous, desired = {"spec": {"a": 1, "b": 2}}, {"spec": {"a": 1, "c": 3}}
    >>> three_way_patch(previous, desired, {"spec": {"a": 5, "b": 2, "r": 9}})
    {'spec': {'a': 1, 'c': 3, 'b': None}}
    """
    patch: JsonObject = {}
    for key, value in desired.items():
        current = live.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            before = previous.get(key)
            inner = three_way_patch(before if isinstance(before, dict) else {}, value, current)
            if inner:
                patch[key] = inner
        elif current != value:
            patch[key] = copy_tree(value)
    for key in previous:
        if key not in desired and key in live:
            patch[key] = None
    return patch


def _last_applied(live: JsonObject) -> JsonObject:
    text = (live.get("metadata", {}).get("annotations") or {}).get(LAST_APPLIED)
    if not isinstance(text, str):
        return {}
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
