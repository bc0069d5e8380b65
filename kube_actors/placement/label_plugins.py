"""Why: the plugins whose answers depend only on the Node objects and the pod (cordons, node
names, taints, node affinity, volumes' node affinity and zones, images) are computed once per
equivalence class over every node, from ``NodeTable``'s columns.

Each rejecting verdict is the reference plugin's own ``Status``: the twin finds *which* nodes
fail with numpy and asks the reference plugin about one node of each kind for the status
(``reject_where``), so reasons and codes cannot drift from the specification.
"""

from __future__ import annotations

import numpy as np

from kube_actors.placement.arithmetic import Bools, Ids, Ints, go_div
from kube_actors.placement.jobs import (
    ClassContext,
    FilterJob,
    Kind,
    ScoreJob,
    StaticFilter,
    StaticScore,
    Twin,
)
from kube_actors.scheduling.arithmetic import MAX_NODE_SCORE
from kube_actors.scheduling.framework import Code, FilterPlugin, PreFilterPlugin, PreFilterResult
from kube_actors.scheduling.plugins.image_locality import (
    MAX_CONTAINER_THRESHOLD,
    MIN_THRESHOLD,
    ImageLocality,
    scaled_image_score,
)
from kube_actors.scheduling.plugins.node_affinity import NodeAffinity
from kube_actors.scheduling.plugins.node_name import NodeName
from kube_actors.scheduling.plugins.node_unschedulable import NodeUnschedulable
from kube_actors.scheduling.plugins.taint_toleration import TaintToleration
from kube_actors.scheduling.plugins.volume_binding import VolumeBinding
from kube_actors.scheduling.plugins.volume_zone import VolumeZone
from kube_actors.scheduling.volumes import GA_LABEL_OF_BETA, TOPOLOGY_LABELS


def reject_where(context: ClassContext, plugin: FilterPlugin, rejected: Bools) -> Ids:
    """Verdicts for a filter that rejects exactly the ``rejected`` nodes, all with one status:
    the reference plugin's answer for the first of them."""
    verdicts = np.zeros(context.node_count, dtype=np.int32)
    if rejected.any():
        first = int(np.argmax(rejected))
        status = plugin.filter(context.cycle, context.pod, context.state.snapshot.nodes[first])
        if status.code is Code.ERROR or status.is_success:
            raise AssertionError(f"{plugin.name} disagrees with its twin on node {first}")
        verdicts[rejected] = context.state.statuses.rejecting(status, plugin.name)
    return verdicts


def reference_pre_filter(context: ClassContext, plugin: PreFilterPlugin) -> PreFilterResult:
    """The reference PreFilter itself (cheap for these plugins: no walk over nodes); it also
    leaves in the cycle state what the reference Filter reads when the kernel asks it."""
    return plugin.pre_filter(context.cycle, context.pod, context.state.snapshot)


class NodeUnschedulableTwin(Twin[NodeUnschedulable]):
    filter_kind = Kind.STATIC

    def filter_job(self, context: ClassContext) -> FilterJob | None:
        table = context.state.table
        if not table.unschedulable.any():
            return None
        # The verdict depends on the cordon and the tolerations only: ask about one cordoned node.
        cordoned = context.state.snapshot.nodes[int(np.argmax(table.unschedulable))]
        if self.plugin.filter(context.cycle, context.pod, cordoned).is_success:
            return None
        key = ("cordon", context.requirements.tolerations)
        return StaticFilter(
            table.cached(key, lambda: reject_where(context, self.plugin, table.unschedulable))
        )


class NodeNameTwin(Twin[NodeName]):
    filter_kind = Kind.STATIC

    def filter_job(self, context: ClassContext) -> FilterJob | None:
        wanted = context.requirements.node_name
        if not wanted:
            return None
        table = context.state.table
        rejected = np.ones(table.count, dtype=np.bool_)
        if wanted in table.positions:
            rejected[table.positions[wanted]] = False
        return StaticFilter(
            table.cached(("node name", wanted), lambda: reject_where(context, self.plugin, rejected))
        )


class TaintTolerationTwin(Twin[TaintToleration]):
    filter_kind = Kind.STATIC
    score_kind = Kind.STATIC

    def filter_job(self, context: ClassContext) -> FilterJob | None:
        state, pod = context.state, context.pod
        nodes = state.snapshot.nodes

        def verdict(node: int) -> int:
            return state.statuses.rejecting(self.plugin.filter(context.cycle, pod, nodes[node]), self.name)

        key = ("untolerated", pod.requirements.tolerations)
        return StaticFilter(state.table.by_taints(key, verdict).astype(np.int32))

    def score_job(self, context: ClassContext) -> ScoreJob | None:
        state, pod = context.state, context.pod
        self.plugin.pre_score(context.cycle, pod, state.snapshot, ())
        nodes = state.snapshot.nodes

        def raw(node: int) -> int:
            return self.plugin.score(context.cycle, pod, nodes[node])

        counts = state.table.by_taints(("prefer no schedule", pod.requirements.tolerations), raw)
        return StaticScore(counts, reverse=True)


class NodeAffinityTwin(Twin[NodeAffinity]):
    filter_kind = Kind.STATIC
    score_kind = Kind.STATIC

    def pre_filter(self, context: ClassContext) -> PreFilterResult | None:
        return reference_pre_filter(context, self.plugin)

    def filter_job(self, context: ClassContext) -> FilterJob | None:
        affinity = context.requirements.node_affinity
        if affinity.is_unconstrained:
            return None
        table = context.state.table
        matches = table.affinity_matches(affinity)
        return StaticFilter(
            table.cached(
                ("node affinity verdicts", affinity), lambda: reject_where(context, self.plugin, ~matches)
            )
        )

    def score_job(self, context: ClassContext) -> ScoreJob | None:
        preferred = context.requirements.preferred_node_affinity
        if not preferred:
            return None
        table = context.state.table

        def compute() -> Ints:
            raw = np.zeros(table.count, dtype=np.int64)
            for term in preferred:
                raw += np.where(table.term_matches(term.preference), term.weight, 0)
            return raw

        raw = table.cached(("preferred node affinity", preferred), compute)
        return StaticScore(raw, reverse=False)


class VolumeBindingTwin(Twin[VolumeBinding]):
    filter_kind = Kind.STATIC

    def pre_filter(self, context: ClassContext) -> PreFilterResult | None:
        return reference_pre_filter(context, self.plugin)

    def filter_job(self, context: ClassContext) -> FilterJob | None:
        if not context.requirements.volume_claims:
            return None
        state = context.state
        restrictions = state.snapshot.volume_restrictions(context.pod)
        rejected = np.full(state.table.count, restrictions.missing_volume, dtype=np.bool_)
        if not restrictions.missing_volume:
            for volume in restrictions.volumes:
                if volume.node_affinity is not None:
                    rejected |= ~state.table.selector_matches(volume.node_affinity)
        return StaticFilter(reject_where(context, self.plugin, rejected))


class VolumeZoneTwin(Twin[VolumeZone]):
    filter_kind = Kind.STATIC

    def pre_filter(self, context: ClassContext) -> PreFilterResult | None:
        return reference_pre_filter(context, self.plugin)

    def filter_job(self, context: ClassContext) -> FilterJob | None:
        if not context.requirements.volume_claims:
            return None
        state = context.state
        restrictions = state.snapshot.volume_restrictions(context.pod)
        topology = [label for volume in restrictions.volumes for label in volume.topology]
        if not topology:
            return None
        table = state.table
        labelled = np.zeros(table.count, dtype=np.bool_)
        for key in TOPOLOGY_LABELS:
            labelled |= table.label_present(key)
        allowed = np.ones(table.count, dtype=np.bool_)
        for label in topology:

            def within(value: str | None, values: frozenset[str] = label.values) -> bool:
                return value is not None and value in values

            inside = table.by_label(label.key, within)
            if label.key in GA_LABEL_OF_BETA:
                inside = np.where(
                    table.label_present(label.key),
                    inside,
                    table.by_label(GA_LABEL_OF_BETA[label.key], within),
                )
            allowed &= inside
        return StaticFilter(reject_where(context, self.plugin, labelled & ~allowed))


class ImageLocalityTwin(Twin[ImageLocality]):
    score_kind = Kind.STATIC

    def score_job(self, context: ClassContext) -> ScoreJob | None:
        state = context.state
        images = context.requirements.images
        known = state.snapshot.image_states
        present = [(image, known[image]) for image in images if image in known]
        if not present:
            return None
        table = state.table

        def compute() -> Ints:
            total = np.zeros(table.count, dtype=np.int64)
            for image, image_state in present:
                total += np.where(table.has_image(image), scaled_image_score(image_state, table.count), 0)
            ceiling = MAX_CONTAINER_THRESHOLD * len(images)
            clamped = np.clip(total, MIN_THRESHOLD, ceiling)
            return go_div(MAX_NODE_SCORE * (clamped - MIN_THRESHOLD), ceiling - MIN_THRESHOLD)

        return StaticScore(table.cached(("images", images), compute))
