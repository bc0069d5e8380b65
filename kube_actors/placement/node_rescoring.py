"""Why: after each placement the chosen node's ``LOCAL`` answers (does the next pod still fit,
what do its resource scores become) are asked again, once per pod. Asked job by job (the fit
filter's verdict, then each score's columns and formula, each through its own layers) that
was about a third of the kernel's time on resources-only workloads. ``PlainRescoring`` answers
the usual case in one pass: NodeResourcesFit's filter passing, its LeastAllocated or
MostAllocated score and BalancedAllocation's, on a plain cluster (see ``resource_formulas``),
from lists and live usage columns prepared once per resource signature, with the same plain
formulas the jobs use.

``totals`` does the same for the several nodes a class catching up finds changed, with numpy,
reading each column once for the filter and the scores alike (the jobs each read their own).

A node the filter rejects is left to the jobs (the reference plugin gives the rejection's
status), and so is everything when the cluster stops being plain (a negative request) or
when a local plugin is of another kind (host ports, RequestedToCapacityRatio): ``total_at``
answers None and ``LocalEvaluation`` asks the jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import Bools, Ints
from kube_actors.placement.jobs import LocalFilterJob, LocalScoreJob
from kube_actors.placement.resource_formulas import (
    Column,
    OneNodeFormula,
    Read,
    Sources,
    plain_balanced,
    plain_weighted_mean,
)
from kube_actors.placement.resource_plugins import BalancedScore, FitFilter, FitScore
from kube_actors.placement.usage import NodeUsage
from kube_actors.scheduling.plugins.node_resources_fit import LEAST_ALLOCATED, MOST_ALLOCATED

Term = tuple[OneNodeFormula, int]
"""A score of one node (``weighted_mean_at``, ``balanced_at``) and its weight in the profile."""

VectorFormula = Callable[[Sequence[Column]], Ints]
VectorTerm = tuple[VectorFormula, Sources, int]
"""A score over several nodes: its plain formula over arrays, its sources, its weight."""


class PlainRescoring:
    def __init__(
        self, fit: FitFilter | None, usage: NodeUsage, terms: list[Term], vector_terms: list[VectorTerm]
    ) -> None:
        self._usage = usage
        self._fit = fit
        self._vector_terms = vector_terms
        self.total_at = _total_at(fit, usage, terms)
        """The weighted sum of the local scores of a node, if the local filter passes it and the
        cluster is plain; None to ask the jobs."""

    @classmethod
    def of(
        cls, filters: Mapping[int, LocalFilterJob], scores: Sequence[tuple[LocalScoreJob, int]]
    ) -> PlainRescoring | None:
        """The rescoring of a resource signature's local jobs, or None when one of them is of a
        kind it does not cover or reads a resource some node does not offer."""
        fits = list(filters.values())
        if len(fits) > 1 or not all(isinstance(job, FitFilter) for job in fits):
            return None
        fit = fits[0] if fits and isinstance(fits[0], FitFilter) else None
        usage = fit.usage if fit is not None else None
        terms: list[Term] = []
        vector_terms: list[VectorTerm] = []
        for job, weight in scores:
            vector: VectorFormula
            if isinstance(job, FitScore) and job.strategy.type == LEAST_ALLOCATED:
                vector = partial(plain_weighted_mean, least=True)
                terms.append((job.weighted_mean_at, weight))
            elif isinstance(job, FitScore) and job.strategy.type == MOST_ALLOCATED:
                vector = partial(plain_weighted_mean, least=False)
                terms.append((job.weighted_mean_at, weight))
            elif isinstance(job, BalancedScore):
                vector = plain_balanced
                terms.append((job.balanced_at, weight))
            else:
                return None
            if not job.sources.plain_columns:
                return None
            usage = job.sources.usage
            vector_terms.append((vector, job.sources, weight))
        return None if usage is None else cls(fit, usage, terms, vector_terms)

    def totals(self, at: npt.NDArray[np.intp]) -> tuple[Bools, Ints] | None:
        """``total_at`` for several nodes with numpy, each column read once: whether the local
        filter passes each node, and the weighted totals (meaningful where it passes); None
        when the cluster is not plain."""
        if self._usage.negative:
            return None
        read = Read(at)
        passes = self._fit.passes(read) if self._fit is not None else np.ones(len(at), dtype=np.bool_)
        total: Ints = np.zeros(len(at), dtype=np.int64)
        for formula, sources, weight in self._vector_terms:
            total += formula(sources.columns(at, read)) * weight
        return passes, total


def _total_at(fit: FitFilter | None, usage: NodeUsage, terms: list[Term]) -> Callable[[int], int | None]:
    """``PlainRescoring.total_at``: one function with what it reads bound (it runs per pod)."""
    if fit is not None:
        pods, allowed, checks = fit.one_node_reads()
    else:  # nothing to check: no node holds this many pods
        pods, allowed, checks = usage.values(usage.pods), [1 << 62] * usage.count, []

    if len(terms) == 2:  # the shipped profiles: a fit score and a balance
        (first, first_weight), (second, second_weight) = terms

        def two_scores(node: int) -> int | None:
            if usage.negative or pods[node] >= allowed[node]:
                return None
            for amount, allocatable, used in checks:
                if amount > allocatable[node] - used[node]:
                    return None
            return first(node) * first_weight + second(node) * second_weight

        return two_scores

    def any_number(node: int) -> int | None:
        if usage.negative or pods[node] >= allowed[node]:
            return None
        for amount, allocatable, used in checks:
            if amount > allocatable[node] - used[node]:
                return None
        total = 0
        for score, weight in terms:
            total += score(node) * weight
        return total

    return any_number
