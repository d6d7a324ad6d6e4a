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
from argento.spec.lint.images import ImageCheck, check_images
from argento.spec.lint.report import LintReport, Problem
from argento.spec.lint.resource import lint_document
from argento.spec.load import Document, Scan, manifest_files, scan_file

__all__ = ["ImageCheck", "LintReport", "Problem", "lint_documents", "lint_paths", "lint_scans"]


def lint_documents(
    docs: Sequence[Document],
    *,
    templates: Iterable[Document] = (),
    images: ImageCheck | None = None,
    linted_files: bool = True,
) -> LintReport:
    """Lint ``docs``; ``templates`` (and the WorkflowTemplates among ``docs``) resolve ``templateRef``.

    ``images`` checks each image named (the local image table's ``check``): one warning per image it has
    something to say about. ``linted_files=False``: ``templates`` are stored ones (the server's), not files.
    """
    docs = list(docs)
    registry = Registry([*docs, *templates], linted_files=linted_files)
    exprs = ExpressionChecker()
    report = LintReport(files=len({d.filename for d in docs}))
    for doc in docs:
        report.problems.extend(lint_document(doc, registry, exprs))
    if images is not None:
        report.problems.extend(check_images(docs, images))
    report.problems.sort(key=_order)
    return report


def lint_scans(
    scans: Sequence[Scan], *, templates: Iterable[Document] = (), images: ImageCheck | None = None
) -> LintReport:
    """Lint what :func:`~argento.spec.load.scan_file` found: load errors become lint errors."""
    docs = [d for scan in scans for d in scan.documents]
    report = lint_documents(docs, templates=templates, images=images)
    report.files = len(scans)
    for scan in scans:
        report.skipped.extend(scan.skipped)
        for err in scan.errors:
            file = err.location.split(":", 1)[0] if err.location else ""
            report.problems.append(Problem("error", err.message, err.path, err.location, file))
    report.problems.sort(key=_order)
    return report


def lint_paths(
    paths: Iterable[str | Path], *, templates: Iterable[str | Path] = (), images: ImageCheck | None = None
) -> LintReport:
    """Lint files and directories; ``templates`` are files/directories of WorkflowTemplates to resolve against."""
    scans = [scan_file(p) for p in manifest_files(paths)]
    template_docs = [d for p in manifest_files(templates) for d in scan_file(p).documents]
    return lint_scans(scans, templates=template_docs, images=images)


def _order(problem: Problem) -> tuple[str, int, int]:
    parts = problem.location.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return (parts[0], int(parts[1]), int(parts[2]))
    return (problem.location or problem.file, 0, 0)
