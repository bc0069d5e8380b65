"""Why: the one way a scenario file becomes something the runner can play: read the YAML
(keeping lines), validate it against the schema, read and check every manifest (inline or from
files beside the scenario), check the cross-references, and report every problem at once as a
``ScenarioError`` naming file, line and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kube_actors.scenario.errors import Problem, ScenarioError
from kube_actors.scenario.manifests import Manifest, ManifestChecker
from kube_actors.scenario.pydantic_errors import problems_from
from kube_actors.scenario.references import check_references
from kube_actors.scenario.schema import ManifestFile, Scenario
from kube_actors.scenario.schema.actions import Apply
from kube_actors.scenario.yaml_source import Document, Loc, read_documents


@dataclass(frozen=True)
class LoadedScenario:
    """A valid scenario: its model, its manifests checked and in order, where it came from."""

    path: Path
    spec: Scenario
    workloads: list[Manifest]
    applies: dict[int, list[Manifest]] = field(default_factory=dict)
    """The manifests of each ``apply`` action, by its index in the timeline."""

    @property
    def name(self) -> str:
        return self.spec.name or self.path.stem


def load_scenario(path: Path | str) -> LoadedScenario:
    """Read and check ``path``; raises ``ScenarioError`` listing every problem found."""
    path = Path(path)
    document = _single_document(path)
    try:
        spec = Scenario.model_validate(document.data)
    except ValidationError as exc:
        raise ScenarioError(problems_from(exc, document)) from None
    checker = ManifestChecker()
    problems: list[Problem] = []
    workloads = _manifests(path, document, ["workloads"], spec.workloads, checker, problems)
    applies = {}
    for index, action in enumerate(spec.timeline):
        if isinstance(action, Apply):
            loc: Loc = ["timeline", index, "manifests"]
            applies[index] = _manifests(path, document, loc, action.manifests, checker, problems)
    problems.extend(check_references(spec, document))
    if problems:
        raise ScenarioError(problems)
    return LoadedScenario(path, spec, workloads, applies)


def _single_document(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(
            [Problem(path, 0, 0, "", f"cannot read the scenario file: {exc.strerror}")]
        ) from None
    documents, problems = read_documents(path, text)
    if problems:
        raise ScenarioError(problems)
    if len(documents) != 1:
        raise ScenarioError([Problem(path, 0, 0, "", f"expected one YAML document, found {len(documents)}")])
    if not isinstance(documents[0].data, dict):
        raise ScenarioError(
            [documents[0].problem([], "a scenario is a mapping (name, cluster, workloads, ...)")]
        )
    return documents[0]


def _manifests(
    path: Path,
    document: Document,
    loc: Loc,
    items: list[ManifestFile | dict[str, Any]],
    checker: ManifestChecker,
    problems: list[Problem],
) -> list[Manifest]:
    manifests = []
    for index, item in enumerate(items):
        here = [*loc, index]
        sources: list[tuple[Document, Loc, Any]]
        if isinstance(item, ManifestFile):
            sources = _file_documents(path.parent / item.file, document, [*here, "file"], problems)
        else:
            sources = [(document, here, item)]
        for source, source_loc, data in sources:
            manifest, found = checker.check(source, source_loc, data)
            problems.extend(found)
            if manifest is not None:
                manifests.append(manifest)
    return manifests


def _file_documents(
    manifest_path: Path, document: Document, loc: Loc, problems: list[Problem]
) -> list[tuple[Document, Loc, Any]]:
    try:
        text = manifest_path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(document.problem(loc, f"cannot read manifest file {manifest_path}: {exc.strerror}"))
        return []
    documents, found = read_documents(manifest_path, text)
    problems.extend(found)
    if not documents and not found:
        problems.append(document.problem(loc, f"manifest file {manifest_path} holds no manifest"))
    return [(d, [], d.data) for d in documents]
