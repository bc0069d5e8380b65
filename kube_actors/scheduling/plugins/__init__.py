"""Why: the scheduling plugins, one module each, with Kubernetes' names, semantics, reasons and
score formulas (Kubernetes 1.31, ``pkg/scheduler/framework/plugins``). Profiles
(``kube_actors.scheduling.profiles``) put them together; the placement kernel reproduces them.
"""
