"""Why: workloads are plain Kubernetes manifests, written inline in the scenario or kept in
files beside it (``- file: manifests/web.yaml``, several documents allowed), so a manifest that
runs here runs with ``kubectl apply`` too. The schema only tells the two apart; the loader reads
the files and checks every manifest as the apiserver would (``manifests.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag

from kube_actors.scenario.schema.common import StrictModel


class ManifestFile(StrictModel):
    file: str = Field(min_length=1, description="a YAML file of manifests, relative to the scenario file")


def _workload_form(value: Any) -> str:
    return "file" if isinstance(value, dict) and "file" in value else "inline"


Workload = Annotated[
    Annotated[ManifestFile, Tag("file")]
    | Annotated[
        dict[str, Any],
        Tag("inline"),
        Field(description="a Kubernetes object: apiVersion, kind, metadata.name, ..."),
    ],
    Discriminator(_workload_form),
]
"""A manifest inline, or ``{file: path}``."""
