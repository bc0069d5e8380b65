"""Storage benchmark: ``python benchmarks/storage.py [--quick] [--json PATH]``.

The same as ``kube-actors bench storage``; the measuring code is ``kube_actors.bench.storage``.
"""

import sys

from kube_actors.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "storage", *sys.argv[1:]]))
