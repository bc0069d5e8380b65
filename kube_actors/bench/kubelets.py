"""Why: a simulated cluster is only as large as the kubelets one process can carry. This starts
5,000 kubelet actors in one process against one apiserver on the memory backend, on the real
clock, and measures what a node costs: how long until every node has registered (Node created,
status posted, Lease created, pod watch open), the CPU share of steady heartbeats (a Lease
renewal every 10 s and a status check every 10 s per node, everything included: kubelets,
apiserver, storage), and resident memory per kubelet (the process's growth over the idle
cluster, divided by the node count; that includes each node's objects in storage).

Targets (issue 6, on a 2-core machine): 5,000 nodes registered in under 30 s, heartbeats under
20 % of one core, under 200 KiB per kubelet. For scale: Kubemark's hollow nodes need about
0.09 CPU and 220 MB each.
"""

from __future__ import annotations

import asyncio
import gc
import resource
import tempfile
import time
from pathlib import Path

from kube_actors.bench import Figure, Report
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.kubelet import node_pool, spawn_kubelets
from kube_actors.components.kubelet.messages import Describe
from kube_actors.runtime import ActorRef, ActorSystem
from kube_actors.storage.config import StorageConfig

NODES = 5_000
STEADY_SECONDS = 60.0
REGISTRATION_TIMEOUT = 600.0


def resident_kib() -> int:
    """The process's resident set now, in KiB (from /proc; peak RSS where that is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def registered(kubelets: list[ActorRef]) -> None:
    """Returns once every kubelet has registered (a kubelet answers only after ``on_start``)."""
    await asyncio.gather(*(k.ask(Describe(), timeout=REGISTRATION_TIMEOUT) for k in kubelets))


async def measure(quick: bool) -> Report:
    nodes = NODES // 10 if quick else NODES
    steady = STEADY_SECONDS / 3 if quick else STEADY_SECONDS
    with tempfile.TemporaryDirectory(prefix="kube-actors-bench-") as data:
        async with ActorSystem("bench", strict=False) as system:
            storage = StorageConfig("memory", data_dir=Path(data))
            await start_cluster(system, ClusterConfig(storage, api_port=0))
            api = system.ref_for_path(API_PATH)
            gc.collect()
            before = resident_kib()
            start = time.perf_counter()
            kubelets = spawn_kubelets(system, api, node_pool(nodes))
            await registered(kubelets)
            registration = time.perf_counter() - start
            await asyncio.sleep(10.0)  # one renewal period, so every kubelet is in its steady rhythm
            gc.collect()
            per_kubelet = (resident_kib() - before) / nodes
            cpu_start, wall_start = time.process_time(), time.perf_counter()
            await asyncio.sleep(steady)
            cpu_share = (time.process_time() - cpu_start) / (time.perf_counter() - wall_start)
            await asyncio.gather(*(system.stop(k) for k in kubelets))

    report = Report("kubelets", extra={"quick": quick, "nodes": nodes, "steady_seconds": steady})
    report.results = [
        Figure(
            "nodes_registered_s",
            registration,
            "s",
            ceiling=30 if not quick else None,
            note=f"{nodes:,} kubelets: Node, status, Lease, pod watch",
        ),
        Figure(
            "heartbeat_cpu_share",
            cpu_share * 100,
            "% of a core",
            ceiling=20,
            note=f"Lease every 10 s and status check every 10 s per node, over {steady:.0f} s",
        ),
        Figure("kib_per_kubelet", per_kubelet, "KiB", ceiling=200, note="process RSS growth / nodes"),
    ]
    return report


def run(quick: bool = False) -> Report:
    return asyncio.run(measure(quick))
