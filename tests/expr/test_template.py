"""Argo's {{…}} tags: finding, substituting (simple and expression), and what is left for lint."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argento.errors import ExpressionError
from argento.expr import Tag, find_tags, substitute, substitute_obj, unresolved_tags
from argento.expr import template as template_module

# --- find_tags ----------------------------------------------------------------------------------------------


def test_find_tags_kinds_positions_and_trimming() -> None:
    text = "echo {{ inputs.parameters.x }} and {{=1 + 1}} {{workflow.name}}"
    tags = find_tags(text)
    assert [(t.kind, t.expr) for t in tags] == [
        ("simple", "inputs.parameters.x"),
        ("expression", "1 + 1"),
        ("simple", "workflow.name"),
    ]
    for tag in tags:
        assert text[tag.start : tag.end] == tag.raw
    assert tags[0].content == " inputs.parameters.x "


def test_expression_tags_need_the_equals_sign_right_after_the_braces() -> None:
    # Argo's parseTag cuts the "=" prefix without trimming: "{{ =x}}" is a simple tag named "=x"
    (tag,) = find_tags("{{ =x}}")
    assert tag.kind == "simple"
    assert tag.expr == "=x"
    (tag,) = find_tags("{{= x }}")
    assert (tag.kind, tag.expr) == ("expression", " x ")


def test_a_tag_ends_at_the_first_closing_braces() -> None:
    (tag,) = find_tags('{{= "}}" }}')
    assert tag.expr == ' "'
    assert find_tags("no tags at all") == []
    assert find_tags("{ {x} }") == []


def test_unclosed_tag_is_an_error() -> None:
    with pytest.raises(ExpressionError, match='cannot find end tag "}}"'):
        find_tags("echo {{inputs.parameters.x")
    with pytest.raises(ExpressionError, match="cannot find end tag"):
        substitute("a {{b}} {{c", {"b": "B"})


def test_parsing_is_cached_per_string() -> None:
    text = "cached {{a}} {{b}}"
    substitute(text, {"a": "1"})
    before = template_module._parse.cache_info().hits
    substitute(text, {"a": "2"})
    assert template_module._parse.cache_info().hits == before + 1


# --- simple tags --------------------------------------------------------------------------------------------


def test_simple_substitution() -> None:
    values = {"inputs.parameters.message": "hello", "workflow.name": "wf-1"}
    assert substitute("{{inputs.parameters.message}} from {{ workflow.name }}", values) == "hello from wf-1"
    assert substitute("plain text", values) == "plain text"


def test_unresolved_simple_tags_are_kept_unless_strict() -> None:
    values = {"a": "A"}
    assert substitute("{{a}} {{ steps.x.outputs.result }}", values) == "A {{ steps.x.outputs.result }}"
    with pytest.raises(ExpressionError) as info:
        substitute(
            "{{a}} {{inputs.parameters.x}}", values, strict=True, path="spec.templates[0].script.source"
        )
    assert info.value.message == "failed to resolve {{inputs.parameters.x}}"
    assert info.value.path == "spec.templates[0].script.source"


def test_values_are_inserted_raw_and_not_rescanned() -> None:
    tricky = 'say "hi"\n\tC:\\path\\ {{b}} \u00e9 <&>'
    assert substitute("x={{a}};", {"a": tricky, "b": "B"}) == f"x={tricky};"


def test_nested_tag_rule() -> None:
    # fasttemplate sees one tag " {{x"; Argo resolves the inner name and keeps the outer braces
    assert substitute("{{ {{x}}", {"x": "X"}) == "{{ X"
    assert substitute("{{ {{x}}", {}) == "{{ {{x}}"


def test_a_non_string_value_is_an_error() -> None:
    with pytest.raises(ExpressionError, match=r"failed to resolve \{\{n\}\} to string"):
        substitute("{{n}}", {"n": 3})  # type: ignore[dict-item]


# --- expression tags ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{=1+1}}", "2"),
        ("{{=1.0 * 3}}", "3"),
        ("{{=1.5 * 3}}", "4.5"),
        ("{{=0.1 + 0.2}}", "0.30000000000000004"),
        ("{{=1e21}}", "1e+21"),
        ("{{=true}}", "true"),
        ("{{=1 > 2}}", "false"),
        ("{{=[1, 'a']}}", '[1,"a"]'),
        ("{{={'b': 1, 'a': [true]} }}", '{"a":[true],"b":1}'),
        # Go's HTML-safe escapes survive in the JSON text of a non-string result
        ("{{={'x': '<&>'} }}", '{"x":"\\u003c\\u0026\\u003e"}'),
        ("{{='a' + 'b'}}", "ab"),
        ("{{='<tag> & \"q\"'}}", '<tag> & "q"'),  # a string result is inserted as is
        ("n={{=asInt(inputs.parameters.n) + 1}}!", "n=4!"),
        ("{{=inputs.parameters['my-param']}}", "dash"),
        ("{{=sprig.upper(workflow.name)}}", "WF"),
        ("{{= inputs.parameters.n == '3' ? 'yes' : 'no' }}", "yes"),
    ],
)
def test_expression_results_render_like_go(text: str, expected: str) -> None:
    values = {"inputs.parameters.n": "3", "inputs.parameters.my-param": "dash", "workflow.name": "wf"}
    assert substitute(text, values) == expected
    assert substitute(text, values, strict=True) == expected


@pytest.mark.parametrize(
    ("text", "strict_error"),
    [
        ("{{=nil}}", 'failed to evaluate expression "nil"'),
        ("{{=missing.name}}", "failed to evaluate expression: "),
        ("{{=1 +}}", "failed to evaluate expression: "),
        ("{{=1.0/0}}", "failed to marshal evaluated expression: json: unsupported value: +Inf"),
    ],
)
def test_expressions_that_do_not_resolve(text: str, strict_error: str) -> None:
    # allowUnresolved: "any error can be unresolved", and a nil result too
    assert substitute(f"a {text} b", {}) == f"a {text} b"
    with pytest.raises(ExpressionError) as info:
        substitute(text, {}, strict=True, path="spec.x")
    assert strict_error in info.value.message
    assert info.value.path == "spec.x"


@pytest.mark.parametrize(
    "text",
    [
        "{{=item}}",
        "{{=item.name + 'x'}}",
        "{{=sprig.int(retries) + 1}}",
        "{{=lastRetry.exitCode == 1}}",
        "{{=workflow.status == 'Succeeded'}}",
        "{{=len(workflow.failures)}}",
    ],
)
def test_late_variables_are_left_for_a_later_pass(text: str) -> None:
    # these would otherwise evaluate to nil/zero during the global pass (argo #5388, #10393)
    assert substitute(text, {"workflow.name": "wf"}) == text


def test_late_variables_resolve_once_present() -> None:
    assert substitute("{{=retries + 1}}", {"retries": "2"}) == "{{=retries + 1}}"  # string + int: an error
    assert substitute("{{=asInt(retries) + 1}}", {"retries": "2"}) == "3"
    assert substitute("{{=workflow.status}}", {"workflow.status": "Failed"}) == "Failed"


def test_a_quoted_late_name_is_not_a_variable() -> None:
    assert substitute("{{='item'}}", {}) == "item"
    assert substitute("{{='workflow.status'}}", {}) == "workflow.status"


def test_expr_env_is_used_when_given() -> None:
    from argento.expr.lang import build_env

    env = build_env({"inputs.parameters.x": "from-env"})
    text = "{{=inputs.parameters.x}} {{inputs.parameters.x}}"
    assert substitute(text, {"inputs.parameters.x": "v"}, expr_env=env) == "from-env v"


# --- structures -----------------------------------------------------------------------------------------------


def test_substitute_obj_walks_lists_dicts_and_keys() -> None:
    obj = {
        "name": "{{inputs.parameters.name}}",
        "args": ["--n={{=asInt(inputs.parameters.n) * 2}}", 3, None, True],
        "labels": {"{{inputs.parameters.name}}-label": "{{missing}}"},
        "nested": ({"deep": ["{{inputs.parameters.n}}"]},),
    }
    values = {"inputs.parameters.name": "train", "inputs.parameters.n": "21"}
    assert substitute_obj(obj, values) == {
        "name": "train",
        "args": ["--n=42", 3, None, True],
        "labels": {"train-label": "{{missing}}"},
        "nested": ({"deep": ["21"]},),
    }
    assert obj["name"] == "{{inputs.parameters.name}}"  # the input is not modified


def test_substitute_obj_strict_error_names_the_field() -> None:
    with pytest.raises(ExpressionError) as info:
        substitute_obj({"spec": {"args": ["ok", "{{nope}}"]}}, {}, strict=True, path="tmpl")
    assert info.value.path == "tmpl.spec.args[1]"


def test_unresolved_tags_lists_paths() -> None:
    obj = {"spec": {"templates": [{"container": {"args": ["{{a}}", "x {{=b}} {{ c }}"]}}], "k{{d}}": 1}}
    found = unresolved_tags(obj)
    assert [(path, tag.kind, tag.expr) for path, tag in found] == [
        ("spec.templates[0].container.args[0]", "simple", "a"),
        ("spec.templates[0].container.args[1]", "expression", "b"),
        ("spec.templates[0].container.args[1]", "simple", "c"),
        ("spec.k{{d}}", "simple", "d"),
    ]
    assert all(isinstance(tag, Tag) for _, tag in found)
    with pytest.raises(ExpressionError) as info:
        unresolved_tags({"a": ["{{x"]})
    assert info.value.path == "a[0]"


# --- equivalence with Argo's JSON-text substitution ------------------------------------------------------------

_NAMES = ["inputs.parameters.a", "inputs.parameters.b", "workflow.name", "item"]


def _argo_replace(obj: Any, values: dict[str, str]) -> Any:
    """What Argo does: substitute the JSON text with JSON-escaped values, then decode."""
    text = json.dumps(obj)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name in values:
            return json.dumps(values[name])[1:-1]
        return match.group(0)

    return json.loads(re.sub(r"\{\{(.*?)\}\}", replace, text))


_texts = st.lists(
    st.one_of(st.sampled_from([f"{{{{{n}}}}}" for n in _NAMES] + ["{{ workflow.name }}", "{{missing}}"]),
              st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=8)),
    max_size=5,
).map("".join)  # fmt: skip
_objects = st.recursive(
    _texts | st.integers() | st.booleans() | st.none(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_texts, children, max_size=4),
    max_leaves=12,
)


@given(obj=_objects, values=st.dictionaries(st.sampled_from(_NAMES), st.text(max_size=12)))
@settings(max_examples=300)
def test_structural_substitution_equals_argos_json_substitution(obj: Any, values: dict[str, str]) -> None:
    # values may hold quotes, backslashes, newlines and control characters
    assert substitute_obj(obj, values) == _argo_replace(obj, values)


@given(st.text(max_size=60), st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=4))
@settings(max_examples=400)
def test_random_text_never_crashes(text: str, values: dict[str, str]) -> None:
    for strict in (False, True):
        try:
            out = substitute(text, values, strict=strict)
        except ExpressionError:
            continue
        assert isinstance(out, str)
    try:
        tags = find_tags(text)
    except ExpressionError:
        return
    for tag in tags:
        assert text[tag.start : tag.end] == tag.raw


@given(st.dictionaries(st.sampled_from(_NAMES), st.text(alphabet="abc xyz\n\"'\\", max_size=10), min_size=4))
def test_known_names_leave_no_simple_tags(values: dict[str, str]) -> None:
    text = " ".join(f"<{{{{{name}}}}}>" for name in _NAMES)
    out = substitute(text, values, strict=True)
    assert out == " ".join(f"<{values[name]}>" for name in _NAMES)
