"""Reading scenario files: every mistake is named with its file, line and field, all at once;
the shipped scenarios load; the editors' JSON Schema is the models' own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kube_actors.scenario import ScenarioError, load_scenario
from kube_actors.scenario.schema import json_schema

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(path: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


DEPLOYMENT = """
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: "nginx:1.25"}]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seed: seven\n", [(1, "seed", "Input should be a valid integer (got 'seven')")]),
        ("duration: soon\n", [(1, "duration", "'soon' is not a duration (use 30, 30s, 1m30s, 500ms, 2h)")]),
        ("name: x\ncolour: blue\n", [(2, "colour", "unknown field")]),
        (
            "cluster:\n  node_pools:\n    - name: w\n      count: 2\n      cpu: lots\n",
            [(5, "cluster.node_pools[0].cpu", "quantities must match the regular expression")],
        ),
        (
            "cluster:\n  node_pools:\n    - {name: w}\n",
            [(3, "cluster.node_pools[0].count", "required field is missing")],
        ),
        (
            "timeline:\n  - at: 5s\n    action: explode\n",
            [(3, "timeline[0]", "unknown action: 'explode'; expected one of")],
        ),
        (
            "timeline:\n  - action: scale\n    name: web\n    replicas: 3\n",
            [(2, "timeline[0]", "an action needs 'at' (a time) or 'when' (a condition)")],
        ),
        (
            "expect:\n  - check: pods\n    phase: Runnin\n    count: 1\n",
            [(3, "expect[0].phase", "Input should be 'Pending', 'Running', 'Succeeded' or 'Failed'")],
        ),
        (
            "expect:\n  - check: pods\n    selector: 'app in ('\n    count: 1\n",
            [(3, "expect[0].selector", "")],
        ),
        ("a: 1\na: 2\n", [(2, "a", "duplicate key")]),
        ("name: [unclosed\n", [(2, "", "not valid YAML")]),
    ],
)
def test_schema_mistakes_name_line_and_field(
    tmp_path: Path, text: str, expected: list[tuple[int, str, str]]
) -> None:
    found = problems(write(tmp_path, text))
    assert [(line, field) for line, field, _ in found] == [(line, field) for line, field, _ in expected]
    for (_, _, message), (_, _, start) in zip(found, expected, strict=True):
        assert message.startswith(start), message


def test_manifest_mistakes_point_into_the_manifest(tmp_path: Path) -> None:
    write(
        tmp_path,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nkind: Service\nmetadata: {}\n",
        "more.yaml",
    )
    text = (
        "workloads:\n"
        "  - file: missing.yaml\n"
        "  - file: more.yaml\n"
        "  - apiVersion: apps/v1\n"
        "    kind: Deployment\n"
        "    metadata: {name: web}\n"
        "    spec:\n"
        "      replicas: three\n"
        "      selector: {matchLabels: {app: web}}\n"
        "      template:\n"
        "        metadata: {labels: {app: web}}\n"
        "        spec:\n"
        "          containers: [{name: web}]\n"
        "  - {apiVersion: v1, kind: Widget, metadata: {name: w}}\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    found = [(p.file.name, p.line, p.field, p.message) for p in caught.value.problems]
    assert found[0][:3] == ("s.yaml", 2, "workloads[0].file")
    assert "cannot read manifest file" in found[0][3] and "missing.yaml" in found[0][3]
    assert ("more.yaml", 5, "apiVersion", "required field is missing") in found
    assert ("more.yaml", 6, "metadata.name", "required field is missing") in found
    assert ("s.yaml", 8, "workloads[2].spec.replicas", 'Invalid value: "three": must be an integer') in found
    assert ("s.yaml", 13, "workloads[2].spec.template.spec.containers[0].image", "Required value") in found
    assert any(
        f[:3] == ("s.yaml", 14, "workloads[3].kind") and "does not serve kind 'Widget'" in f[3] for f in found
    )
    assert str(caught.value).count("\n") == len(found)  # one line per problem, under a heading


def test_custom_resources_are_known_once_their_definition_went_by(tmp_path: Path) -> None:
    text = """
workloads:
  - apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: crdbclusters.crdb.cockroachlabs.com}
    spec:
      group: crdb.cockroachlabs.com
      scope: Namespaced
      names: {kind: CrdbCluster, plural: crdbclusters, singular: crdbcluster}
      versions: [{name: v1alpha1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
  - apiVersion: crdb.cockroachlabs.com/v1alpha1
    kind: CrdbCluster
    metadata: {name: cockroachdb}
    spec: {nodes: 3}
"""
    loaded = load_scenario(write(tmp_path, text))
    assert [m.resource.kind for m in loaded.workloads] == ["CustomResourceDefinition", "CrdbCluster"]


def test_cross_references_are_checked(tmp_path: Path) -> None:
    text = (
        "cluster:\n"
        "  control_plane: {apiservers: 2}\n"
        "  node_pools: [{name: worker, count: 2}]\n"
        "timeline:\n"
        "  - {id: a, at: 1s, action: kill_node, node: worker-3}\n"
        "  - {id: a, at: 1s, action: stop, component: apiserver/2}\n"
        "  - {at: 1s, after: nowhere, action: stop, component: storage/pods}\n"
        "  - {at: 1s, action: add_nodes, pool: worker}\n"
        "  - {at: 2s, action: restore_node, node: worker-3}\n"
        "expect:\n"
        "  - {check: node_ready, node: worker-9, after: b}\n"
    )
    found = problems(write(tmp_path, text))
    assert (6, "timeline[1].id", "id 'a' is already used by timeline[0]") in found
    assert (6, "timeline[1].component", "the cluster has 2 apiserver replica(s), numbered from 0") in found
    assert (7, "timeline[2].after", "no action has id 'nowhere'") in found
    assert any(f[:2] == (7, "timeline[2].component") and "memory shard keeps nothing" in f[2] for f in found)
    assert (11, "expect[0].after", "no action has id 'b'") in found
    assert any(f[:2] == (11, "expect[0].node") and "worker-9" in f[2] for f in found)
    # add_nodes makes worker-3, so the actions may name it
    assert not any(f[1] in ("timeline[0].node", "timeline[4].node") for f in found)


def test_missing_scenario_file_is_a_clear_error(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope.yaml") == [
        (0, "", "cannot read the scenario file: No such file or directory")
    ]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenarios_load(path: Path) -> None:
    loaded = load_scenario(path)
    assert loaded.spec.expect, "a shipped scenario claims something"
    assert path.read_text().startswith("# yaml-language-server: $schema=scenario.schema.json")


def test_the_json_schema_file_is_in_sync_with_the_models() -> None:
    shipped = json.loads((SCENARIOS / "scenario.schema.json").read_text())
    assert shipped == json_schema(), (
        "regenerate: kube-actors scenario schema > scenarios/scenario.schema.json"
    )
