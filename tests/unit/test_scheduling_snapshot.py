"""The scheduler's view of the cluster, parsed from API objects: what a pod requests (checked
against Kubernetes' ``resourcehelper.PodRequests`` and the scheduler's non-zero defaults), what
a node offers, which pods count on which node, and pods' equivalence classes."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.scheduling import InvalidObject, Snapshot, parse_pod
from kube_actors.scheduling.nodes import parse_node
from kube_actors.scheduling.snapshot import ImageState
from tests.scheduling_strategies import container, node, pod

GI = 2**30
MI = 2**20

# (name, pod spec pieces, requests (milli-cpu, memory), non-zero (milli-cpu, memory))
REQUESTS = [
    ("one container", {"containers": [container(cpu="250m", memory="64Mi")]}, (250, 64 * MI), (250, 64 * MI)),
    (
        "containers add up",
        {"containers": [container("a", cpu="1", memory="1G"), container("b", cpu="2", memory="3G")]},
        (3000, 4 * 10**9),
        (3000, 4 * 10**9),
    ),
    (
        "an init container larger than the app wins",
        {
            "containers": [container("a", cpu="1", memory="1G"), container("b", cpu="1", memory="1G")],
            "initContainers": [container("i1", cpu="2", memory="1G"), container("i2", cpu="2", memory="3G")],
        },
        (2000, 3 * 10**9),
        (2000, 3 * 10**9),
    ),
    (
        "a sidecar runs beside the app and beside later init containers",
        {
            "containers": [container("a", cpu="1")],
            "initContainers": [
                container("sidecar", cpu="500m", restart_policy="Always"),
                container("init", cpu="2"),
            ],
        },
        (2500, 0),
        (2500, 2 * 200 * MI),
    ),
    (
        "overhead comes on top",
        {"containers": [container(cpu="1", memory="1Gi")], "overhead": {"cpu": "250m", "memory": "120Mi"}},
        (1250, GI + 120 * MI),
        (1250, GI + 120 * MI),
    ),
    ("no requests: scoring assumes 100m and 200Mi", {"containers": [container()]}, (0, 0), (100, 200 * MI)),
    (
        "an explicit zero stays zero for scoring",
        {"containers": [container(cpu="0", memory="0")]},
        (0, 0),
        (0, 0),
    ),
    (
        "defaults apply per container",
        {"containers": [container("a", cpu="1"), container("b", memory="1Gi")]},
        (1000, GI),
        (1100, GI + 200 * MI),
    ),
    ("sub-milli amounts round up", {"containers": [container(cpu="0.0001")]}, (1, 0), (1, 200 * MI)),
]


@pytest.mark.parametrize(
    ("spec", "expected", "non_zero"), [case[1:] for case in REQUESTS], ids=[c[0] for c in REQUESTS]
)
def test_pod_requests(spec: dict[str, Any], expected: tuple[int, int], non_zero: tuple[int, int]) -> None:
    requirements = parse_pod({"metadata": {"name": "p"}, "spec": spec}).requirements
    assert (requirements.requests.milli_cpu, requirements.requests.memory) == expected
    assert (requirements.non_zero_milli_cpu, requirements.non_zero_memory) == non_zero


def test_extended_resources_count_and_other_names_do_not() -> None:
    spec = {
        "containers": [container(requests={"example.com/gpu": "2", "hugepages-2Mi": "4Mi", "storage": "1Gi"})]
    }
    requests = parse_pod({"metadata": {"name": "p"}, "spec": spec}).requirements.requests
    assert requests.scalars == (("example.com/gpu", 2), ("hugepages-2Mi", 4 * MI))


def test_node_allocatable_taints_and_images() -> None:
    parsed = parse_node(
        node(
            "n1",
            cpu="3500m",
            memory="16Gi",
            pods=30,
            allocatable={"ephemeral-storage": "100Gi", "example.com/gpu": "4"},
            taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}],
            images=[(["docker.io/library/nginx:1.27", "nginx:1.27"], 70 * MI)],
        )
    )
    assert parsed.allocatable.milli_cpu == 3500
    assert parsed.allocatable.memory == 16 * GI
    assert parsed.allocatable.ephemeral_storage == 100 * GI
    assert parsed.allocatable.scalars == (("example.com/gpu", 4),)
    assert parsed.allowed_pod_number == 30
    assert [(t.key, t.value, t.effect) for t in parsed.taints] == [("gpu", "true", "NoSchedule")]
    assert dict(parsed.images) == {"docker.io/library/nginx:1.27": 70 * MI, "nginx:1.27": 70 * MI}


def test_nodes_are_in_name_order_whatever_the_input_order() -> None:
    snapshot = Snapshot.from_objects([node("n3"), node("n1"), node("n2")])
    assert [info.name for info in snapshot.nodes] == ["n1", "n2", "n3"]
    assert snapshot.position("n2") == 1


def test_only_bound_unfinished_pods_on_known_nodes_count() -> None:
    snapshot = Snapshot.from_objects(
        [node("n1")],
        [
            pod("running", cpu="1", node_name="n1"),
            pod("done", cpu="1", node_name="n1", phase="Succeeded"),
            pod("failed", cpu="1", node_name="n1", phase="Failed"),
            pod("pending", cpu="1"),
            pod("elsewhere", cpu="1", node_name="gone"),
            pod("leaving", cpu="1", node_name="n1", terminating=True),
        ],
    )
    info = snapshot.nodes[0]
    assert [p.name for p in info.pods] == ["running", "leaving"]
    assert info.requested.milli_cpu == 2000
    assert [p.terminating for p in info.pods] == [False, True]


def test_add_and_remove_keep_the_sums() -> None:
    snapshot = Snapshot.from_objects([node("n1")])
    first = parse_pod(
        pod("a", cpu="1", memory="1Gi", containers=[container(cpu="1", memory="1Gi", host_ports=[80])])
    )
    second = parse_pod(pod("b"))
    snapshot.assume(first, "n1")
    snapshot.assume(second, "n1")
    info = snapshot.nodes[0]
    assert (info.requested.milli_cpu, info.non_zero_milli_cpu, info.non_zero_memory) == (
        1000,
        1100,
        GI + 200 * MI,
    )
    assert sum(info.used_ports.values()) == 1
    assert snapshot.forget(first, "n1")
    assert (info.requested.milli_cpu, info.non_zero_milli_cpu) == (0, 100)
    assert not info.used_ports
    assert not snapshot.forget(first, "n1")


def test_copy_is_independent() -> None:
    snapshot = Snapshot.from_objects([node("n1")])
    twin = snapshot.copy()
    twin.assume(parse_pod(pod("a", cpu="1")), "n1")
    assert snapshot.nodes[0].pods == []
    assert len(twin.nodes[0].pods) == 1


def test_image_states_count_nodes_and_take_the_first_nodes_size() -> None:
    snapshot = Snapshot.from_objects(
        [node("n2", images=[(["app:1"], 200)]), node("n1", images=[(["app:1"], 100), (["db:2"], 50)])]
    )
    assert snapshot.image_states["app:1"] == ImageState(size=100, node_count=2)
    assert snapshot.image_states["db:2"] == ImageState(size=50, node_count=1)


def test_namespaces_always_carry_their_name_label() -> None:
    snapshot = Snapshot.from_objects(
        [], namespaces=[{"metadata": {"name": "shop", "labels": {"env": "prod"}}}]
    )
    assert dict(snapshot.namespace_labels("shop")) == {"env": "prod", "kubernetes.io/metadata.name": "shop"}
    assert dict(snapshot.namespace_labels("unknown")) == {"kubernetes.io/metadata.name": "unknown"}


def test_pods_of_one_template_share_an_equivalence_class() -> None:
    def replica(name: str, **changes: Any) -> dict[str, Any]:
        spec = {
            "affinity": {
                "podAntiAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "labelSelector": {"matchLabels": {"app": "web"}},
                            "topologyKey": "kubernetes.io/hostname",
                        }
                    ]
                }
            },
            "tolerations": [{"key": "spot", "operator": "Exists"}],
            "topologySpreadConstraints": [
                {"maxSkew": 1, "topologyKey": "zone", "labelSelector": {"matchLabels": {"app": "web"}}}
            ],
        }
        spec.update(changes.pop("spec", {}))
        return pod(name, cpu="500m", labels={"app": "web", "pod-template-hash": "abc"}, **spec, **changes)

    first, second = parse_pod(replica("web-abc-1")), parse_pod(replica("web-abc-2"))
    assert first.name != second.name
    assert first.requirements == second.requirements
    assert hash(first.requirements) == hash(second.requirements)
    assert {first.requirements: 1}[second.requirements] == 1
    other_namespace = parse_pod(replica("web-abc-3", namespace="other"))
    other_labels = parse_pod(pod("web-x", cpu="500m", labels={"app": "web", "pod-template-hash": "def"}))
    assert other_namespace.requirements != first.requirements
    assert other_labels.requirements != first.requirements


def test_ephemeral_volumes_name_their_claims_after_the_pod() -> None:
    volumes = [
        {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "shared"}},
        {"name": "config", "configMap": {"name": "cfg"}},
    ]
    assert parse_pod(pod("web-1", volumes=volumes)).requirements.volume_claims == ("web-1-scratch", "shared")


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (pod("bad", cpu="lots"), "pod 'bad'.spec.containers[0].requests.cpu: quantities must match"),
        (pod("bad", tolerations="all"), "pod 'bad'.spec.tolerations: must be a list"),
        (
            {"metadata": {"name": "bad", "labels": {"app": 1}}, "spec": {}},
            "pod 'bad'.metadata.labels: must map",
        ),
    ],
)
def test_malformed_pods_name_the_field(obj: dict[str, Any], message: str) -> None:
    with pytest.raises(
        InvalidObject, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")
    ):
        parse_pod(obj)


def test_malformed_nodes_name_the_field() -> None:
    with pytest.raises(InvalidObject, match=r"node 'n1'\.status\.allocatable\.memory"):
        Snapshot.from_objects([node("n1", memory="eight")])
