"""Why: the scheduler's placement kernel: the reference scheduler's decisions
(``kube_actors.scheduling.reference``), field for field, for a batch of pods at a time, with
numpy over all nodes instead of Python per node, and with the work for one equivalence class
of pods (one ReplicaSet's replicas) reused from one replica to the next. No asyncio: the
scheduler actor runs it in a pykka thread worker that holds a ``PlacementState`` across
batches and tells it about pods bound and deleted.

    state = PlacementState(Snapshot.from_objects(nodes, pods))
    decisions = place_batch(state, [parse_pod(p) for p in pending], profiles)
    state.add_pod(pod, node_name)      # a pod bound by someone else
    state.forget(pod, node_name)       # a binding that failed, a pod deleted

Modules: ``kernel`` (entry point: consecutive replicas placed as a run), ``state`` (arrays
kept beside the snapshot, change log), ``classes`` (one class's evaluation, kept up to date)
with the parts classes share (``static_parts``, ``local_parts``), its own global verdicts and
shared scores (``global_verdicts``, ``shared_scores``) and ``outcomes`` (PreFilter results,
unschedulable decisions), ``plans`` (a profile's plugins mapped to their vectorised twins), the twins
(``label_plugins``, ``resource_plugins`` with ``resource_formulas``, ``spreading``,
``pod_affinity``) with their contract in ``jobs``, the one-pass rescoring of a placement's node
(``node_rescoring``), and their building blocks (``node_table``, ``usage``, ``pod_groups``,
``statuses``, ``arithmetic``).
"""

from kube_actors.placement.kernel import place_batch, place_one
from kube_actors.placement.state import PlacementState

__all__ = ["PlacementState", "place_batch", "place_one"]
