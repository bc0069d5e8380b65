"""Why: the ``kube-actors`` command: parse arguments, configure logging, call into the package.

Nothing here knows how anything works; each subcommand is one call.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kube_actors import __version__
from kube_actors.runtime.logs import configure_logging

BENCHMARKS = ("messaging", "storage")


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
    parser.add_argument("--log-level", default="warning", help="debug, info, warning (default) or error")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    bench = commands.add_parser("bench", help="run a benchmark: print a table, optionally write JSON")
    bench.add_argument("name", choices=BENCHMARKS, help="which benchmark")
    bench.add_argument("--quick", action="store_true", help="reduced size, for smoke tests")
    bench.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    bench.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        configure_logging(args.log_format, args.log_level)
    except ValueError as exc:
        parser.error(str(exc))
    if args.command == "bench":
        return run_benchmark(args.name, quick=args.quick, json_path=args.json, check=args.check)
    raise AssertionError(f"unhandled command {args.command}")


def run_benchmark(name: str, *, quick: bool, json_path: str | None, check: bool) -> int:
    from importlib import import_module

    from kube_actors.bench import emit

    report = import_module(f"kube_actors.bench.{name}").run(quick=quick)
    emit(report, json_path)
    return 1 if check and not report.targets_met else 0


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
