"""Why: every actor is named by ``ka://<host>/<path>``; parsing and formatting live here, pure.

A host is the name of one ``ActorSystem`` (one process); the path names an actor inside it. The
same address works whether the sender is on that host or another, which is what lets one
topology run in one process or across machines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kube_actors.runtime.errors import AddressError

SCHEME = "ka"
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_SEGMENT = re.compile(r"[A-Za-z0-9_.:@-]+")


@dataclass(frozen=True, slots=True)
class Address:
    """A parsed actor address; ``str()`` gives it back in canonical form."""

    host: str
    path: str

    def __str__(self) -> str:
        return format_address(self.host, self.path)


def check_host(host: str) -> str:
    """Return ``host`` if it is a valid host name, else raise ``AddressError``.

    >>> check_host("cp-1")
    'cp-1'
    >>> check_host("bad host")
    Traceback (most recent call last):
    ...
    kube_actors.runtime.errors.AddressError: invalid host name 'bad host': use letters, digits, '.' and '-'
    """
    if not _HOST.fullmatch(host):
        raise AddressError(f"invalid host name {host!r}: use letters, digits, '.' and '-'")
    return host


def check_path(path: str) -> str:
    """Return ``path`` if it is a valid actor path, else raise ``AddressError``.

    >>> check_path("kubelet/node-0042")
    'kubelet/node-0042'
    >>> check_path("kubelet//x")
    Traceback (most recent call last):
    ...
    kube_actors.runtime.errors.AddressError: invalid actor path 'kubelet//x': empty segment
    """
    if not path:
        raise AddressError("invalid actor path '': empty")
    for segment in path.split("/"):
        if not segment:
            raise AddressError(f"invalid actor path {path!r}: empty segment")
        if not _SEGMENT.fullmatch(segment):
            raise AddressError(
                f"invalid actor path {path!r}: segment {segment!r} has characters other than "
                "letters, digits and _.:@-"
            )
    return path


def format_address(host: str, path: str) -> str:
    """Format a host and a path as an address.

    >>> format_address("cp-1", "apiserver/0")
    'ka://cp-1/apiserver/0'
    """
    return f"{SCHEME}://{check_host(host)}/{check_path(path)}"


def parse_address(text: str) -> Address:
    """Parse ``ka://<host>/<path>``.

    >>> parse_address("ka://workers-a/kubelet/node-0042")
    Address(host='workers-a', path='kubelet/node-0042')
    >>> str(parse_address("ka://cp-1/apiserver/0"))
    'ka://cp-1/apiserver/0'
    >>> parse_address("http://cp-1/x")
    Traceback (most recent call last):
    ...
    kube_actors.runtime.errors.AddressError: invalid address 'http://cp-1/x': expected ka://<host>/<path>
    >>> parse_address("ka://cp-1")
    Traceback (most recent call last):
    ...
    kube_actors.runtime.errors.AddressError: invalid address 'ka://cp-1': no actor path after the host
    """
    prefix = f"{SCHEME}://"
    if not text.startswith(prefix):
        raise AddressError(f"invalid address {text!r}: expected {SCHEME}://<host>/<path>")
    host, slash, path = text[len(prefix) :].partition("/")
    if not slash or not path:
        raise AddressError(f"invalid address {text!r}: no actor path after the host")
    return Address(check_host(host), check_path(path))
