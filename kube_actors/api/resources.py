"""Why: the one table of the resource types the cluster serves, as discovery, the REST routes,
storage keys and kubectl's short names all need them.

Each entry says what Kubernetes says of the type: its group, version and kind, its plural and
singular names, whether it lives in a namespace, its short names and categories (``all`` is
what ``kubectl get all`` shows), and its subresources. Custom resources join the same table
when their definition is created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True, slots=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = VERBS
    singular: str = field(default="")
    definition: str = ""
    """The CustomResourceDefinition serving this type (``widgets.example.com``); "" if built in."""
    storage_version: str = ""
    """The version objects are stored at, when another than ``version``: a custom resource served
    at several versions keeps one stored object, shown at whichever version was asked for."""
    # Worked out once: every write and watch event names them.
    group_version: str = field(init=False, repr=False, compare=False)
    """``v1`` for the core group, ``apps/v1`` otherwise."""
    storage_group_version: str = field(init=False, repr=False, compare=False)
    """The apiVersion objects of this type are stored with.

    >>> widgets = ResourceType("example.com", "v1beta1", "Widget", "widgets", storage_version="v1")
    >>> widgets.storage_group_version
    'example.com/v1'
    """
    _storage_base: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        stored = self.storage_version or self.version
        if self.group and self.group not in _GROUPS_WITHOUT_PREFIX:
            base = f"/registry/{self.group}/{self.plural}/"
        else:
            base = f"/registry/{self.plural}/"
        for name, value in (
            ("group_version", f"{self.group}/{self.version}" if self.group else self.version),
            ("storage_group_version", f"{self.group}/{stored}" if self.group else stored),
            ("_storage_base", base),
        ):
            object.__setattr__(self, name, value)

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    def storage_prefix(self, namespace: str = "") -> str:
        """Where this type's objects live in storage: ``/registry/<plural>/[<namespace>/]``.

        Like Kubernetes, the group is not part of the key (apps and extensions shared them).

        >>> PODS.storage_prefix("default")
        '/registry/pods/default/'
        >>> NAMESPACES.storage_prefix()
        '/registry/namespaces/'
        """
        base = self._storage_base
        return f"{base}{namespace}/" if self.namespaced and namespace else base

    def storage_key(self, namespace: str, name: str) -> str:
        base = self._storage_base
        return f"{base}{namespace}/{name}" if self.namespaced and namespace else f"{base}{name}"


# Built-in groups keep Kubernetes' historical keys without the group; custom resources
# (``/registry/<group>/<plural>/...``) do not collide with them.
_GROUPS_WITHOUT_PREFIX = {
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "storage.k8s.io",
    "events.k8s.io",
    "apiextensions.k8s.io",
}


def _t(group: str, version: str, kind: str, plural: str, **kwargs: object) -> ResourceType:
    return ResourceType(group, version, kind, plural, **kwargs)  # type: ignore[arg-type]


ALL = ("all",)
NAMESPACES = _t(
    "",
    "v1",
    "Namespace",
    "namespaces",
    namespaced=False,
    short_names=("ns",),
    subresources=("status", "finalize"),
)
NODES = _t("", "v1", "Node", "nodes", namespaced=False, short_names=("no",), subresources=("status",))
PODS = _t(
    "",
    "v1",
    "Pod",
    "pods",
    short_names=("po",),
    categories=ALL,
    subresources=("status", "binding", "log", "eviction"),
)
CUSTOM_RESOURCE_DEFINITIONS = _t(
    "apiextensions.k8s.io",
    "v1",
    "CustomResourceDefinition",
    "customresourcedefinitions",
    namespaced=False,
    short_names=("crd", "crds"),
    subresources=("status",),
)
SERVICES = _t("", "v1", "Service", "services", short_names=("svc",), categories=ALL, subresources=("status",))
BUILTIN: tuple[ResourceType, ...] = (
    NAMESPACES,
    NODES,
    PODS,
    SERVICES,
    _t("", "v1", "Endpoints", "endpoints", short_names=("ep",), singular="endpoints"),
    _t("", "v1", "ConfigMap", "configmaps", short_names=("cm",)),
    _t("", "v1", "Secret", "secrets"),
    _t("", "v1", "ServiceAccount", "serviceaccounts", short_names=("sa",)),
    _t("", "v1", "Event", "events", short_names=("ev",)),
    _t(
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        namespaced=False,
        short_names=("pv",),
        subresources=("status",),
    ),
    _t(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        short_names=("pvc",),
        subresources=("status",),
    ),
    _t(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        short_names=("deploy",),
        categories=ALL,
        subresources=("status", "scale"),
    ),
    _t(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        short_names=("rs",),
        categories=ALL,
        subresources=("status", "scale"),
    ),
    _t(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        short_names=("sts",),
        categories=ALL,
        subresources=("status", "scale"),
    ),
    _t(
        "apps", "v1", "DaemonSet", "daemonsets", short_names=("ds",), categories=ALL, subresources=("status",)
    ),
    _t("batch", "v1", "Job", "jobs", categories=ALL, subresources=("status",)),
    _t("coordination.k8s.io", "v1", "Lease", "leases"),
    _t("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices"),
    _t("storage.k8s.io", "v1", "StorageClass", "storageclasses", namespaced=False, short_names=("sc",)),
    _t(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        short_names=("pdb",),
        subresources=("status",),
    ),
    _t(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        short_names=("hpa",),
        categories=ALL,
        subresources=("status",),
    ),
    CUSTOM_RESOURCE_DEFINITIONS,
)


class ResourceTable:
    """The served types, looked up the ways requests name them."""

    def __init__(self, types: tuple[ResourceType, ...] = BUILTIN) -> None:
        self._by_route: dict[tuple[str, str, str], ResourceType] = {}
        self._by_kind: dict[tuple[str, str], ResourceType] = {}
        self._by_name: dict[tuple[str, str], ResourceType] = {}  # (group, plural): preferred version
        for resource in types:
            self.add(resource)

    def add(self, resource: ResourceType) -> None:
        self._by_route[(resource.group, resource.version, resource.plural)] = resource
        self._by_kind[(resource.group_version, resource.kind)] = resource
        self._by_name.setdefault((resource.group, resource.plural), resource)

    def remove(self, resource: ResourceType) -> None:
        """Stop serving ``resource`` (one version of a type); kubectl's name for the type then
        means the next version still served, if any."""
        self._by_route.pop((resource.group, resource.version, resource.plural), None)
        self._by_kind.pop((resource.group_version, resource.kind), None)
        if self._by_name.get((resource.group, resource.plural)) is resource:
            del self._by_name[(resource.group, resource.plural)]
            for (group, _, plural), other in self._by_route.items():
                if (group, plural) == (resource.group, resource.plural):
                    self._by_name[(group, plural)] = other
                    break

    def by_route(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_route.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        return self._by_kind.get((api_version, kind))

    def by_name(self, name: str) -> ResourceType | None:
        """By kubectl's name for a resource: ``pods``, ``deployments.apps``.

        >>> ResourceTable().by_name("deployments.apps").kind
        'Deployment'
        """
        plural, _, group = name.partition(".")
        return self._by_name.get((group, plural))

    def group_versions(self) -> dict[str, list[str]]:
        """Served versions per group (the core group is ``""``), the preferred one first."""
        served: dict[str, list[str]] = {}
        for group, version, _ in self._by_route:
            versions = served.setdefault(group, [])
            if version not in versions:
                versions.append(version)
        return {group: sorted(versions, key=version_priority) for group, versions in served.items()}

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [r for (g, v, _), r in self._by_route.items() if (g, v) == (group, version)]


def version_priority(version: str) -> tuple[int, int, int, str]:
    """A sort key putting versions in Kubernetes' order of preference: GA before beta before
    alpha, newer before older, and names that are not Kubernetes versions last, alphabetically.

    >>> sorted(["v1alpha1", "foo", "v1", "v2beta1", "v2", "v1beta2", "v10"], key=version_priority)
    ['v10', 'v2', 'v1', 'v2beta1', 'v1beta2', 'v1alpha1', 'foo']
    """
    found = re.fullmatch(r"v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?", version)
    if found is None:
        return (3, 0, 0, version)
    major, stage, minor = found.groups()
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -int(major), -int(minor or 0), "")
