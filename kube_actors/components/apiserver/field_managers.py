"""Why: Kubernetes remembers which client set which field of an object (``managedFields``), so
that server-side apply can merge a client's whole intent into what others wrote, drop the
fields that client stopped applying, and refuse (409) to silently take a field another client
set to something else. This module is that bookkeeping, pure: ``verbs`` calls it inside a
write, with the stored object in hand.

- ``apply``: a client's configuration merged into the live object, owned by its manager, with
  conflicts named as Kubernetes names them (``force`` takes the fields over instead);
- ``record_create``/``record_update``: a non-apply write moves the fields it set to its manager.

Which objects are tracked: those written by a client that names a ``fieldManager`` (kubectl
always does) and those applied once. The fields of an untracked object met by a first apply
belong to ``before-first-apply``, as in Kubernetes for objects without ``managedFields``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from kube_actors.api import status
from kube_actors.api.field_sets import (
    MISSING,
    Path,
    changed_fields,
    describe,
    fields_of,
    from_fields_v1,
    remove_at,
    to_fields_v1,
    value_at,
)
from kube_actors.api.trees import copy_tree
from kube_actors.components.apiserver.crds.admission import WriteOptions
from kube_actors.components.apiserver.patching import strategic_merge_patch
from kube_actors.components.apiserver.routes import Target, check_kind

JsonObject = dict[str, Any]
APPLY, UPDATE = "Apply", "Update"
BEFORE_FIRST_APPLY = "before-first-apply"


@dataclass(frozen=True, slots=True)
class ManagedEntry:
    """One ``managedFields`` entry: what one manager owns through one kind of write."""

    manager: str
    operation: str
    api_version: str
    time: str
    fields: frozenset[Path] = field(default_factory=frozenset)
    subresource: str = ""

    def same_writer(self, manager: str, operation: str, subresource: str) -> bool:
        return (self.manager, self.operation, self.subresource) == (manager, operation, subresource)

    def as_json(self) -> JsonObject:
        entry: JsonObject = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(self.fields),
        }
        if self.subresource:
            entry["subresource"] = self.subresource
        return entry


@dataclass(frozen=True, slots=True)
class Writer:
    """Who writes (``fieldManager``), through which subresource, at which version and time."""

    manager: str
    api_version: str
    now: str
    subresource: str = ""


def entries_of(obj: JsonObject) -> list[ManagedEntry]:
    """An object's ``managedFields``, leaving out entries that are not well formed."""
    found = []
    for entry in obj.get("metadata", {}).get("managedFields") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("manager"), str):
            continue
        paths = from_fields_v1(entry.get("fieldsV1", {}))
        if paths is None or entry.get("operation") not in (APPLY, UPDATE):
            continue
        found.append(
            ManagedEntry(
                entry["manager"],
                entry["operation"],
                str(entry.get("apiVersion", "")),
                str(entry.get("time", "")),
                frozenset(paths),
                str(entry.get("subresource", "")),
            )
        )
    return found


def is_tracked(obj: JsonObject) -> bool:
    return bool(obj.get("metadata", {}).get("managedFields"))


def _store(obj: JsonObject, entries: list[ManagedEntry]) -> None:
    kept = [entry.as_json() for entry in entries if entry.fields]
    if kept:
        obj.setdefault("metadata", {})["managedFields"] = kept
    else:
        obj.get("metadata", {}).pop("managedFields", None)


def _entries_or_first(obj: JsonObject, writer: Writer) -> list[ManagedEntry]:
    """The object's entries; an untracked object's fields all go to ``before-first-apply``."""
    if is_tracked(obj):
        return entries_of(obj)
    owned = frozenset(fields_of(obj, skip=("status",)))
    return [ManagedEntry(BEFORE_FIRST_APPLY, UPDATE, writer.api_version, writer.now, owned)]


def record_create(obj: JsonObject, writer: Writer) -> None:
    """A created object belongs to its creator (``status`` aside: a subresource writes it)."""
    owned = frozenset(fields_of(obj, skip=("status",)))
    _store(obj, [ManagedEntry(writer.manager, UPDATE, writer.api_version, writer.now, owned)])


def record_update(old: JsonObject, new: JsonObject, writer: Writer) -> None:
    """``new`` replaces ``old``: the fields the write set go to its manager, from whoever had
    them; the fields it removed are nobody's. A client that sends ``managedFields: []`` clears
    them, as in Kubernetes."""
    if new.get("metadata", {}).get("managedFields") == []:
        new["metadata"].pop("managedFields")
        return
    entries = _entries_or_first(old, writer)
    changed, removed = changed_fields(old, new)
    if not changed and not removed:
        _store(new, entries)
        return
    taken = changed | removed
    updated = [replace(entry, fields=entry.fields - taken) for entry in entries]
    mine = next((e for e in updated if e.same_writer(writer.manager, UPDATE, writer.subresource)), None)
    if mine is not None:
        updated.remove(mine)
    owned = (mine.fields if mine is not None else frozenset()) | changed
    updated.append(
        ManagedEntry(writer.manager, UPDATE, writer.api_version, writer.now, owned, writer.subresource)
    )
    _store(new, updated)


def apply(live: JsonObject | None, config: JsonObject, writer: Writer, *, force: bool) -> JsonObject:
    """The object after ``writer`` applies ``config`` to ``live`` (None: it does not exist yet).

    Fields set to another value than the live one and owned by another manager are conflicts: a
    409 naming each, unless ``force``, which takes them. Fields this manager applied before and
    no longer does are removed, unless another manager owns them too.
    """
    config = {k: copy_tree(v) for k, v in config.items() if k != "status"}
    config["metadata"] = {k: v for k, v in config.get("metadata", {}).items() if k != "managedFields"}
    applied = frozenset(fields_of(config))
    if live is None:
        merged = config
        entries: list[ManagedEntry] = []
    else:
        merged = strategic_merge_patch(live, config)
        entries = _entries_or_first(live, writer)
    previous = next((e for e in entries if e.same_writer(writer.manager, APPLY, "")), None)
    others = [e for e in entries if e is not previous]
    conflicts = _conflicts(live, config, applied, others) if live is not None else []
    if conflicts and not force:
        raise _conflict_error(conflicts)
    if conflicts:
        taken = {path for _, path in conflicts}
        others = [replace(e, fields=e.fields - taken) for e in others]
    if previous is not None:
        _drop_unapplied(merged, applied, previous.fields - applied, others)
    _store(merged, [*others, ManagedEntry(writer.manager, APPLY, writer.api_version, writer.now, applied)])
    return merged


def _conflicts(
    live: JsonObject, config: JsonObject, applied: frozenset[Path], others: list[ManagedEntry]
) -> list[tuple[ManagedEntry, Path]]:
    found = []
    for entry in others:
        for path in sorted(entry.fields & applied):
            if not path[-1].startswith("f:"):
                continue  # an item's presence: the same key is the same item
            current = value_at(live, path)
            if current is not MISSING and current != value_at(config, path):
                found.append((entry, path))
    return found


def _drop_unapplied(
    merged: JsonObject, applied: frozenset[Path], dropped: frozenset[Path], others: list[ManagedEntry]
) -> None:
    """Remove what a manager stopped applying, unless it still applies part of it or someone
    else owns it or part of it."""
    kept = set(applied).union(*(e.fields for e in others))
    for path in sorted(dropped, key=len, reverse=True):
        if any(owned[: len(path)] == path for owned in kept):
            continue
        remove_at(merged, path)


def _conflict_error(conflicts: list[tuple[ManagedEntry, Path]]) -> status.ApiError:
    causes, lines = [], []
    for entry, path in conflicts:
        with_sub = f' with subresource "{entry.subresource}"' if entry.subresource else ""
        who = f'conflict with "{entry.manager}"{with_sub} using {entry.api_version}'
        causes.append({"type": "FieldManagerConflict", "message": who, "field": describe(path)})
        lines.append(f"{who}: {describe(path)}")
    count = f"{len(conflicts)} conflict{'s' if len(conflicts) > 1 else ''}"
    return status.Conflict(f"Apply failed with {count}: {'; '.join(lines)}", details={"causes": causes})


def check_applied(config: Any, target: Target, write: WriteOptions) -> None:
    """An apply names its manager and sends a whole object of this URL's kind and name."""
    if not write.field_manager:
        cause = ("fieldManager", "Required value: is required for apply patch")
        raise status.invalid("PatchOptions", "", [cause], "meta.k8s.io")
    if target.subresource:
        raise status.UnsupportedMediaType(
            f"server-side apply to the {target.subresource!r} subresource is not supported: apply the object"
        )
    if not isinstance(config, dict):
        raise status.BadRequest("an apply patch must be an object")
    for required in ("apiVersion", "kind"):
        if not config.get(required):
            raise status.BadRequest(f"an apply patch must set {required}")
    check_kind(config, target)
    metadata = config.get("metadata", {})
    if not isinstance(metadata, dict):
        raise status.BadRequest("metadata of an apply patch must be an object")
    if metadata.get("name", target.name) != target.name:
        raise status.BadRequest(
            f"the name of the object ({metadata['name']}) does not match the name in the URL ({target.name})"
        )
