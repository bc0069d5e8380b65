"""Why: a controller acts on its cache, and its cache learns of the pods it created (or deleted)
only when their watch events arrive. Until then another sync would count too few pods and
create them again. Kubernetes' ``ControllerExpectations`` remembers, per owner, how many
creations and which deletions are still to be seen, and the owner is not managed again until
they are (or five minutes have passed, in case an event was lost). Pure: the shell records what
it asked for and what the watch showed, and passes the time in.
"""

from __future__ import annotations

from dataclasses import dataclass

EXPECTATIONS_TIMEOUT = 300.0


@dataclass(slots=True)
class _Expected:
    adds: int
    deletes: set[str]  # keys of pods deleted but not yet seen going
    since: float


class Expectations:
    """Outstanding creations and deletions per owner key (``namespace/name``)."""

    def __init__(self) -> None:
        self._by_owner: dict[str, _Expected] = {}

    def expect_creations(self, owner: str, count: int, now: float) -> None:
        self._by_owner[owner] = _Expected(count, set(), now)

    def expect_deletions(self, owner: str, pod_keys: list[str], now: float) -> None:
        self._by_owner[owner] = _Expected(0, set(pod_keys), now)

    def creation_observed(self, owner: str, count: int = 1) -> None:
        """A pod the owner made has been seen (or will never be: its create failed)."""
        expected = self._by_owner.get(owner)
        if expected is not None:
            expected.adds -= count

    def deletion_observed(self, owner: str, pod_key: str) -> None:
        """A pod the owner deleted is gone or being deleted (or its delete failed)."""
        expected = self._by_owner.get(owner)
        if expected is not None:
            expected.deletes.discard(pod_key)

    def satisfied(self, owner: str, now: float) -> bool:
        """Whether the owner's cache reflects all it asked for, so it may act again.

        >>> e = Expectations(); e.expect_creations("ns/web", 2, now=0.0)
        >>> e.satisfied("ns/web", 1.0), e.creation_observed("ns/web", 2), e.satisfied("ns/web", 1.0)
        (False, None, True)
        """
        expected = self._by_owner.get(owner)
        if expected is None:
            return True
        fulfilled = expected.adds <= 0 and not expected.deletes
        return fulfilled or now - expected.since > EXPECTATIONS_TIMEOUT

    def forget(self, owner: str) -> None:
        """The owner is gone."""
        self._by_owner.pop(owner, None)

    def __contains__(self, owner: object) -> bool:
        return owner in self._by_owner
