"""Why: everything wrong in a scenario file is reported the same way, as problems that name the
file, the line and the field (``scenarios/web.yaml:14:7: timeline[2].node: Field required``),
all of them at once, so a user fixes a file in one pass. The loader and the manifest checks
raise ``ScenarioError``; the CLI prints it and exits non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, at ``line``:``column`` (1-based; 0 when unknown) of ``file``."""

    file: Path
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}:{self.column}" if self.line else str(self.file)
        return f"{place}: {self.field}: {self.message}" if self.field else f"{place}: {self.message}"


class ScenarioError(Exception):
    """A scenario file that cannot be run; ``problems`` says every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        heading = "the scenario file is invalid" if count == 1 else f"the scenario file has {count} problems"
        super().__init__("\n".join([heading + ":", *(f"  {p}" for p in problems)]))
