"""ImageLocality (Kubernetes' image_locality_test.go numbers), and storage-aware scheduling:
VolumeBinding (bound volumes' node affinity, missing claims and volumes) and VolumeZone."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.scheduling import Code, Snapshot, parse_pod, schedule_one
from tests.scheduling_strategies import (
    HOSTNAME,
    ZONE,
    claim,
    container,
    evaluation,
    node,
    persistent_volume,
    pod,
    scores,
    verdicts,
)

Json = dict[str, Any]
MB = 1024 * 1024


def _images(*images: str) -> list[Json]:
    return [container(f"c{i}", image=image) for i, image in enumerate(images)]


@pytest.mark.parametrize(
    ("nodes", "images", "expected"),
    [
        # Each image on one of two nodes, so scaled by 1/2: 20MB is under the 23MB floor -> 0;
        # 125MB -> 100 * (125 - 23) / (2 * 1000 - 23) = 5.
        (
            [
                node("n1", images=[(["gcr.io/40:latest"], 40 * MB)]),
                node("n2", images=[(["gcr.io/250:latest"], 250 * MB)]),
            ],
            ["gcr.io/40", "gcr.io/250"],
            {"n1": 0, "n2": 5},
        ),
        # Both on n1: 100 * (20 + 150 - 23) / 1977 = 7.
        (
            [
                node("n1", images=[(["gcr.io/40:latest"], 40 * MB), (["gcr.io/300:latest"], 300 * MB)]),
                node("n2", images=[(["gcr.io/10:latest"], 10 * MB)]),
            ],
            ["gcr.io/40", "gcr.io/300"],
            {"n1": 7, "n2": 0},
        ),
        # On every node, larger than the 1000MB cap for one container.
        (
            [node("n1", images=[(["big:1"], 2000 * MB)]), node("n2", images=[(["big:1"], 2000 * MB)])],
            ["big:1"],
            {"n1": 100, "n2": 100},
        ),
        # Any of an image's names matches; the tag must match exactly.
        (
            [node("n1", images=[(["registry/app@sha256:aa", "registry/app:v2"], 600 * MB)]), node("n2")],
            ["registry/app:v2"],
            {"n1": 28, "n2": 0},
        ),
        # Present, but too small to count anywhere.
        ([node("n1", images=[(["tiny:1"], 30 * MB)]), node("n2")], ["tiny:1"], {"n1": 0, "n2": 0}),
    ],
)
def test_image_locality(nodes: list[Json], images: list[str], expected: dict[str, int]) -> None:
    assert scores(evaluation(nodes, pod("p", containers=_images(*images))), "ImageLocality") == expected


def test_image_locality_does_not_score_images_no_node_has() -> None:
    nodes = [node("n1", images=[(["registry/app:v1"], 600 * MB)])]
    assert (
        "ImageLocality"
        not in evaluation(nodes, pod("p", containers=_images("registry/app:v2"))).plugin_scores
    )


def test_image_locality_counts_init_containers() -> None:
    """An init container's image counts, and so does the init container in the 1000MB-per-container
    cap: 100 * (1200 - 23) / (2 * 1000 - 23) = 59."""
    nodes = [node("n1", images=[(["setup:1"], 1200 * MB)]), node("n2", images=[(["setup:1"], 1200 * MB)])]
    wanted = pod("p", containers=_images("app:1"), init_containers=[container("init", image="setup:1")])
    assert scores(evaluation(nodes, wanted), "ImageLocality") == {"n1": 59, "n2": 59}


ZONED = [
    node("n1", labels={HOSTNAME: "n1", ZONE: "a"}),
    node("n2", labels={HOSTNAME: "n2", ZONE: "b"}),
    node("n3", labels={HOSTNAME: "n3"}),
]


def _mounting(*claims: str) -> Json:
    volumes = [
        {"name": f"v{i}", "persistentVolumeClaim": {"claimName": claim}} for i, claim in enumerate(claims)
    ]
    return pod("p", volumes=volumes)


STORAGE = {
    "persistent_volume_claims": [
        claim("local", "pv-local"),
        claim("zonal", "pv-zonal"),
        claim("two-zones", "pv-two-zones"),
        claim("beta", "pv-beta"),
        claim("unbound", None),
        claim("lost", "pv-gone"),
    ],
    "persistent_volumes": [
        persistent_volume("pv-local", hosts=["n2", "n3"]),
        persistent_volume("pv-zonal", {ZONE: "a"}),
        persistent_volume("pv-two-zones", {ZONE: "a__b"}),
        persistent_volume("pv-beta", {"failure-domain.beta.kubernetes.io/zone": "b"}),
    ],
}
CONFLICT = "node(s) had volume node affinity conflict"
NO_ZONE = "node(s) had no available volume zone"
LOST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        (["local"], {"n1": CONFLICT, "n2": "", "n3": ""}),
        # A node with no topology label at all passes (a single-zone cluster need not label).
        (["zonal"], {"n1": "", "n2": NO_ZONE, "n3": ""}),
        (["two-zones"], {"n1": "", "n2": "", "n3": ""}),
        # A beta zone label on the volume matches the GA label on the node.
        (["beta"], {"n1": NO_ZONE, "n2": "", "n3": ""}),
        (["local", "zonal"], {"n1": CONFLICT, "n2": NO_ZONE, "n3": ""}),
        (["unbound"], {"n1": "", "n2": "", "n3": ""}),
        (["lost"], {"n1": LOST, "n2": LOST, "n3": LOST}),
    ],
)
def test_volumes_restrict_nodes(claims: list[str], expected: dict[str, str]) -> None:
    assert verdicts(evaluation(ZONED, _mounting(*claims), **STORAGE)) == expected


def test_a_missing_claim_rejects_the_pod_before_any_node() -> None:
    snapshot = Snapshot.from_objects(ZONED, **STORAGE)
    decision = schedule_one(snapshot, parse_pod(_mounting("zonal", "nowhere")))
    assert decision.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert decision.message == '0/3 nodes are available: persistentvolumeclaim "nowhere" not found.'
    assert decision.rejected_by == ("VolumeBinding",)


def test_claims_are_looked_up_in_the_pods_namespace() -> None:
    stranger = pod(
        "p", namespace="other", volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "zonal"}}]
    )
    result = evaluation(ZONED, stranger, **STORAGE)
    assert result.stopped_by.message == 'persistentvolumeclaim "zonal" not found'
