"""Apiserver benchmark: ``python benchmarks/apiserver.py [--quick] [--json PATH]``.

The same as ``kube-actors bench apiserver``; the measuring code is ``kube_actors.bench.apiserver``.
"""

import sys

from kube_actors.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "apiserver", *sys.argv[1:]]))
