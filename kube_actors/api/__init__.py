"""Why: Kubernetes API objects as data: the table of resource types, the ``Status`` errors
clients understand, and metadata helpers. Pure: no actors, no I/O."""
