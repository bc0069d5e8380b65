"""Why: the scenario file's schema, one pydantic model per section, strict (unknown fields and
wrong types are errors). ``Scenario`` is the root; ``Scenario.model_json_schema()`` is the JSON
Schema editors use (``scenarios/scenario.schema.json``, kept in sync by a test).

Cross-references (an action's ``after`` naming an action that exists, a component the cluster
has) are checked by ``references.py``, which knows every part at once.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kube_actors.scenario.schema.actions import Action
from kube_actors.scenario.schema.checks import Check
from kube_actors.scenario.schema.cluster import Cluster
from kube_actors.scenario.schema.common import Duration, StrictModel
from kube_actors.scenario.schema.workloads import ManifestFile, Workload

__all__ = ["Action", "Check", "Cluster", "ManifestFile", "Scenario", "Workload", "json_schema"]


class Scenario(StrictModel):
    """A cluster, its workloads, a timeline of actions and faults, and what to expect."""

    name: str = Field(default="", description="default: the file's name")
    description: str = ""
    seed: int = Field(
        default=0, description="seeds every random choice: the same file and seed, the same run"
    )
    duration: Duration = Field(
        default=600.0,
        gt=0,
        le=7 * 24 * 3600,
        description="the longest the run may take in simulated time; it ends sooner once every action "
        "has run and every check is decided",
    )
    cluster: Cluster = Cluster()
    workloads: list[Workload] = Field(
        default_factory=list, description="manifests applied at the start, in order"
    )
    timeline: list[Action] = Field(default_factory=list)
    expect: list[Check] = Field(default_factory=list)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, for editors (yaml-language-server and the like)."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kube-actors scenario"
    return schema
