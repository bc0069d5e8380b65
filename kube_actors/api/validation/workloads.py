"""Why: the controllers' objects (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job) must
select the pods their template makes, keep counts non-negative, run their pods with a
restart policy the controller can manage, and keep fixed what identifies their pods
(selectors; a Job's template), as Kubernetes' apps and batch validation require.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kube_actors.api import names
from kube_actors.api.label_selectors import is_empty, selector_matches
from kube_actors.api.validation.fields import FieldErrors, GoValue, child, is_int, label_selector, string_map
from kube_actors.api.validation.metadata import check_label_selector, check_template_meta
from kube_actors.api.validation.pods import check_pod_template

JsonObject = Mapping[str, Any]
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
_PERCENT = re.compile(r"^[0-9]+%$")
_STATEFULSET_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)


def check_deployment(errors: FieldErrors, obj: JsonObject, old: JsonObject | None) -> None:
    spec = _spec(obj)
    _check_replica_set_like(errors, spec, "deployment")
    _check_deployment_strategy(errors, spec.get("strategy"))
    errors.nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    errors.nonnegative("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    deadline = spec.get("progressDeadlineSeconds")
    errors.nonnegative("spec.progressDeadlineSeconds", deadline)
    if is_int(deadline) and deadline <= (spec.get("minReadySeconds") or 0):
        errors.invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds")
    _check_selector_kept(errors, spec, old)


def check_replica_set(errors: FieldErrors, obj: JsonObject, old: JsonObject | None) -> None:
    spec = _spec(obj)
    _check_replica_set_like(errors, spec, "deployment")  # sic: Kubernetes says "deployment" here too
    errors.nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    _check_selector_kept(errors, spec, old)


def check_stateful_set(errors: FieldErrors, obj: JsonObject, old: JsonObject | None) -> None:
    spec = _spec(obj)
    policy = spec.get("podManagementPolicy")
    if not policy:
        errors.required("spec.podManagementPolicy", "")
    elif policy not in ("OrderedReady", "Parallel"):
        errors.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'")
    _check_stateful_set_strategy(errors, spec.get("updateStrategy"))
    errors.nonnegative("spec.replicas", spec.get("replicas"))
    errors.nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    _check_selector(errors, spec, "statefulset")
    template = spec.get("template")
    # Kubernetes checks only the template's metadata here; pods the controller cannot create
    # show up as FailedCreate events instead.
    if isinstance(template, Mapping):
        _check_template_selected(errors, spec, template)
        check_template_meta(errors, template.get("metadata"), "spec.template.metadata")
    _check_controller_pod_spec(errors, template, "StatefulSet", ("Always",))
    if old is not None:
        kept = {k: v for k, v in spec.items() if k not in _STATEFULSET_MUTABLE}
        was = {k: v for k, v in _spec(old).items() if k not in _STATEFULSET_MUTABLE}
        if kept != was:
            errors.forbidden(
                "spec",
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                "'minReadySeconds' are forbidden",
            )


def check_daemon_set(errors: FieldErrors, obj: JsonObject, old: JsonObject | None) -> None:
    spec = _spec(obj)
    _check_selector(errors, spec, "daemonset")
    template = spec.get("template")
    if isinstance(template, Mapping):
        _check_template_selected(errors, spec, template)
    check_pod_template(errors, template, "spec.template")
    _check_controller_pod_spec(errors, template, "DaemonSet", ("Always",))
    errors.nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    _check_daemon_set_strategy(errors, spec.get("updateStrategy"))
    errors.nonnegative("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    _check_selector_kept(errors, spec, old)


def check_job(errors: FieldErrors, obj: JsonObject, old: JsonObject | None) -> None:
    spec = _spec(obj)
    for field_name in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit"):
        errors.nonnegative(child("spec", field_name), spec.get(field_name))
    mode = spec.get("completionMode")
    if mode not in (None, "NonIndexed", "Indexed"):
        errors.not_supported("spec.completionMode", mode, ("NonIndexed", "Indexed"))
    if mode == "Indexed" and spec.get("completions") is None:
        errors.required("spec.completions", "when completion mode is Indexed")
    selector = spec.get("selector")
    if selector is None:
        errors.required("spec.selector", "")
    else:
        check_label_selector(errors, selector, "spec.selector")
        uid = (obj.get("metadata") or {}).get("uid")
        generated = uid and not spec.get("manualSelector") and isinstance(selector, Mapping)
        if generated and not selector_matches(selector, {CONTROLLER_UID_LABEL: uid}):
            errors.invalid("spec.selector", label_selector(selector), "`selector` not auto-generated")
    template = spec.get("template")
    if isinstance(template, Mapping) and isinstance(selector, Mapping):
        _check_template_selected(errors, spec, template)
    check_pod_template(errors, template, "spec.template")
    _check_controller_pod_spec(errors, template, "", ("OnFailure", "Never"))
    if old is None:
        return
    was = _spec(old)
    elastic = mode == "Indexed" and spec.get("completions") == spec.get("parallelism")
    if spec.get("completions") != was.get("completions") and not elastic:
        errors.immutable("spec.completions", spec.get("completions"))
    if spec.get("selector") != was.get("selector"):
        errors.immutable("spec.selector", label_selector(spec.get("selector")))
    if spec.get("template") != was.get("template"):
        errors.immutable("spec.template", GoValue("core.PodTemplateSpec{...}"))


def _spec(obj: JsonObject) -> Mapping[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _check_replica_set_like(errors: FieldErrors, spec: Mapping[str, Any], noun: str) -> None:
    """What Deployments and ReplicaSets share: replicas, a selector, a template it selects."""
    errors.nonnegative("spec.replicas", spec.get("replicas"))
    _check_selector(errors, spec, noun)
    template = spec.get("template")
    if isinstance(template, Mapping):
        _check_template_selected(errors, spec, template)
    check_pod_template(errors, template, "spec.template")
    _check_controller_pod_spec(errors, template, "ReplicaSet", ("Always",))


def _check_selector(errors: FieldErrors, spec: Mapping[str, Any], noun: str) -> None:
    selector = spec.get("selector")
    if selector is None:
        errors.required("spec.selector", "")
        return
    check_label_selector(errors, selector, "spec.selector")
    if isinstance(selector, Mapping) and is_empty(selector):
        errors.invalid("spec.selector", label_selector(selector), f"empty selector is invalid for {noun}")


def _check_template_selected(
    errors: FieldErrors, spec: Mapping[str, Any], template: Mapping[str, Any]
) -> None:
    selector = spec.get("selector")
    if selector is not None and not isinstance(selector, Mapping):
        return  # check_label_selector reports it
    metadata = template.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    if not selector_matches(selector, labels if isinstance(labels, Mapping) else None):
        errors.invalid(
            "spec.template.metadata.labels",
            GoValue(string_map(labels if isinstance(labels, Mapping) else None)),
            "`selector` does not match template `labels`",
        )


def _check_controller_pod_spec(
    errors: FieldErrors, template: Any, owner: str, restart: tuple[str, ...]
) -> None:
    """The restart policies a controller can manage, and no pod deadline where pods are
    meant to run forever."""
    spec = template.get("spec") if isinstance(template, Mapping) else None
    if not isinstance(spec, Mapping):
        return
    if spec.get("restartPolicy") not in restart:
        errors.not_supported("spec.template.spec.restartPolicy", spec.get("restartPolicy"), restart)
    if owner and spec.get("activeDeadlineSeconds") is not None:
        errors.forbidden(
            "spec.template.spec.activeDeadlineSeconds", f"activeDeadlineSeconds in {owner} is not Supported"
        )


def _check_selector_kept(errors: FieldErrors, spec: Mapping[str, Any], old: JsonObject | None) -> None:
    if old is not None and spec.get("selector") != _spec(old).get("selector"):
        errors.immutable("spec.selector", label_selector(spec.get("selector")))


def _check_deployment_strategy(errors: FieldErrors, strategy: Any) -> None:
    strategy = strategy if isinstance(strategy, Mapping) else {}
    kind, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    path = "spec.strategy.rollingUpdate"
    if kind == "Recreate":
        if rolling is not None:
            errors.forbidden(path, "may not be specified when strategy `type` is 'Recreate'")
    elif kind == "RollingUpdate":
        if not isinstance(rolling, Mapping):
            errors.required(path, "this should be defaulted and never be nil")
            return
        unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
        _check_int_or_percent(errors, unavailable, child(path, "maxUnavailable"))
        _check_int_or_percent(errors, surge, child(path, "maxSurge"))
        if _int_or_percent(unavailable) == 0 and _int_or_percent(surge) == 0:
            errors.invalid(
                child(path, "maxUnavailable"), _shown(unavailable), "may not be 0 when `maxSurge` is 0"
            )
        _check_at_most_100_percent(errors, unavailable, child(path, "maxUnavailable"))
    else:
        errors.not_supported("spec.strategy", dict(strategy), ("Recreate", "RollingUpdate"))


def _check_daemon_set_strategy(errors: FieldErrors, strategy: Any) -> None:
    strategy = strategy if isinstance(strategy, Mapping) else {}
    kind, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    path = "spec.updateStrategy.rollingUpdate"
    if kind == "OnDelete":
        return
    if kind != "RollingUpdate":
        errors.not_supported("spec.updateStrategy", dict(strategy), ("RollingUpdate", "OnDelete"))
        return
    if not isinstance(rolling, Mapping):
        errors.required(path, "")
        return
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    for name, value in (("maxUnavailable", unavailable), ("maxSurge", surge)):
        _check_int_or_percent(errors, value, child(path, name))
        _check_at_most_100_percent(errors, value, child(path, name))
    has_unavailable, has_surge = _int_or_percent(unavailable) != 0, _int_or_percent(surge) != 0
    if has_unavailable and has_surge:
        errors.invalid(
            child(path, "maxSurge"), _shown(surge), "may not be set when maxUnavailable is non-zero"
        )
    elif not has_unavailable and not has_surge:
        errors.required(child(path, "maxUnavailable"), "cannot be 0 when maxSurge is 0")


def _check_stateful_set_strategy(errors: FieldErrors, strategy: Any) -> None:
    strategy = strategy if isinstance(strategy, Mapping) else {}
    kind, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    if not kind:
        errors.required("spec.updateStrategy", "")
    elif kind == "OnDelete":
        if rolling is not None:
            errors.invalid(
                "spec.updateStrategy.rollingUpdate",
                rolling,
                "only allowed for updateStrategy 'RollingUpdate'",
            )
    elif kind == "RollingUpdate":
        if isinstance(rolling, Mapping):
            errors.nonnegative("spec.updateStrategy.rollingUpdate.partition", rolling.get("partition"))
    else:
        errors.invalid("spec.updateStrategy", dict(strategy), "must be 'RollingUpdate' or 'OnDelete'")


def _check_int_or_percent(errors: FieldErrors, value: Any, path: str) -> None:
    if isinstance(value, str):
        if not _PERCENT.match(value):
            errors.invalid(
                path,
                GoValue(value),
                names.regex_error(
                    "a valid percent string must be a numeric string followed by an ending '%'",
                    "[0-9]+%",
                    "1%",
                    "93%",
                ),
            )
    elif is_int(value):
        if value < 0:
            errors.invalid(path, value, "must be greater than or equal to 0")
    elif value is not None:
        errors.invalid(path, value, "must be an integer or percentage (e.g '5%')")


def _check_at_most_100_percent(errors: FieldErrors, value: Any, path: str) -> None:
    if isinstance(value, str) and _PERCENT.match(value) and int(value[:-1]) > 100:
        errors.invalid(path, GoValue(value), "must not be greater than 100%")


def _int_or_percent(value: Any) -> int:
    if isinstance(value, str) and _PERCENT.match(value):
        return int(value[:-1])
    return value if is_int(value) else 0


def _shown(value: Any) -> Any:
    return GoValue(value) if isinstance(value, str) else value
