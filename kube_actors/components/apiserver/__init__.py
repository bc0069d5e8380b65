"""Why: the kube-apiserver: the REST API over the etcd shards (``server``, ``http``), with
Kubernetes object semantics (``objects``), patches (``patching``), watches (``watching``),
discovery (``discovery``) and path parsing (``routes``)."""
