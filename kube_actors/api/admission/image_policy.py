"""Why: an image without a tag, or tagged ``latest``, runs whatever was pushed last: two pods
of one Deployment may run different code, and a rollback rolls back nothing. ImagePolicy warns
about such images (kubectl prints ``Warning: ...``), or, configured to deny, refuses them with
a 403, as an image policy webhook would.

It looks at a Pod's containers and at the pod template of the workloads that make pods. On
UPDATE it judges only the images the update introduces, as Kubernetes' own pod warnings do:
relabelling or scaling an object already stored neither warns again nor is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from kube_actors.api.admission.base import AdmissionRequest, AdmissionResult, allow, forbid
from kube_actors.api.images import LATEST, runs_latest

MOTTO = "friends don't let friends run latest"

# Where each kind keeps the pod spec it runs.
_POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


@dataclass(frozen=True, slots=True)
class ImagePolicy:
    """Validating: on CREATE and UPDATE of objects that run containers (not subresources)."""

    deny: bool = False
    name: ClassVar[str] = "ImagePolicy"

    def admit(self, request: AdmissionRequest) -> AdmissionResult:
        kind = request.kind
        if request.operation == "DELETE" or request.subresource or kind not in _POD_SPEC_PATHS:
            return allow(request)
        floating = [found for found in _images(kind, request.object) if runs_latest(found[2])]
        if not floating:
            return allow(request)  # the common case: nothing to compare with the old object
        existing = {image for _, _, image in _images(kind, request.old_object)}
        prefix = ".".join(_POD_SPEC_PATHS[kind])
        problems = [
            f"{prefix}.{field_name}[{position}].image: {_why(image)}; {MOTTO}"
            for field_name, position, image in floating
            if image not in existing
        ]
        if problems and self.deny:
            return forbid(request, ", ".join(problems))
        return allow(request, warnings=tuple(problems))


def _images(kind: str, obj: Any) -> Iterator[tuple[str, int, str]]:
    """(containers field, position, image) for every container the object would run."""
    spec: Any = obj
    for step in _POD_SPEC_PATHS[kind]:
        spec = spec.get(step) if isinstance(spec, dict) else None
    if not isinstance(spec, dict):
        return
    for field_name in ("initContainers", "containers"):
        containers = spec.get(field_name)
        for position, container in enumerate(containers if isinstance(containers, list) else []):
            image = container.get("image") if isinstance(container, dict) else None
            if isinstance(image, str) and image:
                yield field_name, position, image


def _why(image: str) -> str:
    if image.rsplit("/", 1)[-1].endswith(f":{LATEST}"):
        return f'image "{image}" uses the "{LATEST}" tag'
    return f'image "{image}" has no tag, so it runs "{LATEST}"'
