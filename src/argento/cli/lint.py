"""``argento lint``: check Argo manifests with Argo's validation rules."""

from __future__ import annotations

import json
from pathlib import Path

import click

from argento.errors import SpecError


@click.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--templates",
    "templates",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="File or directory of WorkflowTemplates/ClusterWorkflowTemplates that templateRefs may name "
    "(repeatable). Templates among PATHS are used too.",
)
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--summary", is_flag=True, help="Print only the summary line (text) or the summary object (json)."
)
def lint(paths: tuple[Path, ...], templates: tuple[Path, ...], output: str, summary: bool) -> None:
    """Check Argo manifests (files, or directories walked for *.yaml, *.yml, *.json).

    Applies Argo's validation rules: template references, DAG dependencies and cycles, `depends` and
    `when` syntax, unresolved {{…}} variables, parameter and enum checks, name rules, and more. Fields
    Argento ignores locally (affinity, tolerations, nodeSelector, …) are warnings.

    Documents that are not Argo resources (a ConfigMap, a PVC, …) are reported as skipped, as `argo lint`
    ignores them. An image with no local runtime mapping (docs/images.md) is a warning, once per image: its
    steps run on the host. Exits 1 when there is any error.

    \b
    Example:
      argento lint examples/ --templates examples/workflow-template/
      argento lint workflow.yaml -o json
    """
    from argento.config import Settings
    from argento.executors.images import image_check
    from argento.spec.lint import lint_paths
    from argento.spec.load import manifest_files

    if not manifest_files(paths):
        raise SpecError(f"no manifests (*.yaml, *.yml, *.json) found in {', '.join(map(str, paths))}")
    report = lint_paths(paths, templates=templates, images=image_check(Settings.from_env()))
    if output == "json":
        data = report.to_dict()
        click.echo(json.dumps(data["summary"] if summary else data, indent=2))
    else:
        if not summary:
            for problem in report.problems:
                click.echo(problem.format())
            for skipped in report.skipped:
                what = skipped.kind or "document"
                click.echo(f"{skipped.location}: skipped: {what}: {skipped.reason}")
        click.echo(report.summary())
    if report.errors:
        click.get_current_context().exit(1)
