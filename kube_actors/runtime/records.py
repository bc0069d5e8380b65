"""Why: frozen, slotted dataclasses are how values that must not change travel (messages,
watch changes, admission requests), and some are built on every hop of every write. A frozen
dataclass sets each field with ``object.__setattr__``, which costs about twice as much as
filling the slot through its descriptor; ``record`` makes the same dataclass with the cheaper
``__init__`` (same signature and defaults). Messages (``message.py``) are records too.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen, slotted dataclass whose ``__init__`` fills its slots directly."""
    made = dataclasses.dataclass(frozen=True, slots=True)(cls)
    _fill_slots_directly(made, dataclasses.fields(made))  # type: ignore[arg-type]
    return made


def _fill_slots_directly(cls: type[Any], fields: tuple[dataclasses.Field[Any], ...]) -> None:
    """Give a record an ``__init__`` that fills its slots through their descriptors; classes
    with factories, keyword-only fields or ``__post_init__`` keep the dataclass ``__init__``."""
    plain = all(f.init and not f.kw_only and f.default_factory is dataclasses.MISSING for f in fields)
    if not plain or hasattr(cls, "__post_init__"):
        return
    scope: dict[str, Any] = {}
    params, body = [], []
    for f in fields:
        scope[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            scope[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    exec(source, scope)
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
