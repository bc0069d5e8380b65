"""Why: the I/O shell of a scenario run. It boots the scenario's cluster in this process
(``kube_actors.cluster``) on the virtual clock (simulated minutes in real seconds) or the real
one, starts the ``Recorder`` (the watch stream into the sans-IO ``Play``), applies the
workloads as ``kubectl apply`` would, then plays the timeline: it sleeps on the clock until the
next action, deadline or watch batch, runs what is due (``Acting``), and stops once every
action has run and every check is decided, or at the scenario's ``duration``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

from kube_actors.api import status
from kube_actors.cluster import Cluster, ClusterConfig
from kube_actors.runtime import ActorSystem, RealClock, VirtualClock
from kube_actors.runtime.clock import Clock, wait_for
from kube_actors.runtime.errors import KubeActorsError
from kube_actors.scenario.acting import Acting, ActionFailed
from kube_actors.scenario.applying import apply_manifest
from kube_actors.scenario.booting import cluster_config
from kube_actors.scenario.expectations import Outcome
from kube_actors.scenario.loader import LoadedScenario
from kube_actors.scenario.play import Play
from kube_actors.scenario.recorder import Recorder, Relist, Synced
from kube_actors.scenario.recording import Recording
from kube_actors.scenario.view import is_node_up

ClockKind = Literal["virtual", "real"]
Progress = Callable[[float, float], None]
"""Called as the run goes: simulated seconds so far, the scenario's duration."""

RECORDER_PATH = "scenario/recorder"
NODES_READY_WITHIN = 120.0  # simulated seconds the nodes get to come up before the workloads


@dataclass
class RunResult:
    name: str
    path: str
    seed: int
    clock: str
    outcomes: list[Outcome]
    recording: Recording
    timeline: list[dict[str, Any]]
    simulated_seconds: float
    wall_seconds: float
    ended: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.errors and all(outcome.passed for outcome in self.outcomes)


async def run_scenario(
    scenario: LoadedScenario,
    *,
    seed: int | None = None,
    clock: ClockKind = "virtual",
    progress: Progress | None = None,
) -> RunResult:
    """Play ``scenario`` once in this event loop; ``seed`` overrides the file's."""
    virtual = VirtualClock() if clock == "virtual" else None
    chosen: Clock = virtual if virtual is not None else RealClock()
    if virtual is not None:
        virtual.start()
    try:
        with tempfile.TemporaryDirectory(prefix="kube-actors-scenario-") as data_dir:
            async with ActorSystem("scenario", clock=chosen) as system:
                run = _Run(
                    system, scenario, seed if seed is not None else scenario.spec.seed, clock, progress
                )
                return await run.perform(Path(data_dir))
    finally:
        if virtual is not None:
            await virtual.stop()


class _Run:
    def __init__(
        self, system: ActorSystem, scenario: LoadedScenario, seed: int, clock: str, progress: Progress | None
    ) -> None:
        self.system = system
        self.scenario = scenario
        self.spec = scenario.spec
        self.seed = seed
        self.clock_kind = clock
        self.progress = progress
        self.rng = random.Random(seed)
        self.play = Play(scenario.spec)
        self.wake = asyncio.Event()
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.started_at = 0.0

    def now(self) -> float:
        return self.system.clock.now() - self.started_at

    async def perform(self, data_dir: Path) -> RunResult:
        wall = time.perf_counter()
        cluster = Cluster(self.system, self._config(data_dir))
        await cluster.start()
        self.started_at = self.system.clock.now()
        recorder = self.system.spawn(
            partial(Recorder, cluster.api, self.play, self.started_at, self.wake.set), RECORDER_PATH
        )
        await recorder.ask(Synced(), timeout=60)
        await self._nodes_ready(cluster)
        acting = Acting(
            cluster,
            self.scenario,
            self.play.view,
            self.rng,
            on_api_change=partial(self._follow_api, cluster),
            report=self._report,
        )
        await self._apply_workloads(cluster)
        self.play.start(self.now())
        ended = await self._loop(acting)
        await acting.cancel_background()
        outcomes = self.play.finish(self.now())
        await self.system.stop(recorder)
        await cluster.stop_all()
        return RunResult(
            name=self.scenario.name,
            path=str(self.scenario.path),
            seed=self.seed,
            clock=self.clock_kind,
            outcomes=outcomes,
            recording=self.play.recording,
            timeline=self._timeline(),
            simulated_seconds=round(self.now(), 3),
            wall_seconds=round(time.perf_counter() - wall, 3),
            ended=ended,
            errors=self.errors,
            warnings=self.warnings,
        )

    def _config(self, data_dir: Path) -> ClusterConfig:
        return cluster_config(self.spec.cluster, data_dir)

    async def _apply_workloads(self, cluster: Cluster) -> None:
        for manifest in self.scenario.workloads:
            try:
                said = await apply_manifest(cluster.api, manifest, "default")
                self.play.recording.action(self.now(), f"apply {said}")
            except (status.ApiError, KubeActorsError, TimeoutError) as exc:
                error = f"{manifest.source}: {manifest.describe()}: {exc}"
                self.errors.append(error)
                self.play.recording.action(self.now(), f"apply {manifest.describe()}", error=str(exc))

    async def _nodes_ready(self, cluster: Cluster) -> None:
        """Wait (in simulated time) until every node of the pools is Ready and untainted by
        the not-ready taint, as ``kind`` waits for its nodes, so the workloads meet the
        cluster the scenario describes rather than one still booting."""
        expected = {node.name for node in cluster.config.nodes}
        deadline = self.system.clock.now() + NODES_READY_WITHIN
        while not expected <= {n["metadata"]["name"] for n in self.play.view.nodes() if is_node_up(n)}:
            left = deadline - self.system.clock.now()
            if left <= 0:
                self.warnings.append(f"not every node was Ready within {NODES_READY_WITHIN:g}s of the start")
                return
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await wait_for(self.system.clock, self.wake.wait(), left)

    async def _loop(self, acting: Acting) -> str:
        duration = self.spec.duration
        while True:
            now = self.now()
            self.play.tick(now)
            for entry in self.play.due(now):
                description, error = "", ""
                try:
                    description = await acting.run(entry.index, entry.action)
                except ActionFailed as exc:
                    description, error = f"{entry.action.action} (timeline[{entry.index}])", str(exc)
                    self.errors.append(f"timeline[{entry.index}] {entry.action.action}: {error}")
                self.play.ran(entry, self.now(), description, error=error)
            if self.progress is not None:
                self.progress(min(now, duration), duration)
            if self.play.over() and not acting.background:
                return "every action ran and every check was decided"
            if now >= duration:
                return f"the scenario's duration ({duration:g}s) was reached"
            self.wake.clear()
            if self.play.due(self.now()):
                continue
            wake_at = min(self.play.next_wakeup() or duration, duration)
            with contextlib.suppress(TimeoutError):
                await wait_for(self.system.clock, self.wake.wait(), max(wake_at - self.now(), 0.0))

    async def _follow_api(self, cluster: Cluster) -> None:
        """A component stopped or started: the recorder lists and watches again through the
        first apiserver replica running (none running: it stays blind until one starts)."""
        replicas = [f"apiserver/{i}" for i in range(self.spec.cluster.control_plane.apiservers)]
        running = [path for path in replicas if cluster.running(path)]
        if running:
            self.system.ref_for_path(RECORDER_PATH).tell(Relist(self.system.address_of(running[0])))

    def _report(self, description: str, error: str) -> None:
        self.play.recording.action(self.now(), description, error=error)
        if error:
            self.errors.append(f"{description}: {error}")
        self.wake.set()

    def _timeline(self) -> list[dict[str, Any]]:
        rows = []
        for entry in self.play.timeline.entries:
            state = (
                "ran" if entry.ran_at is not None else ("condition expired" if entry.expired else "never ran")
            )
            rows.append(
                {
                    "index": entry.index,
                    "id": entry.action.id,
                    "action": entry.action.action,
                    "due_at": None if entry.due_at is None else round(entry.due_at, 3),
                    "ran_at": None if entry.ran_at is None else round(entry.ran_at, 3),
                    "state": state,
                }
            )
        return rows
