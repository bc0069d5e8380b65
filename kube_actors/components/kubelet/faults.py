"""Why: scenarios break running containers on purpose (issue 8's ``crash_container`` and
``set_usage``, the noisy neighbour), and they do it by asking the node's kubelet, as nothing
else knows which runtime container a pod's container is. This module turns those two requests
(``CrashContainer``, ``SetUsage`` in ``messages.py``) into runtime calls: it checks the
request, finds the running instance through the core (``KubeletCore.running_container``),
calls the runtime's fault hooks (``base.py``; only the simulated runtime honours them) and
turns a refusal into the ``ApiError`` the asker sees.

The actor shell (``kubelet.py``) calls ``inject`` while it handles the request. What follows is
no special case: a crash or an OOM kill comes back through the runtime's exits like any other
exit, and new memory use reaches the eviction manager through the runtime's stats.
"""

from __future__ import annotations

from kube_actors.api import status
from kube_actors.components.kubelet.base import NOT_RUNNING, ContainerRuntime, Refused
from kube_actors.components.kubelet.core import KubeletCore
from kube_actors.components.kubelet.messages import CrashContainer, SetUsage
from kube_actors.components.kubelet.sim_script import ScriptError, usage_change

Fault = CrashContainer | SetUsage


def inject(fault: Fault, core: KubeletCore, runtime: ContainerRuntime) -> None:
    """Apply ``fault`` to the container it names; raises the ``ApiError`` to answer with:
    ``BadRequest`` for a bad request (or a runtime that cannot), ``NotFound`` for a pod not on
    this node or a container that does not run now."""
    if isinstance(fault, CrashContainer):
        if not 0 <= fault.exit_code <= 255:
            raise status.BadRequest(f"exit code {fault.exit_code} is not between 0 and 255")
        container_id = core.running_container(fault.namespace, fault.pod, fault.container)
        _check(runtime.crash_container(container_id, fault.exit_code), fault)
        return
    try:
        change = usage_change(fault.memory, fault.cpu)
    except ScriptError as exc:
        raise status.BadRequest(f"usage of container {fault.container!r}: {exc}") from None
    container_id = core.running_container(fault.namespace, fault.pod, fault.container)
    _check(runtime.set_usage(container_id, change), fault)


def _check(refused: Refused | None, fault: Fault) -> None:
    if refused is None:
        return
    if refused.reason == NOT_RUNNING:  # it exited, and the kubelet has not heard yet
        raise status.NotFound(
            f'container "{fault.container}" in pod "{fault.pod}" is not running: {refused.message}'
        )
    raise status.BadRequest(f"{refused.reason}: {refused.message}")
