"""Why: turning a REST path into what it names (pure, so it is tested without a server).

``/api/v1/namespaces/default/pods/web/status`` names the ``status`` subresource of pod ``web``
in ``default``; ``/apis/apps/v1/deployments`` every deployment in every namespace.
"""

from __future__ import annotations

from typing import Any

from kube_actors.api import status
from kube_actors.api.resources import ResourceTable, ResourceType
from kube_actors.runtime.records import record


@record
class Target:
    resource: ResourceType
    namespace: str = ""
    name: str = ""
    subresource: str = ""


def parse_path(table: ResourceTable, path: str) -> Target:
    """What a resource path names; 404 ``ApiError`` if nothing is served there.

    >>> from kube_actors.api.resources import ResourceTable
    >>> t = parse_path(ResourceTable(), "/api/v1/namespaces/default/pods/web/status")
    >>> (t.resource.kind, t.namespace, t.name, t.subresource)
    ('Pod', 'default', 'web', 'status')
    >>> parse_path(ResourceTable(), "/api/v1/namespaces/kube-system").resource.kind
    'Namespace'
    """
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise status.NotFound(f"the server could not find the requested resource ({path})")
    namespace = ""
    if (
        len(rest) >= 3
        and rest[0] == "namespaces"
        and not (len(rest) == 3 and rest[2] in ("status", "finalize"))
    ):
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise status.NotFound(f"the server could not find the requested resource ({path})")
    resource = table.by_route(group, version, rest[0])
    if resource is None:
        raise status.NotFound(f"the server could not find the requested resource ({path})")
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    if namespace and not resource.namespaced:
        raise status.NotFound(f"{resource.plural} are not namespaced ({path})")
    if name and resource.namespaced and not namespace:
        raise status.NotFound(
            f"{resource.plural} live in namespaces: /namespaces/NAMESPACE/{resource.plural}/{name}"
        )
    if subresource and subresource not in resource.subresources:
        raise status.NotFound(f"{resource.plural} have no subresource {subresource!r}")
    return Target(resource, namespace, name, subresource)


def check_kind(body: dict[str, Any], target: Target) -> None:
    """A body names the kind and version its URL serves, or neither (400 otherwise)."""
    resource = target.resource
    kind, api_version = body.get("kind"), body.get("apiVersion")
    if kind is not None and kind != resource.kind:
        raise status.BadRequest(f"the body is a {kind}, but this URL serves {resource.kind}")
    if api_version is not None and api_version != resource.group_version:
        raise status.BadRequest(
            f"the body has apiVersion {api_version}, but this URL serves {resource.group_version}"
        )
