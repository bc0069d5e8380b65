"""What a CustomResourceDefinition means to the apiserver: the types it serves, the 422 for one
that cannot be served, the status it is given, and how its deletion is held until its objects
are gone."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.api.resources import CUSTOM_RESOURCE_DEFINITIONS, ResourceTable
from kube_actors.components.apiserver import discovery
from kube_actors.components.apiserver.crds.definitions import (
    CLEANUP_FINALIZER,
    admitted,
    check_definition,
    served_versions,
)
from kube_actors.components.apiserver.deleting import DeleteOptions, deletion_finished, plan_deletion

NOW = "2026-01-01T00:00:00Z"
LATER = "2026-01-01T00:05:00Z"
SCHEMA = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}


def definition(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com", "resourceVersion": "5"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"], "categories": ["all"]},
            "versions": [
                {"name": "v1alpha1", "served": True, "storage": False, "schema": SCHEMA},
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": SCHEMA,
                    "subresources": {
                        "status": {},
                        "scale": {"specReplicasPath": ".spec.size", "statusReplicasPath": ".status.size"},
                    },
                },
                {"name": "v2", "served": False, "storage": False, "schema": SCHEMA},
            ],
            **spec,
        },
    }


def test_each_served_version_is_a_type_stored_at_the_storage_version() -> None:
    served = served_versions(definition())
    assert [v.resource.version for v in served] == ["v1", "v1alpha1"]  # preferred first; v2 unserved
    v1, alpha = (v.resource for v in served)
    assert (v1.kind, v1.plural, v1.singular_name, v1.short_names, v1.categories) == (
        "Widget",
        "widgets",
        "widget",
        ("wd",),
        ("all",),
    )
    assert v1.namespaced and v1.definition == "widgets.example.com"
    assert v1.subresources == ("status", "scale") and alpha.subresources == ()
    assert alpha.storage_group_version == "example.com/v1"
    assert (
        v1.storage_prefix("default")
        == alpha.storage_prefix("default")
        == "/registry/example.com/widgets/default/"
    )
    assert served[0].scale is not None and served[0].scale.spec_replicas == ".spec.size"


def test_a_cluster_scoped_definition_serves_a_cluster_scoped_type() -> None:
    (v1, _) = (v.resource for v in served_versions(definition(scope="Cluster")))
    assert not v1.namespaced


def test_the_preferred_version_leads_discovery() -> None:
    table = ResourceTable()
    for version in reversed(served_versions(definition())):
        table.add(version.resource)
    group = next(g for g in discovery.groups(table)["groups"] if g["name"] == "example.com")
    assert group["preferredVersion"]["version"] == "v1"
    assert [v["version"] for v in group["versions"]] == ["v1", "v1alpha1"]


def test_a_definition_being_deleted_serves_nothing() -> None:
    crd = definition()
    crd["metadata"]["deletionTimestamp"] = NOW
    assert served_versions(crd) == []


def _versions(*storage: bool, schema: Any = SCHEMA) -> list[dict[str, Any]]:
    return [
        {"name": f"v{i + 1}", "served": True, "storage": s, "schema": schema} for i, s in enumerate(storage)
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"group": "apps"}, "spec.group"),
        ({"group": "nodots"}, "spec.group"),
        ({"names": {"plural": "Widgets", "kind": "Widget"}}, "spec.names.plural"),
        ({"names": {"plural": "gadgets", "kind": "Gadget"}}, "metadata.name"),
        ({"names": {"plural": "widgets"}}, "spec.names.kind"),
        ({"scope": "Galaxy"}, "spec.scope"),
        ({"versions": _versions(True, True)}, "spec.versions"),
        ({"versions": _versions(False)}, "spec.versions"),
        ({"versions": []}, "spec.versions"),
        ({"versions": _versions(True, schema=None)}, "spec.versions[0].schema.openAPIV3Schema"),
        (
            {"versions": _versions(True, schema={"openAPIV3Schema": {"type": "string"}})},
            "spec.versions[0].schema.openAPIV3Schema.type",
        ),
        (
            {
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": SCHEMA,
                        "subresources": {
                            "scale": {"specReplicasPath": "spec", "statusReplicasPath": ".status.n"}
                        },
                    }
                ]
            },
            "spec.versions[0].subresources.scale.specReplicasPath",
        ),
    ],
)
def test_a_definition_that_cannot_be_served_is_a_422_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    crd = definition(**change)
    assert field in [path for path, _ in check_definition(crd)]
    assert served_versions(crd) == []
    with pytest.raises(status.Invalid) as refused:
        admitted(crd, None, NOW)
    assert field in [cause["field"] for cause in refused.value.details["causes"]]


def test_an_accepted_definition_is_established_with_its_names() -> None:
    crd = admitted(definition(), None, NOW)
    conditions = {c["type"]: c for c in crd["status"]["conditions"]}
    assert conditions["NamesAccepted"]["status"] == conditions["Established"]["status"] == "True"
    assert crd["status"]["acceptedNames"] == {
        "plural": "widgets",
        "kind": "Widget",
        "shortNames": ["wd"],
        "categories": ["all"],
        "singular": "widget",
        "listKind": "WidgetList",
    }
    assert crd["status"]["storedVersions"] == ["v1"]


def test_an_update_keeps_transition_times_and_remembers_every_storage_version() -> None:
    first = admitted(definition(), None, NOW)
    moved = copy.deepcopy(first)
    for version in moved["spec"]["versions"]:
        version["storage"] = version["name"] == "v1alpha1"
    second = admitted(moved, first, LATER)
    assert second["status"]["storedVersions"] == ["v1", "v1alpha1"]
    assert {c["lastTransitionTime"] for c in second["status"]["conditions"]} == {NOW}


def test_the_scope_cannot_change() -> None:
    with pytest.raises(status.Invalid, match=r"spec\.scope.*immutable"):
        admitted(definition(scope="Cluster"), definition(), NOW)


def test_deleting_a_definition_holds_it_until_its_objects_are_gone() -> None:
    crd = admitted(definition(), None, NOW)
    marked = plan_deletion(CUSTOM_RESOURCE_DEFINITIONS, crd, DeleteOptions(), LATER)
    assert marked is not None
    assert marked["metadata"]["deletionTimestamp"] == LATER
    assert marked["metadata"]["finalizers"] == [CLEANUP_FINALIZER]
    terminating = [c for c in marked["status"]["conditions"] if c["type"] == "Terminating"]
    assert terminating and terminating[0]["status"] == "True"
    assert not deletion_finished(CUSTOM_RESOURCE_DEFINITIONS, marked)
    marked["metadata"]["finalizers"] = []
    assert deletion_finished(CUSTOM_RESOURCE_DEFINITIONS, marked)
