"""Why: Kubernetes' garbage collector: objects whose owners are gone are deleted, and an owner's
deletion propagates to its dependents in the background, in the foreground or not at all
(orphan). ``graph`` keeps the ownerReferences, ``deciding`` decides per object, ``controller``
is the actor; ``ownership`` and ``kinds`` are shared with the other controllers."""

from kube_actors.components.controllers.garbage_collector.controller import GarbageCollector

__all__ = ["GarbageCollector"]
