"""Why: the Kubernetes components, one actor (or a small family of actors) each."""
