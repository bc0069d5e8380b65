"""A custom object against its definition's ``openAPIV3Schema``: what is pruned, what is
defaulted, and the 422 causes kubectl prints, one table row per rule."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.components.apiserver.crds.schemas import check, json_type, prune, validate

SPEC = {
    "type": "object",
    "required": ["size"],
    "properties": {
        "size": {"type": "string", "enum": ["S", "M", "L"]},
        "replicas": {"type": "integer", "minimum": 0, "maximum": 10},
        "ratio": {"type": "number"},
        "enabled": {"type": "boolean"},
        "name": {"type": "string", "maxLength": 5, "pattern": "^[a-z]+$"},
        "port": {"x-kubernetes-int-or-string": True},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
        "ports": {
            "type": "array",
            "items": {"type": "object", "required": ["port"], "properties": {"port": {"type": "integer"}}},
        },
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "owner": {"type": "string", "nullable": True},
        "mode": {"type": "string", "default": "fast"},
    },
}
SCHEMA = {
    "type": "object",
    "properties": {
        "spec": SPEC,
        "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
    },
}


def widget(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "labels": {"a": "b"}},
        "spec": {"size": "M", **spec},
    }


@pytest.mark.parametrize(
    ("spec", "causes"),
    [
        (
            {"replicas": "two"},
            [
                (
                    "spec.replicas",
                    'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
                )
            ],
        ),
        (
            {"ratio": "half"},
            [("spec.ratio", 'Invalid value: "string": spec.ratio in body must be of type number: "string"')],
        ),
        (
            {"enabled": "yes"},
            [
                (
                    "spec.enabled",
                    'Invalid value: "string": spec.enabled in body must be of type boolean: "string"',
                )
            ],
        ),
        (
            {"replicas": True},
            [
                (
                    "spec.replicas",
                    'Invalid value: "boolean": spec.replicas in body must be of type integer: "boolean"',
                )
            ],
        ),
        (
            {"name": 7},
            [("spec.name", 'Invalid value: "integer": spec.name in body must be of type string: "integer"')],
        ),
        (
            {"tags": "a,b"},
            [("spec.tags", 'Invalid value: "string": spec.tags in body must be of type array: "string"')],
        ),
        (
            {"labels": ["a"]},
            [("spec.labels", 'Invalid value: "array": spec.labels in body must be of type object: "array"')],
        ),
        ({"size": "XL"}, [("spec.size", 'Unsupported value: "XL": supported values: "S", "M", "L"')]),
        ({"size": None}, [("spec.size", "Required value")]),
        (
            {"replicas": -1},
            [
                (
                    "spec.replicas",
                    "Invalid value: -1: spec.replicas in body should be greater than or equal to 0",
                )
            ],
        ),
        (
            {"replicas": 11},
            [
                (
                    "spec.replicas",
                    "Invalid value: 11: spec.replicas in body should be less than or equal to 10",
                )
            ],
        ),
        ({"name": "abcdef"}, [("spec.name", "Too long: may not be more than 5 bytes")]),
        (
            {"name": "ab1"},
            [("spec.name", "Invalid value: \"ab1\": spec.name in body should match '^[a-z]+$'")],
        ),
        ({"tags": ["a", "b", "c"]}, [("spec.tags", "Too many: 3: must have at most 2 items")]),
        (
            {"tags": ["a", 1]},
            [
                (
                    "spec.tags[1]",
                    'Invalid value: "integer": spec.tags[1] in body must be of type string: "integer"',
                )
            ],
        ),
        ({"ports": [{"port": 80}, {}]}, [("spec.ports[1].port", "Required value")]),
        (
            {"labels": {"a": 1}},
            [
                (
                    "spec.labels.a",
                    'Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
                )
            ],
        ),
        (
            {"port": 1.5},
            [
                (
                    "spec.port",
                    'Invalid value: "number": spec.port in body must be of type integer or string: "number"',
                )
            ],
        ),
    ],
)
def test_each_bad_field_is_named_as_kubernetes_names_it(
    spec: dict[str, Any], causes: list[tuple[str, str]]
) -> None:
    assert check(SCHEMA, widget(**spec)).causes == causes


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"replicas": 0, "ratio": 0.5, "enabled": False, "name": "abc", "tags": ["a"]},
        {"ratio": 2},  # an integer is a number
        {"replicas": 3.0},  # so is a whole float an integer, as JSON decodes it
        {"port": 80},
        {"port": "http"},
        {"owner": None},  # nullable
        {"labels": {"app": "web"}, "ports": [{"port": 1}]},
        {"extra": {"anything": {"goes": [1, "two"]}}},
    ],
)
def test_valid_objects_have_no_causes(spec: dict[str, Any]) -> None:
    assert check(SCHEMA, widget(**spec)).causes == []


def test_several_bad_fields_are_all_named() -> None:
    causes = check(SCHEMA, {"spec": {"replicas": "x", "size": "XL"}}).causes
    assert sorted(field for field, _ in causes) == ["spec.replicas", "spec.size"]


@pytest.mark.parametrize(
    ("spec", "kept", "pruned"),
    [
        ({"color": "red"}, {}, ["spec.color"]),
        ({"ports": [{"port": 1, "name": "x"}]}, {"ports": [{"port": 1}]}, ["spec.ports[0].name"]),
        ({"extra": {"free": {"form": 1}}}, {"extra": {"free": {"form": 1}}}, []),
        ({"labels": {"any": "key"}}, {"labels": {"any": "key"}}, []),
        ({"ratio": None}, {}, []),  # null where not nullable: dropped silently, as Kubernetes does
        ({"owner": None}, {"owner": None}, []),
    ],
)
def test_unknown_fields_are_pruned_unless_preserved(
    spec: dict[str, Any], kept: dict[str, Any], pruned: list[str]
) -> None:
    checked = check(SCHEMA, widget(**spec))
    assert checked.pruned == pruned
    assert checked.obj["spec"] == {"size": "M", "mode": "fast", **kept}


def test_the_root_keeps_what_the_apiserver_owns_and_prunes_the_rest() -> None:
    obj = {**widget(), "status": {"replicas": 1, "phase": "x"}, "other": 1}
    checked = check(SCHEMA, obj)
    assert set(checked.obj) == {"apiVersion", "kind", "metadata", "spec", "status"}
    assert checked.obj["metadata"] == {"name": "w", "labels": {"a": "b"}}
    assert checked.obj["status"] == {"replicas": 1}
    assert checked.pruned == ["status.phase", "other"]


def test_pruning_copies_and_leaves_the_input_alone() -> None:
    obj = widget(color="red", extra={"deep": {"x": 1}})
    checked = check(SCHEMA, obj)
    assert obj["spec"]["color"] == "red"
    checked.obj["spec"]["extra"]["deep"]["x"] = 2
    assert obj["spec"]["extra"]["deep"]["x"] == 1


def test_a_preserving_root_keeps_everything() -> None:
    schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    obj = {"kind": "Widget", "spec": {"anything": 1}, "top": [1]}
    assert prune(schema, obj, pruned=[], root=True) == obj


def test_an_object_without_properties_keeps_nothing_unless_preserved() -> None:
    pruned: list[str] = []
    assert prune({"type": "object"}, {"a": 1}, pruned=pruned) == {}
    assert pruned == ["a"]


def test_embedded_resources_keep_their_api_version_kind_and_metadata() -> None:
    schema = {
        "type": "object",
        "properties": {
            "template": {
                "type": "object",
                "x-kubernetes-embedded-resource": True,
                "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }
        },
    }
    template = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"x": 1}, "junk": 1}
    pruned: list[str] = []
    kept = prune(schema, {"template": template}, pruned=pruned)
    assert kept == {"template": {k: v for k, v in template.items() if k != "junk"}}
    assert pruned == ["template.junk"]


def test_defaults_fill_absent_fields_only() -> None:
    assert check(SCHEMA, widget()).obj["spec"]["mode"] == "fast"
    assert check(SCHEMA, widget(mode="slow")).obj["spec"]["mode"] == "slow"


def test_required_at_the_root_and_a_wrong_root_type() -> None:
    assert validate({"type": "object", "required": ["spec"]}, {"kind": "Widget"}) == [
        ("spec", "Required value")
    ]
    assert validate({"type": "object"}, []) == [
        ("", 'Invalid value: "array": body must be of type object: "array"')
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, "boolean"), (0, "integer"), (2.0, "integer"), (2.5, "number"), ("", "string"), (None, "null")],
)
def test_json_types_are_named_as_json_schema_names_them(value: Any, expected: str) -> None:
    assert json_type(value) == expected
