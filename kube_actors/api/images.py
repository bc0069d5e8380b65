"""Why: two rules read a container image reference the same way Kubernetes does: the default
``imagePullPolicy`` (``Always`` for ``latest``) and the admission check that warns about
``latest``. A reference without tag or digest means the ``latest`` tag.
"""

from __future__ import annotations

import functools

LATEST = "latest"


@functools.lru_cache(maxsize=4096)  # every pod of a workload names the same few images
def image_tag(image: str) -> str:
    """The tag an image reference names: ``latest`` when it has neither tag nor digest, ``""``
    when it is pinned by digest alone.

    A colon after the last slash separates the tag; one before it belongs to a registry
    port (``localhost:5000/app`` has no tag).

    >>> [image_tag(i) for i in ("nginx", "nginx:1.27", "localhost:5000/app", "app@sha256:ab12")]
    ['latest', '1.27', 'latest', '']
    """
    name, _, digest = image.partition("@")
    last_part = name.rsplit("/", 1)[-1]
    if ":" in last_part:
        return last_part.rsplit(":", 1)[1]
    return "" if digest else LATEST


def runs_latest(image: str) -> bool:
    """Whether the reference floats on ``latest``, explicitly or by omission.

    >>> runs_latest("busybox"), runs_latest("busybox:latest"), runs_latest("busybox:1.36")
    (True, True, False)
    """
    return image_tag(image) == LATEST
