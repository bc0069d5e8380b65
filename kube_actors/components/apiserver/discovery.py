"""Why: how clients learn what this server serves: ``/version``, ``/api``, ``/apis``, each
group/version's resource list, and the minimal ``/openapi/v3`` that lets ``kubectl apply`` and
``create`` validate against the server (``fieldValidation``) instead of failing to download a
schema. All built from the resource table, so custom resources appear the moment they exist.
"""

from __future__ import annotations

import hashlib
import json
import platform
from typing import Any

from kube_actors import __version__
from kube_actors.api.resources import ResourceTable, ResourceType

JsonObject = dict[str, Any]
KUBERNETES_VERSION = ("1", "32")


def version() -> JsonObject:
    major, minor = KUBERNETES_VERSION
    return {
        "major": major,
        "minor": minor,
        "gitVersion": f"v{major}.{minor}.0-kube-actors.{__version__}",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "",
        "goVersion": f"python{platform.python_version()}",
        "compiler": "cpython",
        "platform": f"{platform.system().lower()}/{platform.machine()}",
    }


def core_versions() -> JsonObject:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}


def groups(table: ResourceTable) -> JsonObject:
    listed = []
    for group, versions in sorted(table.group_versions().items()):
        if not group:
            continue
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        listed.append({"name": group, "versions": entries, "preferredVersion": entries[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": listed}


def resource_list(table: ResourceTable, group: str, version: str) -> JsonObject | None:
    served = table.in_group_version(group, version)
    if not served:
        return None
    resources: list[JsonObject] = []
    for resource in sorted(served, key=lambda r: r.plural):
        resources.append(_describe(resource))
        for sub in resource.subresources:
            resources.append(_describe_subresource(resource, sub))
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


def _describe(resource: ResourceType) -> JsonObject:
    described: JsonObject = {
        "name": resource.plural,
        "singularName": resource.singular_name,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": list(resource.verbs),
    }
    if resource.short_names:
        described["shortNames"] = list(resource.short_names)
    if resource.categories:
        described["categories"] = list(resource.categories)
    return described


def _describe_subresource(resource: ResourceType, sub: str) -> JsonObject:
    kinds = {
        "scale": ("autoscaling", "v1", "Scale"),
        "eviction": ("policy", "v1", "Eviction"),
        "binding": ("", "v1", "Binding"),
    }
    group, version, kind = kinds.get(sub, (resource.group, resource.version, resource.kind))
    verbs = {
        "status": ["get", "patch", "update"],
        "scale": ["get", "patch", "update"],
        "log": ["get"],
        "binding": ["create"],
        "eviction": ["create"],
        "finalize": ["update"],
    }
    described: JsonObject = {
        "name": f"{resource.plural}/{sub}",
        "singularName": "",
        "namespaced": resource.namespaced,
        "kind": kind if sub != "log" else "Pod",
        "verbs": verbs.get(sub, ["get"]),
    }
    if group != resource.group or version != resource.version:
        described["group"], described["version"] = group, version
    return described


def openapi_root(table: ResourceTable) -> JsonObject:
    paths: JsonObject = {}
    for group, versions in table.group_versions().items():
        for version_name in versions:
            path = f"api/{version_name}" if not group else f"apis/{group}/{version_name}"
            document = openapi_document(table, group, version_name)
            digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:16].upper()
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}


def openapi_document(table: ResourceTable, group: str, version: str) -> JsonObject:
    """Per kind, a path whose ``patch`` operation names its group/version/kind and takes
    ``fieldValidation``: enough for kubectl to leave validation to the server."""
    paths: JsonObject = {}
    for resource in table.in_group_version(group, version):
        base = f"/api/{version}" if not group else f"/apis/{group}/{version}"
        scope = "/namespaces/{namespace}" if resource.namespaced else ""
        paths[f"{base}{scope}/{resource.plural}/{{name}}"] = {
            "patch": {
                "x-kubernetes-group-version-kind": {
                    "group": group,
                    "version": version,
                    "kind": resource.kind,
                },
                "parameters": [
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "OK"}},
            }
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "kube-actors", "version": __version__},
        "paths": paths,
        "components": {"schemas": {}},
    }
