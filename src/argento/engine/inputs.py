"""Collect what a run needs from manifest files: the Workflow, WorkflowTemplates, ConfigMaps."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argento.engine.resolve import TemplateRegistry
from argento.errors import SpecError, SpecErrors
from argento.spec import Document, manifest_files, scan_file


@dataclass
class RunInputs:
    """The workflow to run and everything it may reference."""

    workflow: dict[str, Any]
    document: Document
    registry: TemplateRegistry = field(default_factory=TemplateRegistry)
    configmaps: dict[str, dict[str, str]] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)
    template_documents: list[Document] = field(default_factory=list)


def _collect(
    path: Path, inputs_docs: list[Document], configmaps: dict[str, dict[str, str]], errors: list[SpecError]
) -> None:
    scan = scan_file(path)
    errors.extend(scan.errors)
    inputs_docs.extend(scan.documents)
    for skipped in scan.skipped:
        raw = skipped.raw
        if isinstance(raw, dict) and raw.get("kind") == "ConfigMap":
            name = (raw.get("metadata") or {}).get("name", "")
            configmaps[name] = {
                str(k): "" if v is None else str(v) for k, v in (raw.get("data") or {}).items()
            }


def load_run_inputs(
    file: str | Path, template_dirs: list[str | Path] | None = None, *, strict_templates: bool = True
) -> RunInputs:
    """Read ``file`` (its first Workflow is run) and ``template_dirs`` (WorkflowTemplates, ConfigMaps).

    With ``strict_templates=False`` a broken file among the templates is ignored instead of failing the run.
    """
    errors: list[SpecError] = []
    docs: list[Document] = []
    configmaps: dict[str, dict[str, str]] = {}
    _collect(Path(file), docs, configmaps, errors)
    extra: list[Document] = []
    for path in manifest_files(template_dirs or []):
        if Path(path).resolve() != Path(file).resolve():
            _collect(path, extra, configmaps, errors if strict_templates else [])
    if errors:
        raise errors[0] if len(errors) == 1 else SpecErrors(errors)
    workflows = [d for d in docs if d.kind == "Workflow"]
    if not workflows:
        kinds = ", ".join(sorted({d.kind for d in docs})) or "no Argo resources"
        raise SpecError(f"{file}: no Workflow to run (found {kinds})")
    registry = TemplateRegistry()
    for doc in docs + extra:
        if doc.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
            registry.add(copy.deepcopy(doc.raw))
    return RunInputs(
        workflow=copy.deepcopy(workflows[0].raw),
        document=workflows[0],
        registry=registry,
        configmaps=configmaps,
        documents=docs,
        template_documents=[
            d for d in docs + extra if d.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate")
        ],
    )
