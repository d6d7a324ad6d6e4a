"""Every expr-lang expression of the Argo corpus compiles, and the interesting ones evaluate as in Argo."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from argo_corpus import CORPUS, PRESENT, requires_corpus

from argento.expr.lang import build_env, compile_expr, evaluate, marshal_json

_TAG = re.compile(r"\{\{=(.*?)\}\}", re.S)  # Argo's fasttemplate stops at the first "}}" too
_SIMPLE_TAG = re.compile(r"\{\{[^=].*?\}\}")


def _corpus_expressions() -> list[tuple[str, str]]:
    """(file, expression) for every ``{{=…}}`` tag and ``expression``/``fromExpression`` field."""
    found: list[tuple[str, str]] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("expression", "fromExpression") and isinstance(value, str) and "{{=" not in value:
                    # Simple tags are substituted before evaluation; `true` stands in for them.
                    found.append((where, _SIMPLE_TAG.sub("true", value)))
                walk(value, where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)
        elif isinstance(node, str):
            found.extend((where, m.group(1)) for m in _TAG.finditer(node))

    for path in sorted(CORPUS.rglob("*.yaml")):
        try:
            docs = list(yaml.safe_load_all(path.read_text()))
        except yaml.YAMLError:
            continue  # the corpus holds deliberately malformed files
        for doc in docs:
            walk(doc, str(path.relative_to(CORPUS)))
    return found


EXPRESSIONS = _corpus_expressions() if PRESENT else []


@requires_corpus
def test_corpus_has_expressions() -> None:
    assert len(EXPRESSIONS) >= 40


@pytest.mark.parametrize(
    ("where", "source"), EXPRESSIONS, ids=[f"{w}:{i}" for i, (w, _) in enumerate(EXPRESSIONS)]
)
def test_corpus_expression_compiles(where: str, source: str) -> None:
    compile_expr(source)


WEATHER = '{"weekWeather": "eyJ0ZW1wcyI6IFszNCwgMjcsIDE1LCA1NywgNDZdfQo="}'
CONFIG = '{"employees": [{"name": "Baris", "age":43},{"name": "Mo", "age": 42}, {"name": "Jai", "age" :44}]}'
VERBOSE = """
  map([
      jsonpath(sprig.b64dec(jsonpath(workflow.parameters.weather, '$.weekWeather')), '$.temps')
    ], {
      toJson({
        avg: sprig.add(#[0], #[1], #[2], #[3], #[4]) / 5,
        min: sprig.min(#[0], #[1], #[2], #[3], #[4]),
        max: sprig.max(#[0], #[1], #[2], #[3], #[4])
      })
  })[0]
"""


@pytest.mark.parametrize(
    ("source", "flat", "expected"),
    [
        (VERBOSE, {"workflow.parameters.weather": WEATHER}, '"{\\"avg\\":35.8,\\"max\\":57,\\"min\\":15}"'),
        (
            "jsonpath(inputs.parameters['week-temps'], '$.avg')",
            {"inputs.parameters.week-temps": '{"avg":35.8,"max":57,"min":15}'},
            "35.8",
        ),
        (
            "jsonpath(workflow.parameters.config, '$.employees[?(@.name==\"Baris\")].age')",
            {"workflow.parameters.config": CONFIG},
            "[43]",
        ),
        (
            "jsonpath(workflow.parameters.config, '$.employees[?(@.age>42 && @.age<44)].age')",
            {"workflow.parameters.config": CONFIG},
            "[43]",
        ),
        (
            "jsonpath(workflow.parameters.config, '$.employees[0:1]')",
            {"workflow.parameters.config": CONFIG},
            '[{"age":43,"name":"Baris"}]',
        ),
        (
            "jsonpath(workflow.parameters.config, '$.employees[*].name')",
            {"workflow.parameters.config": CONFIG},
            '["Baris","Mo","Jai"]',
        ),
        (
            "jsonpath(workflow.parameters.config, '$.b')",
            {"workflow.parameters.config": '{"a": "1", "b": "2", "c": "3"}'},
            '"2"',
        ),
        ("toJson(filter([1, 3], {# > 1}))", {}, '"[3]"'),
        ("asInt(inputs.parameters.foo) * 10", {"inputs.parameters.foo": "3"}, "30"),
        (
            "concat(['always'], inputs.parameters.test == 'true' ? ['test'] : []) | toJSON()",
            {"inputs.parameters.test": "true"},
            '"[\\n  \\"always\\",\\n  \\"test\\"\\n]"',
        ),
        (
            "inputs.parameters.list | fromJSON() | join('\",\"')",
            {"inputs.parameters.list": '["a","b"]'},
            '"a\\",\\"b"',
        ),
        ("get(item, 'type') ?? 'always'", {"item": '{"type":"x"}', "item.type": "x"}, '"x"'),
        ("get(item, 'type') ?? 'always'", {"item": '{"name":"y"}', "item.name": "y"}, '"always"'),
        ("inputs.parameters[\"should-print\"] == 'true'", {"inputs.parameters.should-print": "true"}, "true"),
        (
            "jsonpath(workflow.parameters.json, '$[0].value') == 'true'",
            {"workflow.parameters.json": '[{"value": "true"}]'},
            "true",
        ),
        ("workflow.parameters.data != ''", {"workflow.parameters.data": ""}, "false"),
        (
            "sprig.quote(sprig.trim( workflow.annotations.schedulerName ))",
            {"workflow.annotations.schedulerName": " s "},
            '"\\"s\\""',
        ),
        (
            "steps['flip-coin'].outputs.result == 'heads' ? steps.heads.outputs.result : steps.tails.outputs.result",
            {"steps.flip-coin.outputs.result": "tails", "steps.tails.outputs.result": "it was tails"},
            '"it was tails"',
        ),
        (
            "asInt(inputs.parameters.num) == 1? 1: asInt(inputs.parameters.num) == 2? 1: steps['fibonacci-helper'].outputs.parameters.result",
            {"inputs.parameters.num": "5", "steps.fibonacci-helper.outputs.parameters.result": "5"},
            '"5"',
        ),
        (
            "asInt(inputs.parameters.num) == 1? 1: asInt(inputs.parameters.num) == 2? 1: steps['fibonacci-helper'].outputs.parameters.result",
            {"inputs.parameters.num": "2"},
            "1",
        ),
        (
            'asInt(lastRetry.exitCode) > 1 && lastRetry.status != "Error" && asInt(lastRetry.duration) < 120 && '
            "(false == true || lastRetry.message matches 'imminent node shutdown|pod deleted')",
            {
                "lastRetry.exitCode": "2",
                "lastRetry.status": "Failed",
                "lastRetry.duration": "3",
                "lastRetry.message": "pod deleted",
            },
            "true",
        ),
        ('tasks["run-sim"].status == "Running"', {"tasks.run-sim.status": "Running"}, "true"),
        ('steps.step2.status == "Succeeded"', {"steps.step2.status": "Failed"}, "false"),
        (
            "tasks.producer.outputs.parameters.msg ?? 'expr-fallback'",
            {"tasks.producer.outputs.parameters.msg": None},
            '"expr-fallback"',
        ),
        (
            "tasks.producer.outputs.parameters.msg ?? 'expr-fallback'",
            {"tasks.producer.outputs.parameters.msg": ""},
            '""',
        ),
        ("workflow.parameters.mutex", {"workflow.parameters.mutex": "m"}, '"m"'),
    ],
)
def test_corpus_expression_results(source: str, flat: dict[str, Any], expected: str) -> None:
    """Results are compared as Go would print them with ``json.Marshal``, as Argo does for ``{{=…}}``."""
    assert marshal_json(evaluate(source, build_env(flat))) == expected


def test_data_transformation_filter() -> None:
    env = {"data": ["a/main.log", "b/other.log", "c/main.log"]}
    assert evaluate('filter(data, {# endsWith "main.log"})', env) == ["a/main.log", "c/main.log"]
