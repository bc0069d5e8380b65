"""Why: the ``kube-actors`` command: parse arguments, configure logging, call into the package.

Nothing here knows how anything works; each subcommand is one call.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kube_actors import __version__
from kube_actors.runtime.collection import tune_garbage_collection
from kube_actors.runtime.logs import configure_logging
from kube_actors.storage.history import HistoryWindow

if TYPE_CHECKING:
    from kube_actors.components.kubelet import KubeletConfig

BENCHMARKS = ("apiserver", "controllers", "kubelets", "messaging", "placement", "storage")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kube-actors",
        description="A Kubernetes control plane and node agents as an asyncio actor system.",
    )
    parser.add_argument("--version", action="version", version=f"kube-actors {__version__}")
    parser.add_argument(
        "--log-format",
        choices=("console", "json"),
        default="console",
        help="console lines for people (default) or JSON lines for machines",
    )
    parser.add_argument(
        "--log-level",
        help="debug, info, warning (the default) or error (the default of run, whose faults are on purpose)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    up = commands.add_parser("up", help="start a cluster in this process and serve the Kubernetes API")
    up.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    up.add_argument("--port", type=int, default=6443, help="port to serve the API on (default 6443)")
    up.add_argument(
        "--apiservers", type=int, default=1, help="apiserver replicas, on --port, --port+1, ... (default 1)"
    )
    up.add_argument(
        "--data-dir",
        type=Path,
        default=Path("kube-actors-data"),
        help="where the sqlite storage keeps its files (default ./kube-actors-data)",
    )
    up.add_argument(
        "--storage",
        choices=("memory", "sqlite", "etcd"),
        default="sqlite",
        help="storage backend (default sqlite)",
    )
    up.add_argument("--etcd-endpoints", default="", help="comma-separated etcd URLs, for --storage etcd")
    up.add_argument(
        "--kubeconfig", type=Path, help="where to write a kubeconfig (default DATA_DIR/kubeconfig)"
    )
    up.add_argument(
        "--controllers",
        default="*",
        help="controllers the controller-manager runs: '*' for all (default), '' for none, "
        "or comma-separated names",
    )
    up.add_argument("--no-scheduler", action="store_true", help="do not run the scheduler")
    up.add_argument("--nodes", type=int, default=0, help="kubelets to run: node-1 .. node-N (default 0)")
    up.add_argument("--node-cpu", default="4", help="each node's CPU capacity (default 4)")
    up.add_argument("--node-memory", default="16Gi", help="each node's memory capacity (default 16Gi)")
    up.add_argument("--node-pods", default="110", help="pods each node may run (default 110)")
    defaults = HistoryWindow()
    up.add_argument(
        "--history-revisions",
        type=int,
        default=defaults.revisions,
        help="revisions of history each storage shard keeps (default %(default)s)",
    )
    up.add_argument(
        "--history-seconds",
        type=float,
        default=defaults.seconds,
        help="seconds of history each storage shard keeps (default %(default)s)",
    )
    up.add_argument(
        "--compaction-interval",
        type=float,
        default=defaults.check_every,
        help="seconds between compactions of old history (default %(default)s)",
    )

    run = commands.add_parser("run", help="run a scenario file: boot, apply, play its timeline, check")
    run.add_argument("file", type=Path, help="the scenario (YAML)")
    run.add_argument("--seed", type=int, help="seed for every random choice (default: the file's)")
    run.add_argument(
        "--clock", choices=("virtual", "real"), default="virtual", help="simulated (default) or real time"
    )
    run.add_argument("--report", type=Path, metavar="DIR", help="write result.json and report.html to DIR")

    scenario = commands.add_parser("scenario", help="scenario file tools")
    scenario_commands = scenario.add_subparsers(dest="scenario_command", metavar="TOOL", required=True)
    schema = scenario_commands.add_parser("schema", help="print (or write) the JSON Schema of scenario files")
    schema.add_argument("--output", type=Path, help="write it to this file instead")

    bench = commands.add_parser("bench", help="run a benchmark: print a table, optionally write JSON")
    bench.add_argument("name", choices=BENCHMARKS, help="which benchmark")
    bench.add_argument("--quick", action="store_true", help="reduced size, for smoke tests")
    bench.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    bench.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    placement = bench.add_argument_group("placement only")
    placement.add_argument("--nodes", type=int, help="cluster size (default: every size of the issue)")
    placement.add_argument("--pods", type=int, help="pods to place (default: every size of the issue)")
    placement.add_argument("--workload", choices=("basic", "default", "spread", "anti-affinity"))
    placement.add_argument("--profile", choices=("default-scheduler", "bin-packing"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        level = args.log_level or ("error" if args.command == "run" else "warning")
        configure_logging(args.log_format, level)
    except ValueError as exc:
        parser.error(str(exc))
    tune_garbage_collection()
    if args.command == "up":
        return run_up(args)
    if args.command == "run":
        from kube_actors.scenario.command import run_command

        return run_command(args.file, seed=args.seed, clock=args.clock, report_dir=args.report)
    if args.command == "scenario":
        from kube_actors.scenario.command import schema_command

        return schema_command(args.output)
    if args.command == "bench":
        options = {k: getattr(args, k) for k in ("nodes", "pods", "workload", "profile") if getattr(args, k)}
        if options and args.name != "placement":
            parser.error(f"--{next(iter(options))} is an option of the placement benchmark only")
        return run_benchmark(args.name, quick=args.quick, json_path=args.json, check=args.check, **options)
    raise AssertionError(f"unhandled command {args.command}")


def run_benchmark(name: str, *, quick: bool, json_path: str | None, check: bool, **options: Any) -> int:
    from importlib import import_module

    from kube_actors.bench import emit

    report = import_module(f"kube_actors.bench.{name}").run(quick=quick, **options)
    emit(report, json_path)
    return 1 if check and not report.targets_met else 0


def run_up(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from kube_actors.cluster import ClusterConfig, serve_until
    from kube_actors.storage.config import StorageConfig

    endpoints = tuple(e.strip() for e in args.etcd_endpoints.split(",") if e.strip())
    try:
        window = HistoryWindow(args.history_revisions, args.history_seconds, args.compaction_interval)
        storage = StorageConfig(args.storage, data_dir=args.data_dir, etcd_endpoints=endpoints, window=window)
    except ValueError as exc:
        print(f"kube-actors up: {exc}", file=sys.stderr)
        return 2
    try:
        config = ClusterConfig(
            storage,
            api_host=args.host,
            api_port=args.port,
            api_replicas=args.apiservers,
            controllers=_controllers(args.controllers),
            scheduler=not args.no_scheduler,
            nodes=_nodes(args),
        )
    except ValueError as exc:
        print(f"kube-actors up: {exc}", file=sys.stderr)
        return 2

    async def run() -> None:
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopped.set)
        await serve_until(stopped, config, args.kubeconfig or args.data_dir / "kubeconfig")

    asyncio.run(run())
    return 0


def _nodes(args: argparse.Namespace) -> tuple[KubeletConfig, ...]:
    """``--nodes N`` kubelets of the ``--node-*`` size; a bad size is a ValueError."""
    from kube_actors.components.kubelet import KubeletConfig, node_pool

    capacity = {"cpu": args.node_cpu, "memory": args.node_memory, "pods": args.node_pods}
    if args.nodes < 0:
        raise ValueError("--nodes must be 0 or more")
    return tuple(node_pool(args.nodes, template=KubeletConfig("node", capacity=capacity)))


def _controllers(option: str) -> tuple[str, ...] | None:
    """``--controllers``: '*' is every controller (an empty tuple), '' none (None).

    >>> _controllers("*"), _controllers(""), _controllers("namespace, garbage-collector")
    ((), None, ('namespace', 'garbage-collector'))
    """
    if option.strip() == "*":
        return ()
    names = tuple(name.strip() for name in option.split(",") if name.strip())
    return names or None


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
