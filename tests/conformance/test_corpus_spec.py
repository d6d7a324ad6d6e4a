"""The Argo corpus through ``argento.spec``: every resource loads and round-trips losslessly, lint is clean on
what Argo runs, and what Argo refuses is refused (``shared/argo-corpus/INDEX.tsv`` says which is which)."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from argo_corpus import CORPUS, PRESENT, REASON

from argento.spec import dump
from argento.spec.lint import LintReport, Problem, lint_scans
from argento.spec.load import Scan, scan_file

if not PRESENT:
    pytest.skip(REASON, allow_module_level=True)

pytestmark = pytest.mark.conformance

ARGO_KINDS = {
    "Workflow",
    "WorkflowTemplate",
    "ClusterWorkflowTemplate",
    "CronWorkflow",
    "WorkflowEventBinding",
}
#: Outcomes that say the file is meant to be accepted (run, or loaded as a dependency).
ACCEPTED = frozenset({"Succeeded", "Failed", "see-e2e-notes", "status-in-file", "-"})

#: Files Argo's own harness accepts but a strict reading does not; each with the lint error we expect and why.
KNOWN_LINT_ERRORS = {
    # upstream typo `dbapiVersion:`; Argo's e2e fixtures decode leniently (argo lint would refuse it too)
    "e2e/synchronization/mutex-wf-level.yaml": 'unknown field "dbapiVersion"',
    "e2e/synchronization/db-mutex-wf-level.yaml": 'unknown field "dbapiVersion"',
    # reference the templates of e2e/malformed/, which are refused on load; Argo's test expects the run to fail
    "e2e/wellformed/wellformed-workflow-with-malformed-workflow-template-ref.yaml": "WorkflowTemplate 'malformed'",
    "e2e/wellformed/wellformed-workflow-with-malformed-cluster-workflow-template-ref.yaml": (
        "ClusterWorkflowTemplate 'malformed'"
    ),
    # a template fixture with the typo `entrypoints:` (the e2e suite checks that it is refused)
    "e2e/workflow-templates/invalid-workflowtemplate.yaml": 'unknown field "entrypoints"',
    # not YAML on purpose
    "e2e/smoke/basic-invalid.yaml": "malformed YAML",
    # a CronWorkflow next to a WorkflowTemplate whose template has no name (the e2e "malformed template" case)
    "e2e/cron/cron-and-malformed-template.yaml": "template name is required",
}
#: Expected to end Failed/Error because Argo's validation refuses them at submit time.
FAILED_BY_VALIDATION = {
    "e2e/expectedfailures/empty-parameter-dag.yaml": "inputs.parameters.message was not supplied",
    "e2e/expectedfailures/empty-parameter-steps.yaml": "inputs.parameters.message was not supplied",
    "e2e/expectedfailures/misreference-template-name.yaml": "template name 'hell0' undefined",
    # `generateName: dag-hang-failFast-` has upper case: the Kubernetes API server refuses to create it
    # (apimachinery ValidateObjectMeta → NameIsDNSSubdomain(prefix=true)); no Argo e2e test submits it
    "e2e/expectedfailures/dag-failFast-hang.yaml": 'Invalid value: "dag-hang-failFast-"',
}


@dataclass(frozen=True)
class Entry:
    path: str
    kinds: frozenset[str]
    expected: str

    @property
    def holds_argo(self) -> bool:
        return bool(self.kinds & ARGO_KINDS) or self.path.startswith("controller-fixtures/")


def _index() -> list[Entry]:
    with (CORPUS / "INDEX.tsv").open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [Entry(r["path"], frozenset(r["kinds"].split(",")), r["expected"]) for r in rows]


INDEX = _index()


@pytest.fixture(scope="module")
def scans() -> dict[str, Scan]:
    # Argo's controller fixtures are decoded straight into a Workflow, some without apiVersion/kind.
    return {
        e.path: scan_file(
            CORPUS / e.path, default_kind="Workflow" if e.path.startswith("controller-") else None
        )
        for e in INDEX
    }


@pytest.fixture(scope="module")
def report(scans: dict[str, Scan]) -> LintReport:
    templates = [
        d
        for scan in scans.values()
        for d in scan.documents
        if d.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate")
    ]
    return lint_scans(list(scans.values()), templates=templates)


@pytest.fixture(scope="module")
def errors_by_file(report: LintReport) -> dict[str, list[Problem]]:
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for problem in report.errors:
        by_file[str(Path(problem.file).relative_to(CORPUS)) if problem.file else ""].append(problem)
    return by_file


def test_index_lists_the_whole_corpus() -> None:
    assert len(INDEX) == 449
    assert all((CORPUS / e.path).is_file() for e in INDEX)


def test_every_argo_resource_loads(scans: dict[str, Scan]) -> None:
    failures = {}
    for e in INDEX:
        if not e.holds_argo or e.expected.startswith("reject-") or e.path in KNOWN_LINT_ERRORS:
            continue
        scan = scans[e.path]
        if scan.errors or not scan.documents:
            failures[e.path] = [str(err) for err in scan.errors] or ["no Argo document"]
    assert failures == {}
    loaded = sum(len(s.documents) for s in scans.values())
    assert loaded >= 440


def test_round_trip_is_lossless(scans: dict[str, Scan]) -> None:
    mismatched = [d.filename for s in scans.values() for d in s.documents if dump(d.resource) != d.raw]
    assert mismatched == []


def test_partial_files_keep_their_good_documents(scans: dict[str, Scan]) -> None:
    scan = scans["e2e/cron/cron-and-malformed-template.yaml"]
    assert [d.kind for d in scan.documents] == ["CronWorkflow"]
    assert [e.path for e in scan.errors] == ["spec.templates[0].name"]


def test_foreign_documents_are_skipped(scans: dict[str, Scan]) -> None:
    skipped = {e.path: [s.kind for s in scans[e.path].skipped] for e in INDEX if scans[e.path].skipped}
    assert skipped["examples/configmaps/simple-parameters-configmap.yaml"] == ["ConfigMap"]
    assert skipped["examples/testvolume.yaml"] == ["PersistentVolumeClaim"]
    assert skipped["examples/grafana-dashboard.json"] == [None]


@pytest.mark.parametrize("entry", [e for e in INDEX if e.expected == "reject-on-load"], ids=lambda e: e.path)
def test_reject_on_load(entry: Entry, scans: dict[str, Scan]) -> None:
    scan = scans[entry.path]
    assert scan.documents == []
    assert scan.errors
    for err in scan.errors:
        assert err.path.startswith("spec.") and err.location.startswith(str(CORPUS / entry.path) + ":")
        assert "required" in err.message or "cannot unmarshal" in err.message


@pytest.mark.parametrize("entry", [e for e in INDEX if e.expected == "reject-on-lint"], ids=lambda e: e.path)
def test_reject_on_lint(entry: Entry, errors_by_file: dict[str, list[Problem]]) -> None:
    messages = [p.message for p in errors_by_file.get(entry.path, [])]
    assert messages, f"{entry.path} should not pass lint"
    expected = {
        "e2e/lintfail/disallow-unknown.yaml": 'unknown field "someExtraField"',
        "e2e/lintfail/invalid-spec.yaml": "template name 'doesnotexist' undefined",
        "e2e/lintfail/malformed-spec.yaml": "cannot unmarshal array",
    }[entry.path]
    assert any(expected in m for m in messages), messages


def test_lint_is_clean_on_what_argo_accepts(errors_by_file: dict[str, list[Problem]]) -> None:
    unexpected = {}
    for e in INDEX:
        accepted = e.expected in ACCEPTED or e.expected.startswith("no-oracle:")
        if not accepted or e.path in KNOWN_LINT_ERRORS:
            continue
        if errors_by_file.get(e.path):
            unexpected[e.path] = [p.format() for p in errors_by_file[e.path]]
    assert unexpected == {}


def test_known_exceptions_fail_for_the_documented_reason(errors_by_file: dict[str, list[Problem]]) -> None:
    for path, expected in {**KNOWN_LINT_ERRORS, **FAILED_BY_VALIDATION}.items():
        messages = [p.message for p in errors_by_file.get(path, [])]
        assert any(expected in m for m in messages), (path, messages)


def test_expected_failures_lint_clean_unless_argo_validation_refuses_them(
    errors_by_file: dict[str, list[Problem]],
) -> None:
    refused = {e.path for e in INDEX if e.expected == "Failed-or-Error" and errors_by_file.get(e.path)}
    assert refused == set(FAILED_BY_VALIDATION)


def test_lint_summary(report: LintReport) -> None:
    assert report.files == 449
    expected_error_files = (
        set(KNOWN_LINT_ERRORS)
        | set(FAILED_BY_VALIDATION)
        | {e.path for e in INDEX if e.expected.startswith("reject-") or e.expected == "lint-or-setup"}
    )
    files_with_errors = {str(Path(p.file).relative_to(CORPUS)) for p in report.errors}
    assert files_with_errors <= expected_error_files
