"""Why: every plugin asks questions of a pod (what it requests, which nodes it selects, which
taints it tolerates, which pods it wants near or away), and a batch may hold thousands of pods
stamped from one template. A pod is parsed once into ``PodRequirements``: a frozen, hashable
value holding everything that decides where it may go, and nothing that does not (its name,
uid). Pods with equal requirements are one **equivalence class**: given the same cluster they
get the same decision, so the placement kernel computes per class what it can reuse.

``PodInfo`` adds the pod's identity; the snapshot holds a ``PodInfo`` for every pod placed on
a node, since existing pods' labels, requests, ports and affinity matter to later pods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from kube_actors.scheduling.node_selectors import (
    UNCONSTRAINED,
    PreferredSchedulingTerm,
    RequiredNodeAffinity,
    parse_node_selector,
    parse_preferred_terms,
)
from kube_actors.scheduling.objects import (
    InvalidObject,
    JsonObject,
    int_at,
    labels_at,
    mapping_at,
    mappings_at,
    name_of,
    string_at,
)
from kube_actors.scheduling.pod_affinity import NO_POD_AFFINITY, PodAffinity, parse_pod_affinity
from kube_actors.scheduling.resources import NO_RESOURCES, Resources, pod_requests
from kube_actors.scheduling.spread_constraints import SpreadConstraint, parse_spread_constraints
from kube_actors.scheduling.taints import Toleration, parse_tolerations

DEFAULT_SCHEDULER = "default-scheduler"
BIND_ALL_ADDRESS = "0.0.0.0"


@dataclass(frozen=True, slots=True)
class HostPort:
    """A port a container claims on its node's network (``hostPort``)."""

    ip: str
    protocol: str
    port: int


@dataclass(frozen=True, slots=True)
class PodRequirements:
    """What decides where a pod may go and how good each node is for it.

    Equal requirements mean an equal decision on an equal cluster; ``hash`` is computed once.
    ``images`` are the container images in Kubernetes' normalised form (a missing tag reads
    ``:latest``), one per container, init containers first.
    ``volume_claims`` names the PersistentVolumeClaims (in the pod's namespace) the pod mounts,
    including the claims of its ephemeral volumes (``<pod>-<volume>``).
    """

    namespace: str
    labels: tuple[tuple[str, str], ...]
    scheduler_name: str = DEFAULT_SCHEDULER
    node_name: str = ""
    requests: Resources = NO_RESOURCES
    non_zero_milli_cpu: int = 0
    non_zero_memory: int = 0
    host_ports: tuple[HostPort, ...] = ()
    node_affinity: RequiredNodeAffinity = UNCONSTRAINED
    preferred_node_affinity: tuple[PreferredSchedulingTerm, ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    spread_constraints: tuple[SpreadConstraint, ...] = ()
    pod_affinity: PodAffinity = NO_POD_AFFINITY
    images: tuple[str, ...] = ()
    volume_claims: tuple[str, ...] = ()
    label_map: Mapping[str, str] = field(init=False, compare=False, repr=False)
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "label_map", MappingProxyType(dict(self.labels)))
        object.__setattr__(self, "_hash", hash(tuple(getattr(self, name) for name in _COMPARED)))

    def __hash__(self) -> int:
        return self._hash


_COMPARED = tuple(name for name in PodRequirements.__dataclass_fields__ if name not in ("label_map", "_hash"))


@dataclass(frozen=True, slots=True)
class PodInfo:
    """A pod as the scheduler knows it: identity, requirements, and whether it is terminating
    (being deleted; topology spreading no longer counts it)."""

    name: str
    requirements: PodRequirements
    uid: str = ""
    terminating: bool = False

    @property
    def namespace(self) -> str:
        return self.requirements.namespace

    @property
    def labels(self) -> Mapping[str, str]:
        return self.requirements.label_map

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.requirements.namespace}/{self.name}"


def parse_pod(pod: JsonObject) -> PodInfo:
    """A Pod object (as the API serves it) as the scheduler sees it.

    >>> pod = parse_pod({"metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
    ...                  "spec": {"containers": [{"name": "c", "image": "nginx",
    ...                           "resources": {"requests": {"cpu": "250m"}}}]}})
    >>> pod.key, pod.requirements.requests.milli_cpu, pod.requirements.images
    ('shop/web-1', 250, ('nginx:latest',))
    """
    name = name_of(pod)
    where = f"pod {name!r}"
    metadata = mapping_at(pod, "metadata", where)
    spec = mapping_at(pod, "spec", where)
    namespace = string_at(metadata, "namespace", f"{where}.metadata", "default")
    labels = labels_at(metadata, "labels", f"{where}.metadata")
    requests = pod_requests(spec, f"{where}.spec")
    affinity = mapping_at(spec, "affinity", f"{where}.spec")
    requirements = PodRequirements(
        namespace=namespace,
        labels=tuple(sorted(labels.items())),
        scheduler_name=string_at(spec, "schedulerName", f"{where}.spec", DEFAULT_SCHEDULER),
        node_name=string_at(spec, "nodeName", f"{where}.spec"),
        requests=requests.requests,
        non_zero_milli_cpu=requests.non_zero_milli_cpu,
        non_zero_memory=requests.non_zero_memory,
        host_ports=_host_ports(spec, f"{where}.spec"),
        node_affinity=_required_node_affinity(spec, affinity, f"{where}.spec"),
        preferred_node_affinity=parse_preferred_terms(
            mapping_at(affinity, "nodeAffinity", f"{where}.spec.affinity"),
            f"{where}.spec.affinity.nodeAffinity",
        ),
        tolerations=parse_tolerations(spec, f"{where}.spec"),
        spread_constraints=parse_spread_constraints(spec, labels, f"{where}.spec"),
        pod_affinity=parse_pod_affinity(affinity, namespace, f"{where}.spec.affinity"),
        images=_images(spec, f"{where}.spec"),
        volume_claims=_volume_claims(spec, name, f"{where}.spec"),
    )
    return PodInfo(
        name=name,
        requirements=requirements,
        uid=string_at(metadata, "uid", f"{where}.metadata"),
        terminating=metadata.get("deletionTimestamp") is not None,
    )


def normalized_image_name(image: str) -> str:
    """The name ImageLocality looks an image up by: ``:latest`` appended when the reference
    has no tag (no colon after the last slash).

    >>> [normalized_image_name(i) for i in ("nginx", "registry:5000/app", "a:1")]
    ['nginx:latest', 'registry:5000/app:latest', 'a:1']
    """
    if image.rfind(":") <= image.rfind("/"):
        return f"{image}:latest"
    return image


def _required_node_affinity(spec: JsonObject, affinity: JsonObject, where: str) -> RequiredNodeAffinity:
    node_selector = labels_at(spec, "nodeSelector", where)
    node_affinity = mapping_at(affinity, "nodeAffinity", f"{where}.affinity")
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    at = f"{where}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
    if required is not None and not isinstance(required, Mapping):
        raise InvalidObject(f"{at}: must be an object")
    return RequiredNodeAffinity(
        node_selector=tuple(sorted(node_selector.items())),
        required=parse_node_selector(required, at) if required is not None else None,
    )


def _host_ports(spec: JsonObject, where: str) -> tuple[HostPort, ...]:
    """Ports claimed on the node by the regular containers (Kubernetes' NodePorts looks at
    those only)."""
    ports = []
    for position, container in enumerate(mappings_at(spec, "containers", where)):
        at = f"{where}.containers[{position}]"
        for number, port in enumerate(mappings_at(container, "ports", at)):
            host_port = int_at(port, "hostPort", f"{at}.ports[{number}]")
            if host_port > 0:
                ip = string_at(port, "hostIP", f"{at}.ports[{number}]") or BIND_ALL_ADDRESS
                protocol = string_at(port, "protocol", f"{at}.ports[{number}]") or "TCP"
                ports.append(HostPort(ip, protocol, host_port))
    return tuple(ports)


def _images(spec: JsonObject, where: str) -> tuple[str, ...]:
    return tuple(
        normalized_image_name(string_at(container, "image", where))
        for kind in ("initContainers", "containers")
        for container in mappings_at(spec, kind, where)
    )


def claim_names(pod: JsonObject) -> tuple[str, ...]:
    """The PersistentVolumeClaims a pod's volumes use (an ephemeral volume's is named
    ``<pod>-<volume>``), without parsing the rest of the pod.

    >>> claim_names({"metadata": {"name": "db-0"}, "spec": {"volumes": [
    ...     {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}},
    ...     {"name": "scratch", "ephemeral": {}}]}})
    ('data-db-0', 'db-0-scratch')
    """
    name = name_of(pod)
    return _volume_claims(mapping_at(pod, "spec", f"pod {name!r}"), name, f"pod {name!r}.spec")


def _volume_claims(spec: JsonObject, pod_name: str, where: str) -> tuple[str, ...]:
    claims = []
    for position, volume in enumerate(mappings_at(spec, "volumes", where)):
        at = f"{where}.volumes[{position}]"
        claim = mapping_at(volume, "persistentVolumeClaim", at)
        if claim:
            claims.append(string_at(claim, "claimName", f"{at}.persistentVolumeClaim"))
        elif volume.get("ephemeral") is not None:
            claims.append(f"{pod_name}-{string_at(volume, 'name', at)}")
    return tuple(claims)
