"""Harness of the Argo fact suite: a workflow in, Argo's observable result out.

Every test here states one fact of Argo's behaviour, taken from Argo's own code or tests, and names its source
with ``@pytest.mark.fact(category, source)`` (``source`` = the Argo test or function, e.g.
``workflow/controller/operator_test.go:TestRetryStrategyNodes``). The facts run workflows through the same
path as ``argento run`` (lint, then the engine on the real local executor, artifacts and secrets in the test's
own ARGENTO_HOME), so they judge what users meet, not an internal shortcut.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.conformance.argo_facts._cli import cli, cli_server  # noqa: F401  (the CLI facts' fixtures)

from argento.config import Settings


@dataclass
class Run:
    """The outcome of one workflow: the final resource, and its nodes indexed for assertions."""

    workflow: dict[str, Any]

    @property
    def status(self) -> dict[str, Any]:
        return self.workflow.get("status") or {}

    @property
    def phase(self) -> str:
        return str(self.status.get("phase", ""))

    @property
    def message(self) -> str:
        return str(self.status.get("message", ""))

    @property
    def nodes(self) -> dict[str, dict[str, Any]]:
        """Nodes by ``name`` (Argo's dotted path, e.g. ``wf.A(0)``)."""
        return {n["name"]: n for n in (self.status.get("nodes") or {}).values()}

    def by_display(self, display_name: str) -> list[dict[str, Any]]:
        """Every node whose ``displayName`` is ``display_name`` (loops and retries give several)."""
        return [n for n in (self.status.get("nodes") or {}).values() if n.get("displayName") == display_name]

    def node(self, display_name: str) -> dict[str, Any]:
        """The one node shown as ``display_name`` (fails when there are none or several)."""
        found = self.by_display(display_name)
        assert len(found) == 1, f"{len(found)} nodes named {display_name!r}: {sorted(self.nodes)}"
        return found[0]


@dataclass
class ArgoFacts:
    """Runs and lints manifests given as YAML text (dedented), in the test's own ARGENTO_HOME."""

    settings: Settings
    tmp: Path
    configure: list[Callable[[Any], None]] = field(default_factory=list)

    def _write(self, text: str, name: str = "wf.yaml") -> Path:
        path = self.tmp / name
        path.write_text(textwrap.dedent(text).lstrip())
        return path

    def run(
        self,
        text: str,
        *,
        parameters: dict[str, str] | None = None,
        entrypoint: str | None = None,
        templates: str | None = None,
        lint: bool = True,
        time_scale: float = 1.0,
    ) -> Run:
        """Run the first Workflow of ``text`` as ``argento run`` does (``templates``: more manifests, e.g.
        WorkflowTemplates and ConfigMaps, in a second file)."""
        from argento.artifacts import build_driver
        from argento.engine import RunOptions, WorkflowRunner
        from argento.engine.inputs import load_run_inputs
        from argento.secrets import SecretResolver, SecretStore
        from argento.tracking import StepPlatform

        file = self._write(text)
        extra = [self._write(templates, "templates.yaml")] if templates else []
        inputs = load_run_inputs(file, extra)
        if lint:
            self.raise_lint_errors(inputs)
        options = RunOptions(
            settings=self.settings,
            entrypoint=entrypoint,
            parameters=dict(parameters or {}),
            registry=inputs.registry,
            configmaps=inputs.configmaps,
            time_scale=time_scale,
        )
        options.secrets = SecretResolver(SecretStore(self.settings.home))
        options.artifacts = build_driver(self.settings, configmaps=inputs.configmaps, secrets=options.secrets)
        options.platform = StepPlatform.from_settings(self.settings)
        for hook in self.configure:
            hook(options)

        async def go() -> dict[str, Any]:
            runner = WorkflowRunner(inputs.workflow, options)
            try:
                return await runner.run()
            finally:
                if runner._executor is not None:
                    await runner._executor.close()

        return Run(asyncio.run(go()))

    @staticmethod
    def raise_lint_errors(inputs: Any) -> None:
        from argento.errors import SpecError, SpecErrors
        from argento.spec.lint import lint_documents

        report = lint_documents([inputs.document], templates=inputs.template_documents)
        if report.errors:
            raise SpecErrors([SpecError(p.message, path=p.path, location=p.location) for p in report.errors])

    def lint(self, text: str) -> list[Any]:
        """Every lint problem (errors and warnings) of ``text``, as ``argento lint`` reports them."""
        from argento.spec.lint import lint_paths

        return list(lint_paths([self._write(text, "lint.yaml")]).problems)

    def lint_errors(self, text: str) -> list[str]:
        """The messages of the lint errors of ``text`` (empty: Argo accepts it)."""
        return [p.message for p in self.lint(text) if p.severity == "error"]


@pytest.fixture
def argo(settings: Settings, tmp_path: Path) -> ArgoFacts:
    """The fact harness (see the module docstring)."""
    return ArgoFacts(settings, tmp_path)
