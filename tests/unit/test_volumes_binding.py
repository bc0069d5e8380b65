"""The PV controller's cores: how a claim gets its volume (bound or provisioned), and what
happens to a volume when its claim changes or goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from kube_actors.components.controllers.volumes.actions import Action, Create, Delete, Note, Patch
from kube_actors.components.controllers.volumes.binding import sync_claim
from kube_actors.components.controllers.volumes.classes import PROVISIONER
from kube_actors.components.controllers.volumes.reclaiming import sync_volume
from tests.unit.volume_objects import NOW, by_name, claim, node, ref_to, storage_class, volume

JsonObject = dict[str, Any]
IMMEDIATE = storage_class("instant", mode="Immediate", default=False)
STANDARD = storage_class()
ELSEWHERE = storage_class("cloud", mode="Immediate", provisioner="ebs.csi.aws.com", default=False)


def summary(action: Action) -> tuple[str, ...]:
    if isinstance(action, Note):
        return ("note", action.reason)
    if isinstance(action, Create):
        return ("create", action.resource, action.body["metadata"]["name"])
    if isinstance(action, Delete):
        return ("delete", action.resource, action.name)
    assert isinstance(action, Patch)
    if action.subresource == "status":
        return ("phase", action.resource, action.name, action.patch["status"]["phase"])
    return ("patch", action.resource, action.name)


@dataclass
class ClaimCase:
    name: str
    claim: JsonObject
    expected: list[tuple[str, ...]]
    volumes: list[JsonObject] = field(default_factory=list)
    classes: list[JsonObject] = field(default_factory=lambda: [STANDARD, IMMEDIATE, ELSEWHERE])


CLAIM_CASES = [
    ClaimCase(
        "a claim without a class gets the default one",
        claim(storage_class=None),
        [("patch", "persistentvolumeclaims", "data")],
    ),
    ClaimCase(
        "no default class: a claim without one binds only classless volumes",
        claim(storage_class=None),
        [("note", "FailedBinding")],
        classes=[IMMEDIATE],
    ),
    ClaimCase(
        "an Immediate claim binds a matching volume: volume first, then claim",
        claim(storage_class="instant"),
        [
            ("patch", "persistentvolumes", "pv-1"),
            ("phase", "persistentvolumes", "pv-1", "Bound"),
            ("patch", "persistentvolumeclaims", "data"),
            ("phase", "persistentvolumeclaims", "data", "Bound"),
        ],
        volumes=[volume("pv-1", "5Gi", storage_class="instant")],
    ),
    ClaimCase(
        "WaitForFirstConsumer: no binding before a pod is scheduled",
        claim(storage_class="standard"),
        [("note", "WaitForFirstConsumer")],
        volumes=[volume("pv-1", storage_class="standard")],
    ),
    ClaimCase(
        "WaitForFirstConsumer: a static volume the selected node can reach",
        claim(storage_class="standard", selected_node="n-b"),
        [
            ("patch", "persistentvolumes", "pv-b"),
            ("phase", "persistentvolumes", "pv-b", "Bound"),
            ("patch", "persistentvolumeclaims", "data"),
            ("phase", "persistentvolumeclaims", "data", "Bound"),
        ],
        volumes=[
            volume("pv-a", storage_class="standard", zone="zone-a"),
            volume("pv-b", "2Gi", storage_class="standard", zone="zone-b"),
        ],
    ),
    ClaimCase(
        "WaitForFirstConsumer: provisioned once a node is selected",
        claim(storage_class="standard", selected_node="n-b"),
        [
            ("patch", "persistentvolumeclaims", "data"),
            ("note", "ExternalProvisioning"),
            ("create", "persistentvolumes", "pvc-uid-data"),
            ("note", "ProvisioningSucceeded"),
        ],
        volumes=[volume("pv-a", storage_class="standard", zone="zone-a")],
    ),
    ClaimCase(
        "WaitForFirstConsumer: a selected node not yet known waits",
        claim(storage_class="standard", selected_node="n-new"),
        [("patch", "persistentvolumeclaims", "data"), ("note", "ExternalProvisioning")],
    ),
    ClaimCase(
        "Immediate: provisioned at once",
        claim(storage_class="instant"),
        [
            ("patch", "persistentvolumeclaims", "data"),
            ("note", "ExternalProvisioning"),
            ("create", "persistentvolumes", "pvc-uid-data"),
            ("note", "ProvisioningSucceeded"),
        ],
    ),
    ClaimCase(
        "a volume made already is bound, not made again",
        claim(storage_class="instant"),
        [
            ("patch", "persistentvolumeclaims", "data"),
            ("note", "ExternalProvisioning"),
            ("phase", "persistentvolumes", "pvc-uid-data", "Bound"),
            ("patch", "persistentvolumeclaims", "data"),
            ("phase", "persistentvolumeclaims", "data", "Bound"),
        ][2:],
        volumes=[
            volume(
                "pvc-uid-data",
                storage_class="instant",
                phase="Pending",
                claim_ref=ref_to("data"),
                provisioned=PROVISIONER,
            )
        ],
    ),
    ClaimCase(
        "another provisioner's class: only marked for it",
        claim(storage_class="cloud"),
        [("patch", "persistentvolumeclaims", "data"), ("note", "ExternalProvisioning")],
    ),
    ClaimCase("a class that does not exist", claim(storage_class="gold"), [("note", "ProvisioningFailed")]),
    ClaimCase("pre-bound to a volume that does not exist yet: stays Pending", claim(volume="pv-9"), []),
    ClaimCase(
        "pre-bound to a volume bound to another claim",
        claim(volume="pv-1"),
        [("note", "FailedBinding")],
        volumes=[volume("pv-1", claim_ref=ref_to("other"), phase="Bound")],
    ),
    ClaimCase(
        "pre-bound to a volume too small for it",
        claim(volume="pv-1", size="5Gi"),
        [("note", "VolumeMismatch")],
        volumes=[volume("pv-1")],
    ),
    ClaimCase(
        "bound and consistent: nothing to do",
        claim(volume="pv-1", bound=True, phase="Bound"),
        [],
        volumes=[volume("pv-1", claim_ref=ref_to("data"), phase="Bound")],
    ),
    ClaimCase(
        "bound, but its volume is gone",
        claim(volume="pv-1", bound=True, phase="Bound"),
        [("phase", "persistentvolumeclaims", "data", "Lost"), ("note", "ClaimLost")],
    ),
    ClaimCase(
        "bound, but its volume is bound to another claim",
        claim(volume="pv-1", bound=True, phase="Bound"),
        [("phase", "persistentvolumeclaims", "data", "Lost"), ("note", "ClaimMisbound")],
        volumes=[volume("pv-1", claim_ref=ref_to("other"), phase="Bound")],
    ),
    ClaimCase("Lost stays Lost quietly", claim(volume="pv-1", bound=True, phase="Lost"), []),
]


@pytest.mark.parametrize("case", CLAIM_CASES, ids=[case.name for case in CLAIM_CASES])
def test_sync_claim(case: ClaimCase) -> None:
    nodes = by_name(node("n-a", "zone-a"), node("n-b", "zone-b"))
    actions = sync_claim(case.claim, by_name(*case.volumes), by_name(*case.classes), nodes, NOW)
    assert [summary(a) for a in actions] == case.expected


def test_binding_writes_both_halves_guarded_by_versions() -> None:
    free = volume("pv-1", "5Gi", storage_class="instant")
    bind_volume, volume_phase, bind_claim, claim_status = sync_claim(
        claim(storage_class="instant"), by_name(free), by_name(IMMEDIATE), {}, NOW
    )
    assert (
        isinstance(bind_volume, Patch) and isinstance(bind_claim, Patch) and isinstance(claim_status, Patch)
    )
    assert bind_volume.patch["metadata"] == {
        "resourceVersion": "20",
        "annotations": {"pv.kubernetes.io/bound-by-controller": "yes"},
    }
    assert bind_volume.patch["spec"]["claimRef"] == {
        **ref_to("data"),
        "apiVersion": "v1",
        "resourceVersion": "10",
    }
    assert bind_claim.patch == {
        "spec": {"volumeName": "pv-1"},
        "metadata": {
            "annotations": {
                "pv.kubernetes.io/bind-completed": "yes",
                "pv.kubernetes.io/bound-by-controller": "yes",
            },
            "resourceVersion": "10",
        },
    }
    assert claim_status.patch["status"] == {
        "phase": "Bound",
        "accessModes": ["ReadWriteOnce"],
        "capacity": {"storage": "5Gi"},
    }
    assert isinstance(volume_phase, Patch) and volume_phase.patch["status"]["lastPhaseTransitionTime"]


def test_a_provisioned_volume_is_made_for_the_claim_in_its_node_zone() -> None:
    asking = claim(size="3Gi", storage_class="standard", selected_node="n-b", modes=("ReadWriteOnce",))
    asking["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"] = "kube-actors.io/simulated"
    create, _ = sync_claim(asking, {}, by_name(STANDARD), by_name(node("n-b", "zone-b")), NOW)
    assert isinstance(create, Create)
    made = create.body
    assert made["metadata"] == {
        "name": "pvc-uid-data",
        "annotations": {"pv.kubernetes.io/provisioned-by": "kube-actors.io/simulated"},
    }
    spec = made["spec"]
    assert spec["capacity"] == {"storage": "3Gi"} and spec["accessModes"] == ["ReadWriteOnce"]
    assert spec["persistentVolumeReclaimPolicy"] == "Delete" and spec["storageClassName"] == "standard"
    assert spec["claimRef"]["uid"] == "uid-data"
    assert spec["nodeAffinity"] == {
        "required": {
            "nodeSelectorTerms": [
                {
                    "matchExpressions": [
                        {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-b"]}
                    ]
                }
            ]
        }
    }


def test_a_node_without_a_zone_pins_the_volume_to_itself() -> None:
    asking = claim(storage_class="standard", selected_node="solo")
    actions = sync_claim(asking, {}, by_name(STANDARD), by_name(node("solo")), NOW)
    [made] = [a.body for a in actions if isinstance(a, Create)]
    [term] = made["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
    assert term == {
        "matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["solo"]}]
    }


@dataclass
class VolumeCase:
    name: str
    volume: JsonObject
    expected: list[tuple[str, ...]]
    claims: list[JsonObject] = field(default_factory=list)


VOLUME_CASES = [
    VolumeCase(
        "a new volume becomes Available",
        volume("pv", phase="Pending"),
        [("phase", "persistentvolumes", "pv", "Available")],
    ),
    VolumeCase("an Available volume stays", volume("pv"), []),
    VolumeCase(
        "pre-bound by name only: Available until the claim binds",
        volume("pv", phase="Pending", claim_ref=ref_to("data", uid="")),
        [("phase", "persistentvolumes", "pv", "Available")],
    ),
    VolumeCase(
        "its claim is gone, Retain: Released and kept",
        volume("pv", phase="Bound", claim_ref=ref_to("data")),
        [("phase", "persistentvolumes", "pv", "Released")],
    ),
    VolumeCase("Released and retained stays", volume("pv", phase="Released", claim_ref=ref_to("data")), []),
    VolumeCase(
        "its claim is gone, Delete: Released, then deleted",
        volume("pv", phase="Bound", claim_ref=ref_to("data"), policy="Delete", provisioned=PROVISIONER),
        [("phase", "persistentvolumes", "pv", "Released"), ("delete", "persistentvolumes", "pv")],
    ),
    VolumeCase(
        "a static volume with Delete is deleted too (the simulated storage can always be)",
        volume("pv", phase="Released", claim_ref=ref_to("data"), policy="Delete"),
        [("delete", "persistentvolumes", "pv")],
    ),
    VolumeCase(
        "another provisioner's volume is left for it to delete",
        volume("pv", phase="Bound", claim_ref=ref_to("data"), policy="Delete", provisioned="ebs.csi.aws.com"),
        [("phase", "persistentvolumes", "pv", "Released")],
    ),
    VolumeCase(
        "a new claim of the same name is not the old one",
        volume("pv", phase="Bound", claim_ref=ref_to("data", uid="uid-old")),
        [("phase", "persistentvolumes", "pv", "Released")],
        claims=[claim(volume="pv", bound=True, uid="uid-new")],
    ),
    VolumeCase(
        "bound to its claim: Bound",
        volume("pv", phase="Pending", claim_ref=ref_to("data")),
        [("phase", "persistentvolumes", "pv", "Bound")],
        claims=[claim(volume="pv", bound=True)],
    ),
    VolumeCase(
        "its claim has not bound yet: the claim's sync does it",
        volume("pv", phase="Bound", claim_ref=ref_to("data")),
        [],
        claims=[claim()],
    ),
    VolumeCase(
        "chosen by the controller for a claim bound elsewhere: freed",
        volume("pv", phase="Bound", claim_ref=ref_to("data"), by_controller=True),
        [("patch", "persistentvolumes", "pv"), ("phase", "persistentvolumes", "pv", "Available")],
        claims=[claim(volume="other-pv", bound=True)],
    ),
    VolumeCase(
        "provisioned for a claim bound elsewhere: deleted",
        volume("pv", phase="Bound", claim_ref=ref_to("data"), policy="Delete", provisioned=PROVISIONER),
        [("phase", "persistentvolumes", "pv", "Released"), ("delete", "persistentvolumes", "pv")],
        claims=[claim(volume="other-pv", bound=True)],
    ),
    VolumeCase(
        "Recycle frees the volume for another claim",
        volume("pv", phase="Bound", claim_ref=ref_to("data"), policy="Recycle"),
        [
            ("phase", "persistentvolumes", "pv", "Released"),
            ("patch", "persistentvolumes", "pv"),
            ("note", "VolumeRecycled"),
        ],
    ),
    VolumeCase(
        "an unknown reclaim policy fails the volume",
        volume("pv", phase="Released", claim_ref=ref_to("data"), policy="Shred"),
        [("phase", "persistentvolumes", "pv", "Failed"), ("note", "VolumeUnknownReclaimPolicy")],
    ),
]


@pytest.mark.parametrize("case", VOLUME_CASES, ids=[case.name for case in VOLUME_CASES])
def test_sync_volume(case: VolumeCase) -> None:
    claims = {f"default/{c['metadata']['name']}": c for c in case.claims}
    assert [summary(a) for a in sync_volume(case.volume, claims, NOW)] == case.expected


def test_unbinding_keeps_a_users_pre_binding_by_name() -> None:
    pre_bound = volume("pv", phase="Bound", claim_ref=ref_to("data"))
    patch, _ = sync_volume(pre_bound, {"default/data": claim(volume="other-pv", bound=True)}, NOW)
    assert isinstance(patch, Patch)
    assert patch.patch == {"spec": {"claimRef": {"uid": None}}, "metadata": {"resourceVersion": "20"}}
