"""Placement benchmark: ``python benchmarks/placement.py [--quick] [--nodes N] [--pods N]
[--workload basic|default|spread|anti-affinity] [--profile default-scheduler|bin-packing] [--json PATH]``.

The same as ``kube-actors bench placement``; the measuring code is ``kube_actors.bench.placement``.
"""

import sys

from kube_actors.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "placement", *sys.argv[1:]]))
