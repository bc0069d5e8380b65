"""Why: the two things done *to* a pod through subresources: the scheduler binds it to a node
(``/binding``), and ``kubectl drain`` evicts it (``/eviction``), which, unlike a delete, respects
PodDisruptionBudgets: an eviction that would take a budget's pods below what it allows is
answered 429 TooManyRequests and the client retries later.
"""

from __future__ import annotations

from kube_actors.api import status
from kube_actors.api.label_selectors import selector_matches
from kube_actors.api.resources import PODS, ResourceTable
from kube_actors.components.apiserver.deleting import DeleteOptions
from kube_actors.components.apiserver.objects import JsonObject, ObjectStore


def bound(pod: JsonObject, binding: JsonObject) -> JsonObject:
    """The pod as bound by ``binding`` (a ``v1 Binding``); 409 if it is already on a node."""
    target = binding.get("target") or {}
    node = target.get("name")
    if not isinstance(node, str) or not node:
        raise status.invalid("Binding", pod["metadata"]["name"], [("target.name", "Required value")])
    if target.get("kind", "Node") != "Node":
        raise status.invalid("Binding", pod["metadata"]["name"], [("target.kind", "must be Node")])
    current = pod.get("spec", {}).get("nodeName")
    if current:
        raise status.Conflict(f'pod {pod["metadata"]["name"]} is already assigned to node "{current}"')
    if pod["metadata"].get("deletionTimestamp"):
        raise status.Conflict(f"pod {pod['metadata']['name']} is being deleted, cannot be assigned to a host")
    bound_pod = {**pod, "spec": {**pod.get("spec", {}), "nodeName": node}}
    conditions = [c for c in pod.get("status", {}).get("conditions", []) if c.get("type") != "PodScheduled"]
    conditions.append({"type": "PodScheduled", "status": "True"})
    bound_pod["status"] = {**pod.get("status", {}), "conditions": conditions}
    return bound_pod


async def evict(
    objects: ObjectStore, table: ResourceTable, pod: JsonObject, eviction: JsonObject
) -> JsonObject:
    """Delete ``pod`` unless a disruption budget forbids it now (429); answers a Success Status."""
    namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    budgets = table.by_name("poddisruptionbudgets.policy")
    if budgets is not None and pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
        items, _ = await objects.list(budgets, namespace)
        labels = pod["metadata"].get("labels") or {}
        for budget in items:
            selector = budget.get("spec", {}).get("selector")
            if selector is None or not selector_matches(selector, labels):
                continue
            if budget.get("status", {}).get("disruptionsAllowed", 0) < 1:
                raise status.TooManyRequests(
                    f"Cannot evict pod as it would violate the pod's disruption budget "
                    f"{budget['metadata']['name']!r}."
                )
    options = DeleteOptions.parse({}, eviction.get("deleteOptions"))
    await objects.delete(PODS, namespace, name, options)
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
