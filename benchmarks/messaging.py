"""Messaging benchmark: ``python benchmarks/messaging.py [--quick] [--json PATH]``.

The same as ``kube-actors bench messaging``; the measuring code is ``kube_actors.bench.messaging``.
"""

import sys

from kube_actors.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "messaging", *sys.argv[1:]]))
