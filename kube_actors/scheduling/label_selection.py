"""Why: pod affinity terms and topology spread constraints select pods with a ``LabelSelector``
object, and a pod's scheduling requirements must be a hashable value so that pods with equal
requirements (one ReplicaSet's pods) form one equivalence class. ``LabelSelector`` keeps the
object as written, matched by ``kube_actors.api.label_selectors.selector_matches`` (the one
implementation of the semantics), beside a canonical text that equal selectors share.

Kubernetes distinguishes three cases that matter here: a missing selector selects nothing, an
empty one (``{}``) selects everything, and topology spreading counts no pods for an empty one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kube_actors.api.label_selectors import is_empty, selector_matches
from kube_actors.scheduling.objects import InvalidObject


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A ``LabelSelector`` object, or its absence (``raw is None``), which selects nothing.

    >>> web = LabelSelector.of({"matchLabels": {"app": "web"}})
    >>> web.matches({"app": "web"}), NOTHING.matches({"app": "web"}), EVERYTHING.matches({})
    (True, False, True)
    >>> web == LabelSelector.of({"matchLabels": {"app": "web"}}), EVERYTHING.is_empty
    (True, True)
    """

    canonical: str
    raw: Mapping[str, Any] | None = field(compare=False, repr=False)

    @classmethod
    def of(cls, selector: Any, where: str = "labelSelector") -> LabelSelector:
        if selector is None:
            return NOTHING
        if not isinstance(selector, Mapping):
            raise InvalidObject(f"{where}: must be an object")
        return cls(json.dumps(selector, sort_keys=True, separators=(",", ":")), selector)

    def matches(self, labels: Mapping[str, str]) -> bool:
        return selector_matches(self.raw, labels)

    @property
    def is_empty(self) -> bool:
        """Present but without terms: it selects every pod (``labels.Selector.Empty``)."""
        return self.raw is not None and is_empty(self.raw)

    def requiring(self, labels: Mapping[str, str]) -> LabelSelector:
        """This selector with ``key In (value)`` added for each of ``labels``: how a spread
        constraint's ``matchLabelKeys`` narrow it to the pod's own revision. A missing
        selector stays missing (it selects nothing either way).

        >>> LabelSelector.of({"matchLabels": {"app": "web"}}).requiring({"hash": "abc"}).matches(
        ...     {"app": "web", "hash": "def"})
        False
        """
        if self.raw is None or not labels:
            return self
        expressions = list(self.raw.get("matchExpressions") or [])
        expressions += [{"key": key, "operator": "In", "values": [value]} for key, value in labels.items()]
        return LabelSelector.of({**self.raw, "matchExpressions": expressions})


NOTHING = LabelSelector("null", None)
EVERYTHING = LabelSelector("{}", {})
