"""Why: kube-scheduler as an actor: it watches pending pods, places them in batches with the
placement engine on a worker thread, and binds them through the apiserver."""
