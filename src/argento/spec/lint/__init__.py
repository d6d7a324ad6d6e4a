"""``argento lint``: Argo's validation rules over loaded documents.

Rules mirror Argo's ``workflow/validate`` (message wording included where sensible) and are grouped by
family: :mod:`.fields` (unknown / ignored-locally fields), :mod:`.resource` (entrypoint, onExit, hooks,
arguments, cron), :mod:`.templates` (template types, leaf-only fields, outputs), :mod:`.flow` (steps and DAG:
names, dependencies, cycles, targets), :mod:`.calls` (arguments, required inputs, enum, hooks, ``when``) and
:mod:`.scope` (which ``{{…}}`` variables resolve where).

Unlike Argo, which stops at the first problem, every problem is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from argento.spec.lint.context import Registry
from argento.spec.lint.expressions import ExpressionChecker
from argento.spec.lint.report import LintReport, Problem
from argento.spec.lint.resource import lint_document
from argento.spec.load import Document, Scan, manifest_files, scan_file

__all__ = ["LintReport", "Problem", "lint_documents", "lint_paths", "lint_scans"]


def lint_documents(docs: Sequence[Document], *, templates: Iterable[Document] = ()) -> LintReport:
    """Lint ``docs``; ``templates`` (and the WorkflowTemplates among ``docs``) resolve ``templateRef``."""
    docs = list(docs)
    registry = Registry([*docs, *templates])
    exprs = ExpressionChecker()
    report = LintReport(files=len({d.filename for d in docs}))
    for doc in docs:
        report.problems.extend(lint_document(doc, registry, exprs))
    report.problems.sort(key=_order)
    return report


def lint_scans(scans: Sequence[Scan], *, templates: Iterable[Document] = ()) -> LintReport:
    """Lint what :func:`~argento.spec.load.scan_file` found: load errors become lint errors."""
    docs = [d for scan in scans for d in scan.documents]
    report = lint_documents(docs, templates=templates)
    report.files = len(scans)
    for scan in scans:
        report.skipped.extend(scan.skipped)
        for err in scan.errors:
            file = err.location.split(":", 1)[0] if err.location else ""
            report.problems.append(Problem("error", err.message, err.path, err.location, file))
    report.problems.sort(key=_order)
    return report


def lint_paths(paths: Iterable[str | Path], *, templates: Iterable[str | Path] = ()) -> LintReport:
    """Lint files and directories; ``templates`` are files/directories of WorkflowTemplates to resolve against."""
    scans = [scan_file(p) for p in manifest_files(paths)]
    template_docs = [d for p in manifest_files(templates) for d in scan_file(p).documents]
    return lint_scans(scans, templates=template_docs)


def _order(problem: Problem) -> tuple[str, int, int]:
    parts = problem.location.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return (parts[0], int(parts[1]), int(parts[2]))
    return (problem.location or problem.file, 0, 0)
