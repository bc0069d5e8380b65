"""InterPodAffinity: required affinity and anti-affinity of the incoming pod, the anti-affinity of
pods already placed, namespaces and namespace selectors, and the preferred-term score with its
min-max normalisation."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.scheduling import Profile
from kube_actors.scheduling.plugins.inter_pod_affinity import InterPodAffinity
from kube_actors.scheduling.profiles import default_plugins
from tests.scheduling_strategies import HOSTNAME, ZONE, evaluation, node, pod, scores, verdicts

Json = dict[str, Any]

AFFINITY = "node(s) didn't match pod affinity rules"
ANTI = "node(s) didn't match pod anti-affinity rules"
EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules"

NODES = [
    node("a1", labels={HOSTNAME: "a1", ZONE: "a"}),
    node("a2", labels={HOSTNAME: "a2", ZONE: "a"}),
    node("b1", labels={HOSTNAME: "b1", ZONE: "b"}),
]
NAMESPACES = [
    {"metadata": {"name": "default", "labels": {"env": "prod"}}},
    {"metadata": {"name": "other", "labels": {"env": "dev"}}},
]


def _term(app: str, key: str = ZONE, **extra: Any) -> Json:
    return {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": key, **extra}


def _required(kind: str, *terms: Json) -> Json:
    return {kind: {"requiredDuringSchedulingIgnoredDuringExecution": list(terms)}}


def _preferred(kind: str, *weighted: tuple[int, Json]) -> Json:
    rules = [{"weight": weight, "podAffinityTerm": term} for weight, term in weighted]
    return {kind: {"preferredDuringSchedulingIgnoredDuringExecution": rules}}


def _app(name: str, app: str, where: str | None = None, **extra: Any) -> Json:
    return pod(name, labels={"app": app, **extra.pop("labels", {})}, node_name=where, **extra)


def _verdicts(incoming: Json, placed: list[Json], nodes: list[Json] = NODES) -> dict[str, str]:
    return verdicts(evaluation(nodes, incoming, placed, namespaces=NAMESPACES))


CASES = [
    (
        "affinity: only the zone holding a db pod",
        [_app("db", "db", "a1")],
        _app("web", "web", affinity=_required("podAffinity", _term("db"))),
        {"a1": "", "a2": "", "b1": AFFINITY},
    ),
    (
        "affinity to nothing that exists",
        [],
        _app("web", "web", affinity=_required("podAffinity", _term("db"))),
        {"a1": AFFINITY, "a2": AFFINITY, "b1": AFFINITY},
    ),
    (
        "the first pod of a group that selects itself starts it anywhere",
        [],
        _app("db", "db", affinity=_required("podAffinity", _term("db"))),
        {"a1": "", "a2": "", "b1": ""},
    ),
    (
        "a pod must match all affinity terms to count",
        [_app("db", "db", "a1"), _app("cache", "cache", "b1")],
        _app("web", "web", affinity=_required("podAffinity", _term("db"), _term("cache"))),
        {"a1": AFFINITY, "a2": AFFINITY, "b1": AFFINITY},
    ),
    (
        "anti-affinity per host",
        [_app("web-1", "web", "a1")],
        _app("web-2", "web", affinity=_required("podAntiAffinity", _term("web", HOSTNAME))),
        {"a1": ANTI, "a2": "", "b1": ""},
    ),
    (
        "anti-affinity per zone",
        [_app("web-1", "web", "a1")],
        _app("web-2", "web", affinity=_required("podAntiAffinity", _term("web"))),
        {"a1": ANTI, "a2": ANTI, "b1": ""},
    ),
    (
        "a placed pod's anti-affinity keeps the incoming pod out of its zone",
        [_app("lonely", "db", "a1", affinity=_required("podAntiAffinity", _term("web")))],
        _app("web", "web"),
        {"a1": EXISTING, "a2": EXISTING, "b1": ""},
    ),
    (
        "a placed pod's anti-affinity that does not match lets it in",
        [_app("lonely", "db", "a1", affinity=_required("podAntiAffinity", _term("web")))],
        _app("cache", "cache"),
        {"a1": "", "a2": "", "b1": ""},
    ),
    (
        "terms look in the pod's own namespace by default",
        [_app("web-1", "web", "a1", namespace="other")],
        _app("web-2", "web", affinity=_required("podAntiAffinity", _term("web", HOSTNAME))),
        {"a1": "", "a2": "", "b1": ""},
    ),
    (
        "or in the namespaces they list",
        [_app("web-1", "web", "a1", namespace="other")],
        _app(
            "web-2",
            "web",
            affinity=_required("podAntiAffinity", _term("web", HOSTNAME, namespaces=["other"])),
        ),
        {"a1": ANTI, "a2": "", "b1": ""},
    ),
    (
        "or in the namespaces whose labels match",
        [_app("web-1", "web", "a1", namespace="other")],
        _app(
            "web-2",
            "web",
            affinity=_required(
                "podAntiAffinity", _term("web", HOSTNAME, namespaceSelector={"matchLabels": {"env": "dev"}})
            ),
        ),
        {"a1": ANTI, "a2": "", "b1": ""},
    ),
    (
        "an empty namespace selector selects every namespace",
        [_app("web-1", "web", "a1", namespace="other")],
        _app(
            "web-2",
            "web",
            affinity=_required("podAntiAffinity", _term("web", HOSTNAME, namespaceSelector={})),
        ),
        {"a1": ANTI, "a2": "", "b1": ""},
    ),
]


@pytest.mark.parametrize(
    ("placed", "incoming", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_required_terms(placed: list[Json], incoming: Json, expected: dict[str, str]) -> None:
    assert _verdicts(incoming, placed) == expected


def test_affinity_needs_the_topology_key_on_the_node_even_for_the_first_pod() -> None:
    nodes = [*NODES, node("bare", labels={HOSTNAME: "bare"})]
    incoming = _app("db", "db", affinity=_required("podAffinity", _term("db")))
    assert _verdicts(incoming, [], nodes)["bare"] == AFFINITY


def test_affinity_is_checked_before_anti_affinity() -> None:
    incoming = _app(
        "web-2",
        "web",
        affinity={**_required("podAffinity", _term("db")), **_required("podAntiAffinity", _term("web"))},
    )
    placed = [_app("db", "db", "b1"), _app("web-1", "web", "a1")]
    assert _verdicts(incoming, placed) == {"a1": AFFINITY, "a2": AFFINITY, "b1": ""}


def _scores(incoming: Json, placed: list[Json], profile: Profile | None = None) -> dict[str, int]:
    return scores(
        evaluation(NODES, incoming, placed, namespaces=NAMESPACES, profile=profile), "InterPodAffinity"
    )


@pytest.mark.parametrize(
    ("incoming", "placed", "expected"),
    [
        (
            _app("web", "web", affinity=_preferred("podAffinity", (5, _term("db")))),
            [_app("db", "db", "a1")],
            {"a1": 100, "a2": 100, "b1": 0},
        ),
        (
            _app("web", "web", affinity=_preferred("podAntiAffinity", (5, _term("db")))),
            [_app("db", "db", "a1")],
            {"a1": 0, "a2": 0, "b1": 100},
        ),
        # Raw a1 = 1 (zone) + 2 (host) = 3, a2 = 1, b1 = 0: 100 * raw / 3, truncated.
        (
            _app(
                "web", "web", affinity=_preferred("podAffinity", (1, _term("db")), (2, _term("db", HOSTNAME)))
            ),
            [_app("db", "db", "a1")],
            {"a1": 100, "a2": 33, "b1": 0},
        ),
        # What placed pods prefer about the incoming pod counts too.
        (
            _app("web", "web"),
            [_app("db", "db", "a1", affinity=_preferred("podAffinity", (10, _term("web"))))],
            {"a1": 100, "a2": 100, "b1": 0},
        ),
        (
            _app("web", "web"),
            [_app("db", "db", "b1", affinity=_preferred("podAntiAffinity", (10, _term("web"))))],
            {"a1": 100, "a2": 100, "b1": 0},
        ),
        # A placed pod's required affinity to the incoming pod weighs hard_pod_affinity_weight (1).
        (
            _app("web", "web"),
            [_app("db", "db", "b1", affinity=_required("podAffinity", _term("web")))],
            {"a1": 0, "a2": 0, "b1": 100},
        ),
    ],
)
def test_preferred_terms_score(incoming: Json, placed: list[Json], expected: dict[str, int]) -> None:
    assert _scores(incoming, placed) == expected


def test_nothing_matching_leaves_the_plugin_out_of_scoring() -> None:
    """Every node would score 0, which is what leaving the plugin out adds."""
    incoming = _app("web", "web", affinity=_preferred("podAffinity", (5, _term("db"))))
    result = evaluation(NODES, incoming, [_app("cache", "cache", "a1")], namespaces=NAMESPACES)
    assert "InterPodAffinity" not in result.plugin_scores


def test_hard_pod_affinity_weight_zero_ignores_placed_pods_required_terms() -> None:
    plugins = tuple(
        InterPodAffinity(hard_pod_affinity_weight=0) if p.name == "InterPodAffinity" else p
        for p in default_plugins()
    )
    placed = [_app("db", "db", "b1", affinity=_required("podAffinity", _term("web")))]
    custom = Profile("custom", plugins)
    assert (
        "InterPodAffinity" not in evaluation(NODES, _app("web", "web"), placed, profile=custom).plugin_scores
    )
    assert _scores(_app("web", "web"), placed) == {"a1": 0, "a2": 0, "b1": 100}
