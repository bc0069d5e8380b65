"""Why: the workload kinds (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job) share their
wide columns, the CONTAINERS, IMAGES and SELECTOR of the pod template, and count replicas the
same way; their printers live together so those cells are written once.

Registers its printers with ``columns``; reads objects through ``fields``.
"""

from __future__ import annotations

from kube_actors.api.times import unix_seconds
from kube_actors.components.apiserver.tables.columns import Cells, prints
from kube_actors.components.apiserver.tables.durations import human_duration
from kube_actors.components.apiserver.tables.fields import (
    JsonObject,
    condition_true,
    format_labels,
    meta,
    name_age,
    part,
)


def _format_selector(selector: JsonObject | None) -> str:
    """A ``LabelSelector`` as Kubernetes writes it: ``app=web,tier in (a,b),!legacy``.

    >>> _format_selector({"matchLabels": {"app": "web"}, "matchExpressions": [
    ...     {"key": "tier", "operator": "In", "values": ["b", "a"]},
    ...     {"key": "legacy", "operator": "DoesNotExist"}]})
    'app=web,!legacy,tier in (a,b)'
    """
    selector = selector or {}
    terms = [(key, f"{key}={value}") for key, value in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key", ""), expression.get("operator", "")
        values = ",".join(sorted(expression.get("values") or []))
        written = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "DoesNotExist": f"!{key}",
        }
        terms.append((key, written.get(operator, key)))
    return ",".join(text for _, text in sorted(terms, key=lambda term: term[0]))


def _template_cells(spec: JsonObject, *, selector: bool = True) -> Cells:
    """CONTAINERS, IMAGES and SELECTOR of a workload (``<none>`` for an empty selector)."""
    containers: list[JsonObject] = part(part(spec, "template"), "spec").get("containers") or []
    cells: Cells = [
        ",".join(c.get("name", "") for c in containers),
        ",".join(c.get("image", "") for c in containers),
    ]
    return [*cells, _format_selector(spec.get("selector")) or "<none>"] if selector else cells


@prints(
    "Deployment",
    ("Name", "Ready", "Up-to-date", "Available", "Age"),
    wide=("Containers", "Images", "Selector"),
)
def _deployment(obj: JsonObject, now: float) -> Cells:
    spec, state = part(obj, "spec"), part(obj, "status")
    name, age = name_age(obj, now)
    ready = f"{state.get('readyReplicas', 0)}/{spec.get('replicas', 1)}"
    wide = [*_template_cells(spec, selector=False), _format_selector(spec.get("selector"))]  # no <none>
    return [name, ready, state.get("updatedReplicas", 0), state.get("availableReplicas", 0), age, *wide]


@prints(
    "ReplicaSet",
    ("Name", "Desired", "Current", "Ready", "Age"),
    wide=("Containers", "Images", "Selector"),
    integers=("Desired", "Current", "Ready"),
)
def _replica_set(obj: JsonObject, now: float) -> Cells:
    spec, state = part(obj, "spec"), part(obj, "status")
    name, age = name_age(obj, now)
    counts = [spec.get("replicas", 1), state.get("replicas", 0), state.get("readyReplicas", 0)]
    return [name, *counts, age, *_template_cells(spec)]


@prints("StatefulSet", ("Name", "Ready", "Age"), wide=("Containers", "Images"))
def _stateful_set(obj: JsonObject, now: float) -> Cells:
    spec, state = part(obj, "spec"), part(obj, "status")
    name, age = name_age(obj, now)
    ready = f"{state.get('readyReplicas', 0)}/{spec.get('replicas', 1)}"
    return [name, ready, age, *_template_cells(spec, selector=False)]


@prints(
    "DaemonSet",
    ("Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"),
    wide=("Containers", "Images", "Selector"),
    integers=("Desired", "Current", "Ready", "Up-to-date", "Available"),
)
def _daemon_set(obj: JsonObject, now: float) -> Cells:
    spec, state = part(obj, "spec"), part(obj, "status")
    name, age = name_age(obj, now)
    scheduled = ("desiredNumberScheduled", "currentNumberScheduled", "numberReady")
    counts = [state.get(field, 0) for field in (*scheduled, "updatedNumberScheduled", "numberAvailable")]
    node_selector = format_labels(part(part(spec, "template"), "spec").get("nodeSelector"))
    return [name, *counts, node_selector, age, *_template_cells(spec)]


@prints(
    "Job", ("Name", "Status", "Completions", "Duration", "Age"), wide=("Containers", "Images", "Selector")
)
def _job(obj: JsonObject, now: float) -> Cells:
    spec, state = part(obj, "spec"), part(obj, "status")
    name, age = name_age(obj, now)
    succeeded, parallelism = state.get("succeeded", 0), spec.get("parallelism") or 0
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    else:
        completions = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    started, finished = unix_seconds(state.get("startTime")), unix_seconds(state.get("completionTime"))
    took = "" if started is None else human_duration((now if finished is None else finished) - started)
    conditions = state.get("conditions") or []
    held = {c: condition_true(conditions, c) for c in ("Complete", "Failed", "Suspended", "FailureTarget")}
    held["Terminating"] = bool(meta(obj).get("deletionTimestamp"))
    order = ("Complete", "Failed", "Terminating", "Suspended", "FailureTarget")  # the first that holds wins
    phase = next((candidate for candidate in order if held[candidate]), "Running")
    return [name, phase, completions, took, age, *_template_cells(spec)]
