"""Why: pods keep data in PersistentVolumeClaims, and something must give each claim a volume:
bind it to a matching PersistentVolume, or have one made, and decide what happens to the volume
when the claim goes. This package is Kubernetes' PV controller (``persistentvolume-binder``)
with a simulated dynamic provisioner (``kube-actors.io/simulated``) and the default
StorageClass ``standard`` (WaitForFirstConsumer, reclaim Delete).

``matching``, ``classes``, ``provisioning``, ``binding`` and ``reclaiming`` are pure;
``controller`` is the actor shell.

The contract with the scheduler (as in Kubernetes' VolumeBinding plugin):

- a pod whose claim is bound may only go to a node matching the bound PV's
  ``spec.nodeAffinity.required`` (``matching.volume_fits_node``);
- a pod with an unbound claim of a ``WaitForFirstConsumer`` class may go to any node that can
  reach a matching Available PV, or to any node at all if the class's provisioner is the
  simulated one; before binding the pod the scheduler writes the node's name into the claim's
  annotation ``volume.kubernetes.io/selected-node``. This controller then binds a static PV
  that fits that node, or provisions one pinned to the node's ``topology.kubernetes.io/zone``
  (its ``kubernetes.io/hostname`` if the node has no zone). The scheduler may also pre-bind a
  static PV itself by writing the PV's ``spec.claimRef``, as Kubernetes' scheduler does; this
  controller completes that binding;
- a pod with an unbound claim of an ``Immediate`` class is not schedulable until the claim is
  bound (this controller binds or provisions such claims at once).
"""

from kube_actors.components.controllers.volumes.controller import VolumeController

__all__ = ["VolumeController"]
