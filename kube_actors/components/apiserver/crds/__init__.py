"""Why: CustomResourceDefinitions make the apiserver serve kinds it was not built with, so
serving one touches discovery, routing, every verb and storage; this package keeps what is
particular to custom resources out of those modules.

- ``definitions``: what a definition means (served types, its own validation and status). Pure.
- ``schemas``: pruning, defaulting and validation against an ``openAPIV3Schema``. Pure.
- ``admission``: both applied to the objects and definitions ``verbs`` writes.
- ``serving``: each replica's served table kept in step with the stored definitions, and the
  cleanup of a deleted definition's objects.

Import the modules directly: this package imports nothing, so that ``deleting`` (imported by
``objects``) can use ``definitions`` without an import cycle.
"""
