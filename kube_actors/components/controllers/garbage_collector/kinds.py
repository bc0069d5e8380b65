"""Why: the garbage collector and the namespace controller act on every type the apiserver
serves, built in or defined by a CustomResourceDefinition, as Kubernetes' do through discovery.
Both must name a type as the apiserver's messages do (``pods``, ``replicasets.apps``), and the
collector must find the type an ownerReference names by its apiVersion and kind.
"""

from __future__ import annotations

from typing import Any

from kube_actors.api.resources import BUILTIN, CUSTOM_RESOURCE_DEFINITIONS, ResourceTable, ResourceType
from kube_actors.components.apiserver.crds.definitions import served_versions

JsonObject = dict[str, Any]
# Events own nothing and are owned by no one; Kubernetes' collector ignores them too.
IGNORED = frozenset({("", "events"), ("events.k8s.io", "events")})


def qualified_name(resource: ResourceType) -> str:
    """The apiserver's name for a type: ``pods``, ``deployments.apps``, ``widgets.example.com``.

    >>> qualified_name(CUSTOM_RESOURCE_DEFINITIONS)
    'customresourcedefinitions.apiextensions.k8s.io'
    """
    return f"{resource.plural}.{resource.group}" if resource.group else resource.plural


DEFINITIONS = qualified_name(CUSTOM_RESOURCE_DEFINITIONS)


def collected_builtin_types() -> list[ResourceType]:
    """The built-in types whose objects can own or be owned."""
    return [r for r in BUILTIN if (r.group, r.plural) not in IGNORED]


def custom_types(definition: JsonObject) -> list[ResourceType]:
    """The types a definition serves, its preferred version first; none while it is not
    acceptable or is being deleted."""
    return [version.resource for version in served_versions(definition)]


class KnownKinds:
    """apiVersion and kind to type, for built-in types and the custom ones seen so far."""

    def __init__(self) -> None:
        self._table = ResourceTable()

    def learn(self, types: list[ResourceType]) -> None:
        for resource in types:
            self._table.add(resource)

    def resolve(self, api_version: str, kind: str) -> ResourceType | None:
        return self._table.by_kind(api_version, kind)
