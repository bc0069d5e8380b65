"""Kubelets benchmark: ``python benchmarks/kubelets.py [--quick] [--json PATH]``.

The same as ``kube-actors bench kubelets``; the measuring code is ``kube_actors.bench.kubelets``.
"""

import sys

from kube_actors.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "kubelets", *sys.argv[1:]]))
