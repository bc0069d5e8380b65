"""Why: a real, throwaway etcd server on loopback, for benchmarks and tests of the etcd backend.

It needs the ``etcd`` binary (Debian's ``etcd-server`` package). Its data and log live in the
directory given; ``stop()`` (or leaving the ``async with``) terminates it.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

START_TIMEOUT = 30.0


def free_ports(count: int) -> list[int]:
    """Loopback ports nobody listens on (all held at once, so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class EtcdServer:
    def __init__(self, home: Path, *, binary: str = "etcd") -> None:
        found = shutil.which(binary)
        if found is None:
            raise FileNotFoundError(f"etcd binary {binary!r} not found: install Debian's etcd-server")
        self.binary = found
        self.home = home
        client, peer = free_ports(2)
        self.url = f"http://127.0.0.1:{client}"
        self._peer = f"http://127.0.0.1:{peer}"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.home / "etcd.log"

    def start(self) -> EtcdServer:
        """Start etcd and return once it answers; raises ``RuntimeError`` with its log if not."""
        self.home.mkdir(parents=True, exist_ok=True)
        command = [
            self.binary,
            "--name=default",
            f"--data-dir={self.home / 'data'}",
            f"--listen-client-urls={self.url}",
            f"--advertise-client-urls={self.url}",
            f"--listen-peer-urls={self._peer}",
            f"--initial-advertise-peer-urls={self._peer}",
            f"--initial-cluster=default={self._peer}",
        ]
        with self.log.open("wb") as output:
            self._process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"etcd exited with code {self._process.returncode}:\n{self._tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/version", timeout=1):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"etcd did not answer {self.url} within {START_TIMEOUT} s:\n{self._tail()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    async def __aenter__(self) -> EtcdServer:
        return await asyncio.get_running_loop().run_in_executor(None, self.start)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.stop)
