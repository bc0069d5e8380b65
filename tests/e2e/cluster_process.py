"""A ``kube-actors up`` in its own process, for tests that drive it with real clients."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ClusterProcess:
    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.data_dir = data_dir
        self.kubeconfig = data_dir / "kubeconfig"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kube_actors.cli",
                "up",
                "--port",
                "0",
                "--data-dir",
                str(data_dir),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if "serving the Kubernetes API at" not in first:
            self.process.kill()
            raise RuntimeError(f"kube-actors up did not start: {first}{self.process.stdout.read()}")
        self.urls = first.split(" at ", 1)[1].split()
        self.url = self.urls[0]

    def kubectl(
        self, *args: str, stdin: str | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["kubectl", "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def stop(self) -> int:
        """SIGTERM, as a user's Ctrl-C would; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """A kubectl run's output, failing the test with its stderr if it failed."""
    assert result.returncode == 0, result.stderr
    return result.stdout
