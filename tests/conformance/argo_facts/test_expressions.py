"""``{{…}}`` substitution and expr-lang (``{{=…}}``) as Argo's ``util/template`` and ``util/expr`` do them,
with the functions Argo adds (``asInt``, ``asFloat``, ``jsonpath``, ``toJson``, ``sprig.*``).

Each fact ports a case of ``util/template/replace_test.go`` / ``template_test.go`` (called on our
substitution, as Argo's tests call ``template.Replace``) or checks a function in a running workflow.
"""

from __future__ import annotations

import pytest
from tests.conformance.argo_facts._util import wf

from argento.errors import ArgentoError
from argento.expr.lang import build_env, evaluate
from argento.expr.template import substitute

CAT = "expressions"
REPLACE = "util/template/replace_test.go"


def fact(source: str):
    return pytest.mark.fact(CAT, source)


def ev(source: str, **flat: str):
    return evaluate(source, build_env(flat))


@fact(f"{REPLACE}:Test_Replace/Simple/Valid")
def test_simple_tag() -> None:
    assert substitute("{{foo}}", {"foo": "bar"}) == "bar"


@fact(f"{REPLACE}:Test_Replace/Simple/Unresolved/Allowed")
def test_unresolved_allowed_is_kept() -> None:
    assert substitute("{{foo}}", {}) == "{{foo}}"


@fact(f"{REPLACE}:Test_Replace/Simple/Unresolved/Disallowed")
def test_unresolved_disallowed() -> None:
    with pytest.raises(ArgentoError, match=r"failed to resolve \{\{foo\}\}"):
        substitute("{{foo}}", {}, strict=True)


@fact(f"{REPLACE}:Test_Replace/InvalidTemplate")
def test_unclosed_tag_is_an_error() -> None:
    with pytest.raises(ArgentoError):
        substitute("{{", {}, strict=True)


@fact(f"{REPLACE}:Test_Replace/Expression/Valid")
def test_expression_tag() -> None:
    assert substitute("{{=foo}}", {"foo": "bar"}) == "bar"


@fact(f"{REPLACE}:Test_Replace/Expression/Valid With Variadic Sprig Expression")
def test_sprig_dig() -> None:
    assert (
        substitute("{{=sprig.dig('status', nil, workflow)}}", {"workflow.status": "Succeeded"}) == "Succeeded"
    )


@fact(f"{REPLACE}:Test_Replace/Expression/Valid WorkflowStatus")
def test_ternary_on_workflow_status() -> None:
    text = '{{=workflow.status == "Succeeded" ? "SUCCESSFUL" : "FAILED"}}'
    assert substitute(text, {"workflow.status": "Succeeded"}) == "SUCCESSFUL"
    assert substitute(text, {"workflow.status": "Failed"}) == "FAILED"


@fact(f"{REPLACE}:Test_Replace/Expression/Valid WorkflowFailures")
def test_string_equality_with_escaped_json() -> None:
    text = '{{=workflow.failures == "{\\"foo\\":\\"bar\\"}" ? "SUCCESSFUL" : "FAILED"}}'
    assert substitute(text, {"workflow.failures": '{"foo":"bar"}'}) == "SUCCESSFUL"
    assert substitute(text, {"workflow.failures": '{"foo":"barr"}'}) == "FAILED"


@fact(f"{REPLACE}:Test_Replace/Expression/Unresolved/AllowedRetries")
def test_expression_with_late_variable_is_kept() -> None:
    assert substitute("{{=sprig.int(retries)}}", {}) == "{{=sprig.int(retries)}}"


@fact(f"{REPLACE}:Test_Replace/Expression/Unresolved/AllowedWorkflowStatus")
def test_expression_with_missing_status_is_kept() -> None:
    text = '{{=workflow.status == "Succeeded" ? "SUCCESSFUL" : "FAILED"}}'
    assert substitute(text, {}) == text


@fact(f"{REPLACE}:Test_Replace/Expression/Unresolved/Disallowed")
def test_expression_missing_variable_disallowed() -> None:
    with pytest.raises(ArgentoError, match="failed to evaluate expression: foo is missing"):
        substitute("{{=foo}}", {}, strict=True)


@fact(f"{REPLACE}:Test_Replace/Expression/Error")
def test_expression_syntax_error() -> None:
    with pytest.raises(ArgentoError, match="failed to evaluate expression"):
        substitute("{{=!}}", {}, strict=True)


@fact(f"{REPLACE}:TestNestedReplaceString (Go templates around a tag)")
def test_nested_go_template() -> None:
    text = '{{- with secret "{{inputs.parameters.message}}" -}}\n    {{ .Data.data.gitcreds }}\n  {{- end }}'
    assert substitute(text, {"inputs.parameters.message": "hello world"}) == (
        '{{- with secret "hello world" -}}\n    {{ .Data.data.gitcreds }}\n  {{- end }}'
    )


@fact(f"{REPLACE}:TestNestedReplaceString (an unknown inner tag leaves the text alone)")
def test_nested_unknown_left_alone() -> None:
    text = '{{- with {{ {{ }} secret "{{does-not-exist}}" -}} }}'
    assert substitute(text, {"inputs.parameters.message": "hello world"}) == text


@fact(f"{REPLACE}:TestReplaceStringWithWhiteSpace")
def test_simple_tag_with_spaces() -> None:
    assert (
        substitute("{{ inputs.parameters.message }}", {"inputs.parameters.message": "hello world"})
        == "hello world"
    )


@fact(f"{REPLACE}:TestReplaceStringWithExpression (sprig.trunc)")
def test_sprig_trunc() -> None:
    values = {"inputs.parameters.message": "hello world"}
    assert substitute("test {{= sprig.trunc(5, inputs.parameters.message) }}", values) == "test hello"
    assert substitute("test {{= sprig.trunc(-5, inputs.parameters.message) }}", values) == "test world"


@fact("util/expr/env:GetFuncMap (asInt)")
def test_as_int() -> None:
    assert ev("asInt(x) + 1", x="41") == 42


@fact("util/expr/env:GetFuncMap (asFloat)")
def test_as_float() -> None:
    assert ev("asFloat(x) * 2", x="1.25") == 2.5


@fact("util/expr/env:GetFuncMap (jsonpath)")
def test_jsonpath() -> None:
    assert ev("jsonpath(doc, '$.a.b')", doc='{"a": {"b": 7}}') == 7


@fact("util/expr/env:GetFuncMap (toJson)")
def test_to_json() -> None:
    assert ev("toJson(['a', 1])") == '["a",1]'


@fact("util/expr/env:GetFuncMap (sprig.upper, sprig.replace)")
def test_sprig_strings() -> None:
    assert ev("sprig.upper(x)", x="abc") == "ABC"
    assert ev("sprig.replace('bar', 'baz', x)", x="foobar") == "foobaz"


@fact("util/expr/env:GetFuncMap (sprig.default)")
def test_sprig_default() -> None:
    assert ev("sprig.default('d', x)", x="") == "d"


@fact("expr-lang: string, int and bool literals and operators (Argo's `when` expressions)")
def test_expr_operators() -> None:
    assert ev("1 + 2 * 3") == 7
    assert ev("'a' + 'b'") == "ab"
    assert ev("x in ['a', 'b']", x="b") is True
    assert ev("not (1 > 2) && true") is True


@fact("expr-lang: closures over arrays (filter, map, all)")
def test_expr_builtins() -> None:
    assert ev("map(filter([1, 2, 3, 4], # % 2 == 0), # * 10)") == [20, 40]
    assert ev("all([1, 2], # > 0)") is True


@fact("expr-lang: a ternary on a string")
def test_expr_ternary() -> None:
    assert ev("x == '' ? 'empty' : x", x="") == "empty"
    assert ev("x == '' ? 'empty' : x", x="v") == "v"


@fact(
    "util/template/expression_template.go:expressionReplaceCore (expr.Env: an unknown name does not compile)"
)
def test_expr_unknown_name_is_an_error() -> None:
    with pytest.raises(ArgentoError):
        ev("nope ?? 'fallback'")


@fact("util/template/expression_template.go (a number result is written as JSON)")
def test_number_result_as_json() -> None:
    assert substitute("{{=1 + 1}}", {}) == "2"
    assert substitute("{{=1.5 * 2}}", {}) == "3"


@fact("util/template/expression_template.go (a list result is written as JSON)")
def test_list_result_as_json() -> None:
    assert substitute("{{=[1, 'a']}}", {}) == '[1,"a"]'


@fact("workflow/controller/operator.go (expressions in a running workflow: inputs and globals)")
def test_expression_in_workflow(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        arguments:
          parameters: [{name: n, value: "20"}]
        templates:
        - name: main
          inputs:
            parameters: [{name: m, value: "22"}]
          script:
            image: alpine
            command: [sh]
            source: echo {{=asInt(workflow.parameters.n) + asInt(inputs.parameters.m)}}
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["result"] == "42"


@fact("workflow/controller/steps.go:shouldExecute (when: govaluate after substitution)")
def test_when_expression(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        arguments:
          parameters: [{name: go, value: "no"}]
        templates:
        - name: main
          steps:
          - - name: skipped
              template: leaf
              when: "'{{workflow.parameters.go}}' == 'yes'"
            - name: ran
              template: leaf
              when: "{{=workflow.parameters.go == 'no'}}"
        - name: leaf
          container: {image: alpine, command: [echo, hi]}
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("skipped")["phase"] == "Skipped"
    assert run.node("ran")["phase"] == "Succeeded"
