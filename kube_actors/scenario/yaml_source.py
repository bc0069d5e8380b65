"""Why: errors in a scenario must name the line, and YAML only knows lines while it is being
read. This module reads YAML keeping PyYAML's composed node tree (every node carries its start
mark) beside the plain data, and finds the node an error location points at: pydantic's
``loc`` (``("timeline", 2, "node")``) or a Kubernetes field path
(``spec.template.spec.containers[0].image``). It also refuses duplicate keys, which PyYAML
would silently let the last one win.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kube_actors.scenario.errors import Problem

Loc = Sequence[int | str]


@dataclass(frozen=True)
class Document:
    """One YAML document of ``path``: its data and the node tree that says where each part is."""

    path: Path
    node: yaml.Node
    data: Any

    def problem(
        self, loc: Loc, message: str, *, inner_key: str = "", at_key: bool = False, missing: bool = False
    ) -> Problem:
        """A problem at ``loc``; ``inner_key`` points at that key of the mapping found there,
        ``at_key`` at the key of ``loc`` itself rather than its value (an unknown field);
        ``missing``: the last part of ``loc`` names a field that is not there."""
        node, shown = locate(self.node, loc, missing=missing)
        if at_key and loc:
            parent, _ = locate(self.node, loc[:-1])
            key_node = _key(parent, loc[-1])
            node = key_node if key_node is not None else node
        if inner_key and isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == inner_key:
                    node = value
                    break
        mark = node.start_mark
        return Problem(self.path, mark.line + 1, mark.column + 1, shown, message)


def read_documents(path: Path, text: str) -> tuple[list[Document], list[Problem]]:
    """Every document in ``text`` (read from ``path``), or the syntax error that stops reading."""
    loader = yaml.SafeLoader(text)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            duplicates = list(_duplicate_keys(path, node, ""))
            if duplicates:
                return documents, duplicates
            documents.append(Document(path, node, loader.construct_document(node)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = " ".join(filter(None, [exc.context, exc.problem]))
        return documents, [Problem(path, line, column, "", f"not valid YAML: {what}")]
    finally:
        loader.dispose()
    return documents, []


def locate(root: yaml.Node, loc: Loc, *, missing: bool = False) -> tuple[yaml.Node, str]:
    """The deepest node along ``loc``, and the path shown to people (``timeline[2].node``).

    Parts that name nothing in the tree are skipped (pydantic puts a union's tag into ``loc``),
    except a ``missing`` field's name at the end, shown at its parent mapping's line.
    """
    node = root
    shown = ""
    for position, part in enumerate(loc):
        child = _child(node, part)
        if child is None:
            if missing and position == len(loc) - 1:
                shown = _join(shown, part)
            continue
        node = child
        shown = _join(shown, part)
    return node, shown


_PATH_PART = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


def field_path(path: str) -> list[int | str]:
    """A Kubernetes field path as a location.

    >>> field_path("spec.template.spec.containers[0].image")
    ['spec', 'template', 'spec', 'containers', 0, 'image']
    >>> field_path("metadata.labels[app.kubernetes.io/name]")
    ['metadata', 'labels', 'app.kubernetes.io/name']
    """
    parts: list[int | str] = []
    for name, index in _PATH_PART.findall(path):
        if name:
            parts.append(name)
        else:
            parts.append(int(index) if index.isdigit() else index)
    return parts


def _key(node: yaml.Node, part: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key
    return None


def _child(node: yaml.Node, part: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        items: list[yaml.Node] = node.value
        return items[part] if 0 <= part < len(items) else None
    if isinstance(node, yaml.MappingNode):
        pairs: list[tuple[yaml.Node, yaml.Node]] = node.value
        for key, value in pairs:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value
    return None


def _join(shown: str, part: int | str) -> str:
    if isinstance(part, int):
        return f"{shown}[{part}]"
    return f"{shown}.{part}" if shown else part


def _duplicate_keys(path: Path, node: yaml.Node, shown: str) -> list[Problem]:
    found: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else ""
            if name and name != "<<":
                if name in seen:
                    mark = key.start_mark
                    found.append(
                        Problem(path, mark.line + 1, mark.column + 1, _join(shown, name), "duplicate key")
                    )
                seen.add(name)
            found.extend(_duplicate_keys(path, value, _join(shown, name)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.extend(_duplicate_keys(path, item, _join(shown, index)))
    return found
