"""Which volume a claim binds to: Kubernetes' FindMatchingVolume over the access-mode index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from kube_actors.components.controllers.volumes.matching import best_volume, volume_fits_node
from tests.unit.volume_objects import claim, node, ref_to, volume

JsonObject = dict[str, Any]


@dataclass
class Case:
    name: str
    claim: JsonObject
    volumes: list[JsonObject]
    expected: str | None
    node: JsonObject | None = None
    delay: bool = False


CASES = [
    Case("nothing to bind", claim(), [], None),
    Case(
        "the smallest volume that is big enough",
        claim(size="2Gi"),
        [volume("big", "10Gi"), volume("small", "1Gi"), volume("fit", "3Gi")],
        "fit",
    ),
    Case("equal sizes: by name", claim(), [volume("b"), volume("a")], "a"),
    Case(
        "binary and decimal sizes compare by amount",
        claim(size="1G"),
        [volume("gi", "1Gi"), volume("m", "999M")],
        "gi",
    ),
    Case(
        "only Available volumes",
        claim(),
        [volume("released", phase="Released"), volume("pending", phase="Pending")],
        None,
    ),
    Case("not a volume bound to another claim", claim(), [volume("taken", claim_ref=ref_to("other"))], None),
    Case(
        "the class must be the same",
        claim(storage_class="fast"),
        [volume("slow", storage_class="slow"), volume("fast", storage_class="fast")],
        "fast",
    ),
    Case(
        "no class asks for a volume with no class",
        claim(storage_class=""),
        [volume("classy", storage_class="fast")],
        None,
    ),
    Case(
        "the volume mode must be the same",
        claim(mode="Block"),
        [volume("fs"), volume("block", mode="Block")],
        "block",
    ),
    Case(
        "the volume needs every access mode asked for", claim(modes=("ReadWriteMany",)), [volume("rwo")], None
    ),
    Case(
        "fewest extra access modes first, even if bigger",
        claim(),
        [volume("many", "1Gi", modes=("ReadWriteOnce", "ReadOnlyMany")), volume("exact", "5Gi")],
        "exact",
    ),
    Case(
        "the selector filters by the volume's labels",
        claim(selector={"matchLabels": {"disk": "ssd"}}),
        [volume("hdd", labels={"disk": "hdd"}), volume("ssd", "5Gi", labels={"disk": "ssd"})],
        "ssd",
    ),
    Case(
        "a volume pre-bound to the claim wins over a better fit, whatever its phase",
        claim(),
        [volume("fit"), volume("mine", "8Gi", phase="Pending", claim_ref=ref_to("data"))],
        "mine",
    ),
    Case(
        "a volume pre-bound by name only (no uid) counts as pre-bound",
        claim(),
        [volume("fit"), volume("mine", "8Gi", claim_ref=ref_to("data", uid=""))],
        "mine",
    ),
    Case(
        "a volume pre-bound to an older claim of the same name does not",
        claim(),
        [volume("old", claim_ref=ref_to("data", uid="uid-gone"))],
        None,
    ),
    Case("waiting for a consumer: only a pre-bound volume", claim(), [volume("free")], None, delay=True),
    Case(
        "waiting for a consumer: the pre-bound one",
        claim(),
        [volume("mine", claim_ref=ref_to("data"))],
        "mine",
        delay=True,
    ),
    Case(
        "with a node: only volumes it can reach",
        claim(),
        [volume("a", zone="zone-a"), volume("b", "2Gi", zone="zone-b"), volume("anywhere", "4Gi")],
        "b",
        node=node("n1", "zone-b"),
    ),
    Case(
        "with a node: a pre-bound volume it cannot reach means no match",
        claim(),
        [volume("mine", claim_ref=ref_to("data"), zone="zone-a"), volume("b", zone="zone-b")],
        None,
        node=node("n1", "zone-b"),
    ),
    Case("a volume being deleted is skipped", claim(), [volume("doomed")], None),
]
CASES[-1].volumes[0]["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_best_volume(case: Case) -> None:
    found = best_volume(case.claim, case.volumes, node=case.node, delay_binding=case.delay)
    assert (found["metadata"]["name"] if found else None) == case.expected


@pytest.mark.parametrize(
    ("affinity", "fits"),
    [
        (None, True),
        (
            {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["z1"]}
                        ]
                    }
                ]
            },
            True,
        ),
        (
            {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["z2"]}
                        ]
                    }
                ]
            },
            False,
        ),
        (
            {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}
                ]
            },
            True,
        ),
        ({"nodeSelectorTerms": []}, False),  # no terms select no node
        ({"nodeSelectorTerms": "zone-a"}, False),  # malformed: fits nowhere rather than everywhere
    ],
)
def test_volume_fits_node(affinity: JsonObject | None, fits: bool) -> None:
    made = volume("v")
    if affinity is not None:
        made["spec"]["nodeAffinity"] = {"required": affinity}
    assert volume_fits_node(made, node("n1", "z1")) is fits
