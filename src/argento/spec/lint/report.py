"""What lint finds: :class:`Problem` s collected in a :class:`LintReport`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from argento.spec.load import Skipped

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding: ``severity``, Argo-style ``message``, field ``path``, ``file:line:col`` ``location``."""

    severity: Severity
    message: str
    path: str
    location: str
    file: str

    def format(self) -> str:
        """``file:line:col: error: <path>: <message>`` (the text output of ``argento lint``)."""
        where = self.location or self.file
        return (
            f"{where}: {self.severity}: {self.path}: {self.message}"
            if self.path
            else (f"{where}: {self.severity}: {self.message}")
        )

    def to_dict(self) -> dict[str, str]:
        """The JSON form (``argento lint -o json``)."""
        return asdict(self)


@dataclass
class LintReport:
    """Every problem found, the files read, and the documents skipped because they are not Argo resources."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems of severity ``error``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems of severity ``warning``."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    def extend(self, other: LintReport) -> None:
        """Add another report's findings to this one."""
        self.problems.extend(other.problems)
        self.files += other.files
        self.skipped.extend(other.skipped)

    def summary(self) -> str:
        """``N files, E errors, W warnings``."""
        return f"{self.files} files, {len(self.errors)} errors, {len(self.warnings)} warnings"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: problems, skipped documents and a summary."""
        return {
            "problems": [p.to_dict() for p in self.problems],
            "skipped": [
                {"file": s.filename, "location": s.location, "kind": s.kind, "reason": s.reason}
                for s in self.skipped
            ],
            "summary": {"files": self.files, "errors": len(self.errors), "warnings": len(self.warnings)},
        }
