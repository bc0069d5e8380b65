"""kube-actors: a Kubernetes control plane and its node agents as an asyncio actor system.

The package is layered (see ``setup.cfg``'s import-linter contracts): the actor runtime at the
bottom, Kubernetes components on top, the CLI above everything.
"""

__version__ = "0.1.0"
