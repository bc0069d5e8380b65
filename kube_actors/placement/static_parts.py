"""Why: the ``STATIC`` plugins answer from the Node objects and a few fields of the pod (its
tolerations, node name, node affinity, volumes, images), never from other pods, so classes
that agree on those fields (the ReplicaSets of one team, alike but for their labels and sizes)
share their answers. ``StaticEvaluation`` holds them for one such *static signature* under one
profile: the PreFilters' outcome, each static filter's verdicts and whether all pass, the
scores that never change, summed, and the static scores normalised over the feasible nodes
(computed by each class, whose feasible set differs).

Neighbours: ``state.PlacementState`` keeps these per signature; ``classes.ClassEvaluation``
reads them.
"""

from __future__ import annotations

from collections.abc import Container, Hashable
from typing import TYPE_CHECKING

import numpy as np

from kube_actors.placement.arithmetic import Ids, Ints
from kube_actors.placement.jobs import ClassContext, Kind, ScoreJob
from kube_actors.placement.outcomes import PreFiltered
from kube_actors.placement.plans import ProfilePlan
from kube_actors.placement.statuses import PASSED
from kube_actors.scheduling.pods import PodRequirements

if TYPE_CHECKING:
    from kube_actors.placement.state import PlacementState


def static_signature(
    plan: ProfilePlan, requirements: PodRequirements, known_images: Container[str]
) -> Hashable:
    """What the static plugins read of a pod (see the module's docstring)."""
    images = tuple(image for image in requirements.images if image in known_images)
    claims = (requirements.namespace, requirements.volume_claims) if requirements.volume_claims else ()
    return (
        plan,
        requirements.node_name,
        requirements.tolerations,
        requirements.node_affinity,
        requirements.preferred_node_affinity,
        claims,
        images,
        len(requirements.images),
    )


class StaticEvaluation:
    def __init__(self, state: PlacementState, plan: ProfilePlan, context: ClassContext) -> None:
        count = state.table.count
        self.pre_filtered = PreFiltered(context, plan.pre_filters)
        self.verdicts: dict[int, Ids] = {}  # by position in the profile's filters
        self.ok = np.ones(count, dtype=np.bool_)
        self.fixed: Ints = np.zeros(count, dtype=np.int64)
        self.normalised: list[tuple[ScoreJob, int]] = []
        if self.pre_filtered.stopped is not None:
            return
        if self.pre_filtered.outside is not None:
            self.ok &= self.pre_filtered.outside == PASSED
        for position, twin in enumerate(plan.filters):
            if twin.filter_kind is Kind.STATIC and (job := twin.filter_job(context)) is not None:
                self.verdicts[position] = job.verdicts()
                self.ok &= self.verdicts[position] == PASSED
        everywhere = np.ones(count, dtype=np.bool_)
        for twin, weight in plan.scores:
            if twin.score_kind is Kind.STATIC and (score := twin.score_job(context)) is not None:
                if score.feasible_dependent:
                    self.normalised.append((score, weight))
                else:
                    self.fixed = self.fixed + score.scores(everywhere) * weight
