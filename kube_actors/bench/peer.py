"""Why: a second OS process hosting actors, for benchmarks and tests that must cross processes.

Run as ``python -m kube_actors.bench.peer --host NAME --listen URL``, with the cluster token in
``KUBE_ACTORS_TOKEN``. It prints the bound URL on its first line, serves a ``sink`` actor (counts
``Ping``s, answers ``Count``) and an ``echo`` actor (answers every message with itself), and
exits when its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from kube_actors.runtime import Actor, ActorSystem
from kube_actors.runtime.logs import configure_logging
from kube_actors.runtime.message import message


@message("bench.Ping")
class Ping:
    n: int


@message("bench.Count")
class Count:
    """Ask a sink how many pings it has had."""


class Sink(Actor):
    def __init__(self) -> None:
        self.received = 0

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Count):
            return self.received
        self.received += 1
        return None


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def serve(host: str, listen: str, token: str) -> None:
    async with ActorSystem(host, token=token, strict=False) as system:
        system.spawn(Sink, "sink")
        system.spawn(Echo, "echo")
        url = await system.listen(listen)
        print(url, flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


async def launch_peer(host: str, *, token: str) -> tuple[asyncio.subprocess.Process, str]:
    """Start a peer process for host ``host``; returns it and the URL it listens at."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kube_actors.bench.peer",
        "--host",
        host,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "KUBE_ACTORS_TOKEN": token},
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    if not line:
        await process.wait()
        raise RuntimeError(f"the peer process exited with {process.returncode} before listening")
    return process, line.decode().strip()


async def stop_peer(process: asyncio.subprocess.Process) -> None:
    """Close the peer's standard input, which ends it; kill it if it lingers."""
    if process.returncode is None and process.stdin is not None:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
    await process.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kube_actors.bench.peer")
    parser.add_argument("--host", default="peer")
    parser.add_argument("--listen", default="ws://127.0.0.1:0")
    args = parser.parse_args(argv)
    configure_logging("console", "warning")
    asyncio.run(serve(args.host, args.listen, os.environ["KUBE_ACTORS_TOKEN"]))


if __name__ == "__main__":
    main()
