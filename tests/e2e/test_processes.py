"""Across real OS processes: the ws link, the handshake, a peer dying, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kube_actors import __version__
from kube_actors.bench.peer import Count, Ping, launch_peer, stop_peer
from kube_actors.runtime import ActorSystem, DeliveryError

pytestmark = pytest.mark.e2e


async def test_tell_and_ask_between_two_processes() -> None:
    process, url = await launch_peer("peer", token="shared")
    try:
        async with ActorSystem("main", token="shared") as system:
            system.add_peer("peer", url)
            sink = system.ref("ka://peer/sink")
            echo = system.ref("ka://peer/echo")
            assert await echo.ask(Ping(41), timeout=10) == Ping(41)
            for n in range(1000):
                sink.tell(Ping(n))
            assert await sink.ask(Count(), timeout=10) == 1000
    finally:
        await stop_peer(process)


async def test_a_process_with_the_wrong_token_gets_nothing_through() -> None:
    process, url = await launch_peer("peer", token="right")
    try:
        async with ActorSystem("main", token="wrong") as system:
            system.add_peer("peer", url)
            system.ref("ka://peer/sink").tell(Ping(1))
            with pytest.raises(DeliveryError):
                await system.ref("ka://peer/sink").ask(Count(), timeout=1)
        async with ActorSystem("main", token="right") as system:
            system.add_peer("peer", url)
            assert await system.ref("ka://peer/sink").ask(Count(), timeout=10) == 0
    finally:
        await stop_peer(process)


async def test_asks_to_a_killed_process_fail_after_their_timeout() -> None:
    process, url = await launch_peer("peer", token="shared")
    async with ActorSystem("main", token="shared") as system:
        system.add_peer("peer", url)
        echo = system.ref("ka://peer/echo")
        assert await echo.ask(Ping(1), timeout=10) == Ping(1)
        process.kill()
        await process.wait()
        with pytest.raises(DeliveryError, match="unreachable"):
            await echo.ask(Ping(2), timeout=1)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kube_actors.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_version_and_help() -> None:
    assert _cli("--version").stdout.strip() == f"kube-actors {__version__}"
    shown = _cli("--help")
    assert shown.returncode == 0 and "bench" in shown.stdout


def test_cli_rejects_an_unknown_benchmark_by_name() -> None:
    result = _cli("bench", "teleport")
    assert result.returncode == 2 and "invalid choice: 'teleport'" in result.stderr


@pytest.mark.slow
def test_messaging_benchmark_prints_a_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "messaging.json"
    result = _cli("bench", "messaging", "--quick", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "local_tell" in result.stdout and "targets met" in result.stdout
    written = json.loads(out.read_text())
    assert written["benchmark"] == "messaging"
    names = [r["name"] for r in written["results"]]
    for name in ("queue_baseline", "local_tell", "local_ask", "ws_tell", "ws_ask_1", "ws_ask_100"):
        assert name in names
    assert all(r["value"] > 0 and r["unit"] for r in written["results"])
