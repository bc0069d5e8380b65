"""Why: a DaemonSet runs a pod on every node its pods may run on, and decides which nodes those
are itself, as Kubernetes' ``NodeShouldRunDaemonPod`` does: the template's ``nodeName``,
``nodeSelector`` and required node affinity must match the node, and every ``NoSchedule`` or
``NoExecute`` taint of the node must be tolerated, counting the tolerations every daemon pod
gets (it keeps running on a node that is unreachable, under pressure or cordoned). A pod
already on a node whose only untolerated taints are ``NoSchedule`` may stay.

The matching rules are the scheduler's (``scheduling.node_selectors``, ``scheduling.taints``):
the set and the scheduler that binds its pods must agree. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kube_actors.scheduling.node_selectors import RequiredNodeAffinity, parse_node_selector
from kube_actors.scheduling.objects import InvalidObject, labels_at, mapping_at
from kube_actors.scheduling.taints import (
    DO_NOT_SCHEDULE_EFFECTS,
    NO_EXECUTE,
    first_untolerated_taint,
    parse_taints,
    parse_tolerations,
)

JsonObject = dict[str, Any]


def daemon_tolerations(host_network: bool) -> list[JsonObject]:
    """What Kubernetes' ``AddOrUpdateDaemonPodTolerations`` gives every daemon pod."""
    keys = [
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ]
    if host_network:
        keys.append(("node.kubernetes.io/network-unavailable", "NoSchedule"))
    return [{"key": key, "operator": "Exists", "effect": effect} for key, effect in keys]


def with_daemon_tolerations(tolerations: Iterable[JsonObject], host_network: bool) -> list[JsonObject]:
    """``tolerations`` plus the daemon ones it does not already have (by key and effect)."""
    merged = [dict(t) for t in tolerations if isinstance(t, dict)]
    have = {(t.get("key"), t.get("effect")) for t in merged}
    merged += [t for t in daemon_tolerations(host_network) if (t["key"], t["effect"]) not in have]
    return merged


def required_node_affinity(pod_spec: JsonObject) -> RequiredNodeAffinity:
    """The template's ``nodeSelector`` and required node affinity, as the scheduler reads them."""
    where = "template.spec"
    required = mapping_at(mapping_at(pod_spec, "affinity", where), "nodeAffinity", f"{where}.affinity").get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    return RequiredNodeAffinity(
        node_selector=tuple(sorted(labels_at(pod_spec, "nodeSelector", where).items())),
        required=parse_node_selector(required, f"{where}.affinity.nodeAffinity")
        if required is not None
        else None,
    )


def should_run(daemon_set: JsonObject, node: JsonObject) -> tuple[bool, bool]:
    """Whether a daemon pod should be started on ``node``, and whether one already there may
    keep running. A template or node that cannot be read runs nothing."""
    spec = (daemon_set["spec"].get("template") or {}).get("spec") or {}
    name = node["metadata"]["name"]
    if spec.get("nodeName") and spec["nodeName"] != name:
        return False, False
    try:
        affinity = required_node_affinity(spec)
        taints = parse_taints(node.get("spec") or {}, f"node {name!r}.spec")
        tolerations = parse_tolerations(
            {
                "tolerations": with_daemon_tolerations(
                    spec.get("tolerations") or [], spec.get("hostNetwork") is True
                )
            },
            "template.spec",
        )
    except InvalidObject:
        return False, False
    if not affinity.matches(name, node["metadata"].get("labels") or {}):
        return False, False
    if first_untolerated_taint(taints, tolerations, DO_NOT_SCHEDULE_EFFECTS) is not None:
        return False, first_untolerated_taint(taints, tolerations, (NO_EXECUTE,)) is None
    return True, True
