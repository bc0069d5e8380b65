"""Controllers benchmark: ``python benchmarks/controllers.py [--quick] [--json PATH]``.

The same as ``kube-actors bench controllers``; the measuring code is ``kube_actors.bench.controllers``.
"""

import sys

from kube_actors.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "controllers", *sys.argv[1:]]))
