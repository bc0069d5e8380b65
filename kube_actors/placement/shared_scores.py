"""Why: some of a class's scores are neither fixed nor local: the static ones normalised over
the feasible nodes (TaintToleration, NodeAffinity's preferences) and the ``GLOBAL`` ones
(topology spreading, inter-pod affinity). ``SharedScores`` holds them for one class, each
weighted, and ``other``: their sum with the fixed scores, which is every node's total but for
its local scores. They are recomputed only when their inputs or the feasible set changed, and
the sum only when a part did: static scores hand out the same read-only normalised arrays
again and again, whose weighted copies are remembered.

Neighbours: ``classes.ClassEvaluation`` owns one and reads ``other``; ``jobs.ScoreJob`` is
what it asks.
"""

from __future__ import annotations

from kube_actors.placement.arithmetic import Bools, Ints
from kube_actors.placement.jobs import Kind, ScoreJob

WEIGHTED_KEPT = 64
"""Weighted read-only score arrays remembered."""


class SharedScores:
    def __init__(self, jobs: list[tuple[ScoreJob, int]], fixed: Ints, no_scores: Ints) -> None:
        """``jobs``: each score with its weight; ``fixed``: the sum of the scores that never
        change; ``no_scores``: a read-only array of 0."""
        self.jobs = jobs
        self.global_jobs = [job for job, _ in jobs if job.kind is Kind.GLOBAL]
        self.fixed = fixed
        self.no_scores = no_scores
        self.parts: list[Ints] = [no_scores for _ in jobs]  # each job's weighted scores
        self.other: Ints = fixed
        self._summed: list[Ints] = []  # the parts ``other`` was summed from
        self._stale = True
        self._weighted_of: dict[int, tuple[Ints, Ints]] = {}  # ``_weighted``, remembered

    @property
    def follow_feasible(self) -> bool:
        """Whether a score reads the feasible set (as its maximum or its domains)."""
        return any(job.feasible_dependent for job, _ in self.jobs)

    def others_follow_feasible(self, moved: list[ScoreJob]) -> bool:
        """Whether a score besides the ``moved`` ones (recomputed anyway) reads the feasible
        set: only then does it matter whether that set changed."""
        return any(job.feasible_dependent and job not in moved for job, _ in self.jobs)

    def recompute(
        self, feasible: Bools, moved: list[ScoreJob] | None = None, feasible_changed: bool = True
    ) -> None:
        """The ``moved`` scores again (all by default), and those that read the feasible set
        if it changed; then ``other``. Scores are only computed for some feasible node: with
        none, they wait (all are recomputed next time)."""
        if not feasible.any():
            self._stale = True
        else:
            everything = moved is None or self._stale
            self._stale = False
            for part, (job, weight) in enumerate(self.jobs):
                inputs_changed = everything or job in moved  # type: ignore[operator]
                if inputs_changed or (feasible_changed and job.feasible_dependent):
                    scores = job.scores(feasible, inputs_changed=inputs_changed)
                    self.parts[part] = self._weighted(scores, weight)
        parts = [scores for scores in self.parts if scores is not self.no_scores]
        if len(parts) != len(self._summed) or any(
            part is not summed for part, summed in zip(parts, self._summed, strict=True)
        ):
            other = self.fixed  # fresh arrays or read-only ones, never changed in place
            for scores in parts:
                other = other + scores
            self.other, self._summed = other, parts

    def _weighted(self, scores: Ints, weight: int) -> Ints:
        """``scores * weight``: for read-only score arrays remembered, and ``no_scores`` when
        all 0."""
        if scores.flags.writeable:  # fresh (a global score's): used once, not worth a check for 0
            return scores * weight if weight != 1 else scores
        found = self._weighted_of.get(id(scores))
        if found is not None and found[0] is scores:
            return found[1]
        weighted = scores * weight if scores.any() else self.no_scores
        if len(self._weighted_of) >= WEIGHTED_KEPT:
            self._weighted_of.clear()
        self._weighted_of[id(scores)] = (scores, weighted)
        return weighted
