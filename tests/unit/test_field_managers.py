"""managedFields and server-side apply, fed objects and asserting what is stored: ownership on
create and update, merging an applied configuration, dropping what a manager stops applying,
and conflicts (and ``force``) as Kubernetes reports them."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.components.apiserver.field_managers import (
    BEFORE_FIRST_APPLY,
    Writer,
    apply,
    entries_of,
    record_create,
    record_update,
)

NOW = "2026-11-26T10:00:00Z"
LATER = "2026-11-26T11:00:00Z"
REPLICAS = ("f:spec", "f:replicas")


def writer(manager: str, subresource: str = "", now: str = NOW) -> Writer:
    return Writer(manager, "apps/v1", now, subresource)


def config(replicas: int = 3, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": labels or {"app": "web"}},
        "spec": {"replicas": replicas},
    }


def stored(obj: dict[str, Any]) -> dict[str, Any]:
    """What the store adds around an applied object."""
    obj["metadata"].update(uid="u", resourceVersion="7")
    return obj


def owners(obj: dict[str, Any]) -> dict[tuple[str, str, str], set[tuple[str, ...]]]:
    return {(e.manager, e.operation, e.subresource): set(e.fields) for e in entries_of(obj)}


def test_a_creator_that_names_itself_owns_all_but_status() -> None:
    obj = {**config(), "status": {"replicas": 0}}
    record_create(obj, writer("kubectl-create"))
    assert owners(obj) == {
        ("kubectl-create", "Update", ""): {("f:metadata", "f:labels", "f:app"), REPLICAS}
    }
    assert obj["metadata"]["managedFields"][0]["fieldsType"] == "FieldsV1"


def test_a_first_apply_creates_what_it_applies_owned_by_its_manager() -> None:
    created = apply(None, config(), writer("kubectl"), force=False)
    assert created["spec"] == {"replicas": 3}
    assert owners(created) == {("kubectl", "Apply", ""): {("f:metadata", "f:labels", "f:app"), REPLICAS}}


def test_applying_again_merges_and_drops_what_the_manager_no_longer_applies() -> None:
    live = stored(apply(None, config(app="web", tier="front"), writer("kubectl"), force=False))
    live["spec"]["paused"] = False  # someone else's field, untracked: left alone
    again = apply(live, config(replicas=5, app="web"), writer("kubectl", now=LATER), force=False)
    assert again["metadata"]["labels"] == {"app": "web"}
    assert again["spec"] == {"replicas": 5, "paused": False}
    assert again["metadata"]["managedFields"][0]["time"] == LATER


def test_another_manager_setting_a_field_to_another_value_is_a_conflict() -> None:
    live = stored(apply(None, config(replicas=3), writer("kubectl"), force=False))
    with pytest.raises(status.ApiError) as refused:
        apply(live, config(replicas=5), writer("helm"), force=False)
    error = refused.value
    assert error.code == 409
    who = 'conflict with "kubectl" using apps/v1'
    assert error.message == f"Apply failed with 1 conflict: {who}: .spec.replicas"
    cause = {"type": "FieldManagerConflict", "message": who, "field": ".spec.replicas"}
    assert error.details["causes"] == [cause]


def test_force_takes_the_conflicting_fields_over() -> None:
    live = stored(apply(None, config(replicas=3), writer("kubectl"), force=False))
    forced = apply(live, config(replicas=5), writer("helm"), force=True)
    assert forced["spec"]["replicas"] == 5
    assert REPLICAS in owners(forced)[("helm", "Apply", "")]
    assert REPLICAS not in owners(forced)[("kubectl", "Apply", "")]


def test_managers_applying_the_same_value_share_it_and_one_leaving_keeps_it() -> None:
    live = stored(apply(None, config(replicas=3), writer("kubectl"), force=False))
    shared = stored(apply(live, config(replicas=3), writer("helm"), force=False))
    assert all(REPLICAS in fields for fields in owners(shared).values())
    left = apply(shared, {**config(), "spec": {}}, writer("kubectl"), force=False)
    assert left["spec"]["replicas"] == 3  # helm still owns it


def test_an_untracked_object_belongs_to_before_first_apply() -> None:
    live = stored(config(replicas=3))
    with pytest.raises(status.ApiError, match=f'conflict with "{BEFORE_FIRST_APPLY}"'):
        apply(live, config(replicas=4), writer("kubectl"), force=False)
    same = apply(live, config(replicas=3), writer("kubectl"), force=False)
    assert REPLICAS in owners(same)[(BEFORE_FIRST_APPLY, "Update", "")]


def test_an_update_moves_the_fields_it_changes_to_its_manager() -> None:
    live = stored(apply(None, config(replicas=3), writer("kubectl"), force=False))
    scaled = {**live, "spec": {"replicas": 6}}
    record_update(live, scaled, writer("kubectl-scale", subresource="scale"))
    assert owners(scaled)[("kubectl-scale", "Update", "scale")] == {REPLICAS}
    with pytest.raises(status.ApiError, match='"kubectl-scale" with subresource "scale" using apps/v1'):
        apply(stored(scaled), config(replicas=3), writer("kubectl"), force=False)


def test_an_update_removing_a_field_takes_it_from_its_owner() -> None:
    live = stored(apply(None, config(app="web", tier="front"), writer("kubectl"), force=False))
    relabelled = {**live, "metadata": {**live["metadata"], "labels": {"app": "web"}}}
    record_update(live, relabelled, writer("kubectl-label"))
    assert ("f:metadata", "f:labels", "f:tier") not in owners(relabelled)[("kubectl", "Apply", "")]
    assert ("kubectl-label", "Update", "") not in owners(relabelled)  # it set nothing


def test_an_update_that_changes_nothing_keeps_the_entries_as_they_were() -> None:
    live = stored(apply(None, config(), writer("kubectl"), force=False))
    same = {**live, "metadata": dict(live["metadata"])}
    record_update(live, same, writer("other", now=LATER))
    assert same["metadata"]["managedFields"] == live["metadata"]["managedFields"]


def test_an_update_sending_empty_managed_fields_clears_them() -> None:
    live = stored(apply(None, config(), writer("kubectl"), force=False))
    cleared = {**live, "metadata": {**live["metadata"], "managedFields": []}}
    record_update(live, cleared, writer("kubectl-edit"))
    assert "managedFields" not in cleared["metadata"]


def test_malformed_entries_are_left_out() -> None:
    obj = {"metadata": {"managedFields": ["junk", {"manager": "a", "operation": "Update", "fieldsV1": []}]}}
    assert entries_of(obj) == []
