"""The stand-in kubelet for controller tests (binds, starts and finishes deleting every pod):
it lives in ``kube_actors.bench.fake_kubelet`` because the controllers benchmark uses it too,
until the real scheduler and kubelets can take its place."""

from kube_actors.bench.fake_kubelet import FakeKubelet

__all__ = ["FakeKubelet"]
