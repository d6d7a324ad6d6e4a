"""One invalid manifest per lint rule: each asserts the message, the field path and the line."""

from __future__ import annotations

import importlib.util
import textwrap

import pytest

from argento.spec import load_documents
from argento.spec.lint import LintReport, Problem, lint_documents, lint_scans
from argento.spec.load import scan_documents

HEAD = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: t-\n"
ECHO = """\
- name: echo
  inputs:
    parameters:
    - name: msg
      default: hi
  container:
    image: alpine
    args: ["{{inputs.parameters.msg}}"]
"""


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def wf(body: str, *, entrypoint: str = "main", extra: str = "") -> str:
    """A Workflow whose spec.templates is ``body`` (YAML list items written at column 0)."""
    spec = f"spec:\n  entrypoint: {entrypoint}\n{extra}  templates:\n"
    return HEAD + spec + textwrap.indent(textwrap.dedent(body), "  ")


def run(text: str, templates: str = "") -> LintReport:
    docs = load_documents(text, filename="wf.yaml")
    tmpl_docs = load_documents(templates, filename="templates.yaml") if templates else []
    return lint_documents(docs, templates=tmpl_docs)


def line_of(text: str, marker: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line containing ``marker``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if marker in line]
    return hits[nth - 1]


def one(report: LintReport, severity: str = "error") -> Problem:
    found = [p for p in report.problems if p.severity == severity]
    assert len(found) == 1, [p.format() for p in report.problems]
    return found[0]


def expect(
    text: str,
    path: str,
    message: str,
    marker: str,
    *,
    severity: str = "error",
    templates: str = "",
    nth: int = 1,
) -> None:
    problem = one(run(text, templates), severity)
    assert (problem.path, problem.message) == (path, message), problem.format()
    assert problem.location.startswith(f"wf.yaml:{line_of(text, marker, nth)}:"), problem.format()
    assert problem.file == "wf.yaml"


STEPS = """\
- name: main
  steps:
  - - name: a
      template: echo
"""


def test_valid_workflow_has_no_problems() -> None:
    report = run(wf(STEPS + ECHO))
    assert report.problems == []
    assert report.files == 1 and report.ok


def test_entrypoint_must_exist() -> None:
    text = wf(STEPS + ECHO, entrypoint="nope")
    expect(text, "spec.entrypoint", "template name 'nope' undefined", "entrypoint: nope")


def test_entrypoint_is_required_for_a_workflow() -> None:
    text = HEAD + "spec:\n  templates:\n  - name: main\n    suspend: {}\n"
    expect(text, "spec.entrypoint", "spec.entrypoint is required", "spec:")


def test_step_template_must_exist() -> None:
    text = wf(STEPS.replace("template: echo", "template: ech0") + ECHO)
    expect(text, "spec.templates[0].steps[0][0].template", "template name 'ech0' undefined", "template: ech0")


WT = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: lib
spec:
  entrypoint: hello
  templates:
  - name: hello
    inputs:
      parameters:
      - name: who
    container:
      image: alpine
      args: ["{{inputs.parameters.who}}"]
"""


def test_template_ref_must_resolve() -> None:
    call = """\
    - name: main
      dag:
        tasks:
        - name: a
          templateRef: {name: lib, template: hello}
          arguments: {parameters: [{name: who, value: me}]}
    """
    text = wf(call)
    expect(
        text,
        "spec.templates[0].dag.tasks[0].templateRef",
        'template reference lib.hello not found: workflowtemplates.argoproj.io "lib" not found: '
        "WorkflowTemplate 'lib' is not among the linted files (pass it too, or use --templates DIR)",
        "templateRef:",
    )
    assert run(text, templates=WT).problems == []
    missing = text.replace("template: hello", "template: bye")
    expect(
        missing,
        "spec.templates[0].dag.tasks[0].templateRef.template",
        "template reference lib.bye not found",
        "templateRef:",
        templates=WT,
    )
    # the referenced template's required inputs must be supplied
    unsupplied = "".join(line + "\n" for line in text.splitlines() if "arguments:" not in line)
    expect(
        unsupplied,
        "spec.templates[0].dag.tasks[0]",
        "inputs.parameters.who was not supplied",
        "- name: a",
        templates=WT,
    )


def test_workflow_template_ref() -> None:
    text = (
        HEAD
        + "spec:\n  arguments:\n    parameters: [{name: who, value: x}]\n  workflowTemplateRef:\n    name: lib\n"
    )
    assert run(text, templates=WT).problems == []
    expect(
        text.replace("name: lib", "name: lob"),
        "spec.workflowTemplateRef",
        'workflowtemplates.argoproj.io "lob" not found: '
        "WorkflowTemplate 'lob' is not among the linted files (pass it too, or use --templates DIR)",
        "workflowTemplateRef:",
        templates=WT,
    )


def test_exactly_one_template_type() -> None:
    text = wf(STEPS + ECHO + "- name: empty\n  inputs: {}\n")
    expect(
        text,
        "spec.templates[2]",
        "template type unspecified. choose one of: container, containerSet, steps, script, resource, dag, "
        "suspend, template, template ref",
        "- name: empty",
    )
    both = wf(STEPS + ECHO.replace("  container:", "  suspend: {}\n  container:"))
    problem = one(run(both))
    assert problem.path == "spec.templates[1]" and problem.message.startswith(
        "multiple template types specified"
    )


DAG = """\
- name: main
  dag:
    tasks:
    - name: a
      template: echo
    - name: b
      depends: a
      template: echo
"""


def test_dag_cycle() -> None:
    text = wf(
        DAG.replace(
            "    - name: a\n      template: echo", "    - name: a\n      depends: b\n      template: echo"
        )
        + ECHO
    )
    expect(text, "spec.templates[0].dag.tasks[0]", "dependency cycle detected: a->b->a", "- name: a")


def test_unknown_dependency() -> None:
    text = wf(DAG.replace("depends: a", "dependencies: [zz]") + ECHO)
    expect(
        text,
        "spec.templates[0].dag.tasks[1].dependencies[0]",
        "dependency 'zz' not defined",
        "dependencies: [zz]",
    )


def test_depends_names_must_exist() -> None:
    text = wf(DAG.replace("depends: a", "depends: a.Succeeded || zz.Failed") + ECHO)
    expect(text, "spec.templates[0].dag.tasks[1].depends", "dependency 'zz' not defined", "depends:")


def test_depends_result_must_be_known() -> None:
    text = wf(DAG.replace("depends: a", "depends: a.Finished") + ECHO)
    problem = one(run(text))
    assert problem.path == "spec.templates[0].dag.tasks[1].depends"
    assert "Finished" in problem.message


def test_items_based_depends_needs_a_loop() -> None:
    text = wf(DAG.replace("depends: a", "depends: a.AnySucceeded") + ECHO)
    expect(
        text,
        "spec.templates[0].dag.tasks[1].depends",
        "dependency 'a' uses an items-based condition such as .AnySucceeded or .AllFailed but does not contain "
        "any items",
        "depends:",
    )


@pytest.mark.skipif(not _has("argento.expr.depends"), reason="argento.expr.depends not built yet")
def test_depends_grammar() -> None:
    text = wf(DAG.replace("depends: a", 'depends: "a &&"') + ECHO)
    problem = one(run(text))
    assert problem.path == "spec.templates[0].dag.tasks[1].depends"
    assert problem.message.startswith("invalid depends 'a &&': expected a task name")
    assert problem.location.startswith(f"wf.yaml:{line_of(text, 'depends:')}:")


def test_depends_and_dependencies_do_not_mix() -> None:
    text = wf(
        DAG.replace(
            "    - name: a\n      template: echo",
            "    - name: a\n      dependencies: []\n      template: echo",
        ).replace("depends: a", "depends: a\n      dependencies: [a]")
        + ECHO
    )
    expect(
        text,
        "spec.templates[0].dag.tasks[1].dependencies",
        "cannot use both 'depends' and 'dependencies' in the same DAG template",
        "dependencies: [a]",
    )


def test_continue_on_with_depends() -> None:
    text = wf(DAG.replace("depends: a", "depends: a\n      continueOn: {failed: true}") + ECHO)
    expect(
        text,
        "spec.templates[0].dag.tasks[1].continueOn",
        "cannot use 'continueOn' when using 'depends'. Instead use 'dep-task.Failed'/'dep-task.Errored'",
        "continueOn:",
    )


def test_task_name_starting_with_digit() -> None:
    text = wf(DAG.replace("name: a\n", "name: 1a\n").replace("depends: a", "depends: 1a") + ECHO)
    problem = [p for p in run(text).errors if p.path == "spec.templates[0].dag.tasks[0].name"]
    assert problem and problem[0].message == (
        "name cannot begin with a digit when using either 'depends' or 'dependencies'"
    )


def test_duplicate_names() -> None:
    text = wf(STEPS + ECHO + ECHO)
    problem = one(run(text))
    assert (problem.path, problem.message) == ("spec.templates[2].name", "name 'echo' is not unique")
    assert problem.location.startswith(f"wf.yaml:{line_of(text, '- name: echo', 2)}:")
    text = wf(DAG.replace("name: b", "name: a").replace("depends: a", "depends: ''") + ECHO)
    expect(text, "spec.templates[0].dag.tasks[1].name", "name 'a' is not unique", "- name: a", nth=2)
    text = wf(
        STEPS.replace("      template: echo", "      template: echo\n    - name: a\n      template: echo")
        + ECHO
    )
    problem = one(run(text))
    assert (problem.path, problem.message) == ("spec.templates[0].steps[0][1].name", "name 'a' is not unique")
    text = wf(
        STEPS
        + ECHO.replace(
            "    - name: msg\n      default: hi",
            "    - name: msg\n      default: hi\n    - name: msg\n      default: ho",
        )
    )
    problem = one(run(text))
    assert (problem.path, problem.message) == (
        "spec.templates[1].inputs.parameters[1].name",
        "name 'msg' is not unique",
    )


def test_name_format_and_length() -> None:
    text = wf(STEPS.replace("name: a", "name: a_b") + ECHO)
    problem = one(run(text))
    assert problem.path == "spec.templates[0].steps[0][0].name"
    assert problem.message.startswith(
        "name 'a_b' is invalid: name must consist of alpha-numeric characters or '-'"
    )
    long = "x" * 129
    text = wf(
        STEPS.replace("template: echo", f"template: {long}") + ECHO.replace("name: echo", f"name: {long}")
    )
    problem = one(run(text))
    assert problem.path == "spec.templates[1].name"
    assert "must be no more than 128 characters" in problem.message


def test_unresolved_input_variable() -> None:
    text = wf(
        STEPS + ECHO.replace('args: ["{{inputs.parameters.msg}}"]', 'args: ["{{inputs.parameters.nope}}"]')
    )
    expect(
        text, "spec.templates[1].container.args[0]", "failed to resolve {{inputs.parameters.nope}}", "args:"
    )


def test_workflow_parameters_scope() -> None:
    body = STEPS.replace(
        "template: echo",
        "template: echo\n      arguments: {parameters: [{name: msg, value: '{{workflow.parameters.who}}'}]}",
    )
    text = wf(body + ECHO)
    expect(
        text,
        "spec.templates[0].steps[0][0].arguments.parameters[0].value",
        "failed to resolve {{workflow.parameters.who}}",
        "arguments:",
    )
    ok = wf(body + ECHO, extra="  arguments:\n    parameters: [{name: who}]\n")
    assert run(ok).problems == []
    # a WorkflowTemplate may use parameters the submitting Workflow supplies
    template = text.replace("kind: Workflow", "kind: WorkflowTemplate").replace("generateName: t-", "name: t")
    assert run(template).problems == []


def test_steps_outputs_only_from_earlier_groups() -> None:
    body = """\
    - name: main
      steps:
      - - name: a
          template: echo
          arguments: {parameters: [{name: msg, value: "{{steps.b.outputs.result}}"}]}
      - - name: b
          template: echo
    """
    text = wf(textwrap.dedent(body) + ECHO)
    expect(
        text,
        "spec.templates[0].steps[0][0].arguments.parameters[0].value",
        "failed to resolve {{steps.b.outputs.result}}",
        "arguments:",
    )
    same_group = wf(
        "- name: main\n  steps:\n  - - name: b\n      template: echo\n    - name: a\n      template: echo\n"
        '      arguments: {parameters: [{name: msg, value: "{{steps.b.outputs.result}}"}]}\n' + ECHO
    )
    problem = one(run(same_group), "warning")
    assert problem.message == "steps.b is in the same step group; its outputs do not exist yet"


def test_tasks_scope_follows_dependencies() -> None:
    body = DAG.replace(
        "depends: a\n      template: echo",
        "depends: a\n      template: echo\n    - name: c\n      template: echo\n"
        "      arguments: {parameters: [{name: msg, value: 'x{{tasks.a.status}}'}]}",
    )
    text = wf(body + ECHO)
    expect(
        text,
        "spec.templates[0].dag.tasks[2].arguments.parameters[0].value",
        "failed to resolve {{tasks.a.status}}",
        "x{{tasks.a.status}}",
    )
    outputs = text.replace("x{{tasks.a.status}}", "x{{tasks.a.outputs.result}}")
    problem = one(run(outputs), "warning")
    assert problem.message == "task 'a' is not a dependency of 'c'; its outputs may not exist yet"
    assert run(outputs.replace("- name: c\n", "- name: c\n        depends: a\n")).problems == []


def test_argument_from_task_needs_dependency() -> None:
    body = DAG.replace(
        "depends: a\n      template: echo",
        "template: echo\n      arguments: {parameters: [{name: msg, value: '{{tasks.a.outputs.result}}'}]}",
    )
    problem = [p for p in run(wf(body + ECHO)).errors]
    assert [(p.path, p.message) for p in problem] == [
        (
            "spec.templates[0].dag.tasks[1].arguments.parameters[0].value",
            "missing dependency 'a' for parameter 'msg'",
        )
    ]


@pytest.mark.skipif(not _has("argento.expr.govaluate"), reason="argento.expr.govaluate not built yet")
def test_when_syntax() -> None:
    text = wf(STEPS.replace("template: echo", 'template: echo\n      when: "{{workflow.name}} == ("') + ECHO)
    problem = one(run(text))
    assert problem.path == "spec.templates[0].steps[0][0].when"
    assert problem.message == "invalid when expression '{{workflow.name}} == (': Unbalanced parenthesis"


@pytest.mark.skipif(not _has("argento.expr.lang"), reason="argento.expr.lang not built yet")
def test_expression_syntax() -> None:
    text = wf(STEPS + ECHO.replace('args: ["{{inputs.parameters.msg}}"]', 'args: ["{{=1 +}}"]'))
    problem = one(run(text))
    assert problem.path == "spec.templates[1].container.args[0]"
    assert problem.message.startswith("invalid expression {{=1 +}}")


def test_unclosed_tag() -> None:
    text = wf(
        STEPS + ECHO.replace('args: ["{{inputs.parameters.msg}}"]', 'args: ["{{inputs.parameters.msg"]')
    )
    problem = one(run(text))
    assert problem.path == "spec.templates[1].container.args[0]"
    assert "end tag" in problem.message


def test_required_input_must_be_supplied() -> None:
    text = wf(STEPS + ECHO.replace("      default: hi\n", ""))
    expect(text, "spec.templates[0].steps[0][0]", "inputs.parameters.msg was not supplied", "- - name: a")
    entry = wf(ECHO.replace("      default: hi\n", ""), entrypoint="echo")
    expect(entry, "spec", "inputs.parameters.msg was not supplied", "spec:")


def test_enum() -> None:
    extra = "  arguments:\n    parameters:\n    - name: size\n      value: XL\n      enum: [S, M]\n"
    text = wf(STEPS + ECHO, extra=extra)
    expect(
        text,
        "spec.arguments.parameters[0].value",
        "spec.arguments.size.value should be present in spec.arguments.size.enum list",
        "value: XL",
    )
    call = wf(
        STEPS.replace(
            "template: echo", "template: echo\n      arguments: {parameters: [{name: msg, value: x}]}"
        )
        + ECHO.replace("default: hi", "default: hi\n      enum: [hi, ho]")
    )
    expect(
        call,
        "spec.templates[0].steps[0][0].arguments",
        "value 'x' of inputs.parameters.msg is not in its enum ['hi', 'ho']",
        "arguments:",
    )


def test_leaf_only_fields() -> None:
    text = wf(STEPS.replace("  steps:", "  activeDeadlineSeconds: 5\n  steps:") + ECHO)
    expect(
        text,
        "spec.templates[0].activeDeadlineSeconds",
        "activeDeadlineSeconds is only valid for leaf templates",
        "activeDeadlineSeconds",
    )
    text = wf(STEPS + ECHO.replace("  container:", "  parallelism: 2\n  container:"))
    expect(
        text,
        "spec.templates[1].parallelism",
        "parallelism is only valid for steps and dag templates",
        "parallelism",
    )
    text = wf(DAG.replace("  dag:", "  timeout: 10s\n  dag:") + ECHO)
    expect(text, "spec.templates[0].timeout", "DAG template doesn't support timeout field", "timeout:")


def test_outputs_value_from_rules() -> None:
    out = "  outputs:\n    parameters:\n    - name: o\n      valueFrom: {parameter: x}\n"
    text = wf(STEPS + ECHO.replace("  container:", out + "  container:"))
    expect(
        text,
        "spec.templates[1].outputs.parameters[0].valueFrom",
        "valueFrom.path must be specified for Container templates",
        "valueFrom:",
    )
    text = wf(
        STEPS + ECHO.replace("  container:", "  outputs:\n    parameters:\n    - name: o\n  container:")
    )
    expect(
        text,
        "spec.templates[1].outputs.parameters[0]",
        "outputs.parameters.o does not have valueFrom or value specified",
        "- name: o",
    )


def test_on_exit_must_exist() -> None:
    text = wf(STEPS + ECHO, extra="  onExit: bye\n")
    expect(text, "spec.onExit", "template name 'bye' undefined", "onExit: bye")


def test_unknown_field_is_an_error() -> None:
    text = wf(STEPS + ECHO.replace("    image: alpine", "    image: alpine\n    imagee: x"))
    expect(text, "spec.templates[1].container.imagee", 'unknown field "imagee"', "imagee")


def test_fields_ignored_locally_warn_once_per_file() -> None:
    text = wf(
        STEPS.replace("  steps:", "  nodeSelector: {a: b}\n  steps:")
        + ECHO.replace("  container:", "  nodeSelector: {a: b}\n  container:")
    )
    report = run(text)
    assert report.errors == []
    (warning,) = report.warnings
    assert warning.path == "spec.templates[0].nodeSelector"
    assert warning.message == "nodeSelector has no effect when running locally (Kubernetes only)"
    assert warning.location.startswith(f"wf.yaml:{line_of(text, 'nodeSelector')}:")


def test_volumes_other_than_empty_dir_warn() -> None:
    vols = "  volumes:\n  - name: scratch\n    emptyDir: {}\n  - name: data\n    hostPath: {path: /data}\n"
    text = wf(STEPS + ECHO, extra=vols)
    expect(
        text,
        "spec.volumes[1].hostPath",
        "hostPath volume 'data' is not supported when running locally (only emptyDir and volumeClaimTemplates are)",
        "hostPath",
        severity="warning",
    )


def test_hooks_need_an_expression() -> None:
    text = wf(
        STEPS.replace("template: echo", "template: echo\n      hooks:\n        running: {template: echo}")
        + ECHO
    )
    expect(
        text,
        "spec.templates[0].steps[0][0].hooks.running",
        "templates.main.steps[0].a.running Expression required",
        "running:",
    )


def test_only_one_loop_kind() -> None:
    text = wf(
        STEPS.replace("template: echo", "template: echo\n      withItems: [1]\n      withParam: '[1]'") + ECHO
    )
    expect(
        text,
        "spec.templates[0].steps[0][0]",
        "only one of withItems, withParam, withSequence can be specified",
        "- - name: a",
    )


def test_retry_policy() -> None:
    text = wf(STEPS + ECHO.replace("  container:", "  retryStrategy: {retryPolicy: Sometimes}\n  container:"))
    expect(
        text,
        "spec.templates[1].retryStrategy.retryPolicy",
        "Sometimes is not a valid RetryPolicy",
        "retryStrategy",
    )


def test_container_image_required() -> None:
    text = wf(STEPS + ECHO.replace("    image: alpine\n", ""))
    expect(text, "spec.templates[1].container.image", "container.image may not be empty", "container:")


def test_resource_template_rules() -> None:
    res = "- name: main\n  resource:\n    action: explode\n    manifest: |\n      kind: ConfigMap\n"
    expect(
        wf(res),
        "spec.templates[0].resource.action",
        "resource.action must be one of: get, create, apply, delete, replace, patch",
        "action: explode",
    )
    bad = "- name: main\n  resource:\n    action: create\n    manifest: 'a: [b'\n"
    expect(
        wf(bad), "spec.templates[0].resource.manifest", "resource.manifest must be a valid yaml", "manifest:"
    )


def test_metric_name() -> None:
    metric = "  metrics:\n    prometheus:\n    - name: bad-name\n      help: h\n      counter: {value: '1'}\n"
    text = wf(STEPS + ECHO.replace("  container:", metric + "  container:"))
    expect(
        text,
        "spec.templates[1].metrics.prometheus[0].name",
        "metric name 'bad-name' is invalid. Metric names must contain alphanumeric characters or '_'",
        "bad-name",
    )


def test_cron_workflow_rules() -> None:
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nmetadata: {name: c}\nspec:\n"
        "  schedules: ['* * *']\n  concurrencyPolicy: Sometimes\n  workflowSpec:\n    entrypoint: main\n"
        "    templates:\n    - name: main\n      suspend: {}\n"
    )
    report = run(text)
    assert [(p.path, p.message) for p in report.errors] == [
        (
            "spec.schedules[0]",
            "cron schedule * * * is malformed: expected exactly 5 fields, found 3: [* * *]",
        ),
        ("spec.concurrencyPolicy", "'Sometimes' is not a valid concurrencyPolicy"),
    ]


def test_load_errors_become_lint_errors_and_foreign_documents_are_skipped() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" + HEAD + "spec:\n  entrypoint: [x]\n"
    report = lint_scans([scan_documents(text, filename="wf.yaml")])
    (problem,) = report.errors
    assert (problem.path, problem.location) == ("spec.entrypoint", f"wf.yaml:{line_of(text, 'entrypoint')}:3")
    assert [s.kind for s in report.skipped] == ["ConfigMap"]
    assert report.summary() == "1 files, 1 errors, 0 warnings"
