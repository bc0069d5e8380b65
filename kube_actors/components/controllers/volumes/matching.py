"""Why: binding a claim to a volume is a choice among existing volumes, and it must be the one
Kubernetes makes (``FindMatchingVolume`` and the PV controller's access-mode index): a volume
pre-bound to the claim wins; otherwise the smallest Available volume that is big enough, of the
claim's class and volume mode, matching its selector, with at least its access modes (the
volumes with the fewest extra modes first) and, when a node is chosen, reachable from it.

Pure. The scheduler's volume hook must agree with this on which volumes fit a node
(``volume_fits_node``): both read the PV's ``spec.nodeAffinity`` with the scheduler's own
node-selector semantics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kube_actors.api.label_selectors import selector_matches
from kube_actors.api.quantity import Quantity, QuantityError, parse_quantity
from kube_actors.scheduling.node_selectors import parse_node_selector
from kube_actors.scheduling.objects import InvalidObject

JsonObject = dict[str, Any]
STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"  # before storageClassName existed
AVAILABLE = "Available"


def claim_class(claim: Mapping[str, Any]) -> str:
    """The claim's class name; "" asks for no class."""
    name = claim.get("spec", {}).get("storageClassName")
    if name is None:
        name = (claim.get("metadata", {}).get("annotations") or {}).get(STORAGE_CLASS_ANNOTATION, "")
    return str(name)


def volume_class(volume: Mapping[str, Any]) -> str:
    return claim_class(volume)  # the same two places, read the same way


def requested_storage(claim: Mapping[str, Any]) -> Quantity | None:
    requests = (claim.get("spec", {}).get("resources") or {}).get("requests") or {}
    return _quantity(requests.get("storage"))


def capacity(volume: Mapping[str, Any]) -> Quantity | None:
    return _quantity((volume.get("spec", {}).get("capacity") or {}).get("storage"))


def _quantity(text: Any) -> Quantity | None:
    if text is None:
        return None
    try:
        return parse_quantity(text)
    except QuantityError:
        return None


def volume_mode(obj: Mapping[str, Any]) -> str:
    return str(obj.get("spec", {}).get("volumeMode") or "Filesystem")


def is_bound_to(volume: Mapping[str, Any], claim: Mapping[str, Any]) -> bool:
    """The volume's claimRef names the claim (and its uid, once it has one)."""
    ref = volume.get("spec", {}).get("claimRef")
    if not isinstance(ref, Mapping):
        return False
    metadata = claim["metadata"]
    if ref.get("name") != metadata["name"] or ref.get("namespace") != metadata.get("namespace"):
        return False
    return not ref.get("uid") or ref.get("uid") == metadata.get("uid")


def volume_fits_node(volume: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    """Whether the node can reach the volume (its ``spec.nodeAffinity.required``; none: all)."""
    required = (volume.get("spec", {}).get("nodeAffinity") or {}).get("required")
    if required is None:
        return True
    try:
        selector = parse_node_selector(required, "spec.nodeAffinity.required")
    except InvalidObject:
        return False
    metadata = node.get("metadata", {})
    return selector.matches(str(metadata.get("name", "")), metadata.get("labels") or {})


def best_volume(
    claim: Mapping[str, Any],
    volumes: Iterable[JsonObject],
    *,
    node: Mapping[str, Any] | None = None,
    delay_binding: bool = False,
) -> JsonObject | None:
    """The volume to bind ``claim`` to, or None. ``delay_binding``: the claim's class waits for
    its first consumer and none is scheduled yet, so only a volume pre-bound to the claim
    qualifies; ``node``: the consumer's node, which the volume must fit."""
    wanted_modes = frozenset(claim.get("spec", {}).get("accessModes") or ())
    groups: dict[frozenset[str], list[JsonObject]] = {}
    for volume in volumes:
        modes = frozenset(volume.get("spec", {}).get("accessModes") or ())
        if wanted_modes <= modes:
            groups.setdefault(modes, []).append(volume)
    for modes in sorted(groups, key=lambda m: (len(m), sorted(m))):
        found = _best_in(claim, groups[modes], node, delay_binding)
        if found is not None:
            return found
    return None


def _best_in(
    claim: Mapping[str, Any], volumes: list[JsonObject], node: Mapping[str, Any] | None, delay_binding: bool
) -> JsonObject | None:
    requested = requested_storage(claim) or parse_quantity("0")
    wanted_class = claim_class(claim)
    selector = claim.get("spec", {}).get("selector")
    smallest: tuple[Quantity, str, JsonObject] | None = None
    for volume in volumes:
        spec = volume.get("spec", {})
        ref = spec.get("claimRef")
        bound_here = is_bound_to(volume, claim)
        if ref and not bound_here:
            continue
        size = capacity(volume)
        if size is None or size < requested or volume_mode(volume) != volume_mode(claim):
            continue
        if volume["metadata"].get("deletionTimestamp"):
            continue
        fits = node is None or volume_fits_node(volume, node)
        if bound_here:
            return volume if fits else None
        if delay_binding:
            continue
        if (volume.get("status") or {}).get("phase") != AVAILABLE:
            continue
        if selector is not None and not selector_matches(selector, volume["metadata"].get("labels")):
            continue
        if volume_class(volume) != wanted_class or not fits:
            continue
        candidate = (size, str(volume["metadata"]["name"]), volume)
        if smallest is None or candidate[:2] < smallest[:2]:
            smallest = candidate
    return smallest[2] if smallest else None
