"""Fuzzing (SPEC §6 R2): thousands of malformed bodies against every POST/PUT of /openapi.json → never a 5xx.

Bodies are random JSON, raw bytes, and valid bodies with one field replaced by a random value (the
mutations that reach deep validation). Every 4xx carries Argo's ``{"code", "message"}`` body.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from serverconf import echo_script, hello

from argento.config import Settings
from argento.executors.fake import FakeExecutor
from argento.server import create_app

EXAMPLES = int(os.environ.get("ARGENTO_FUZZ_EXAMPLES", "3000"))

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _template(kind: str, name: str) -> dict[str, Any]:
    wf = hello(name)
    wf["kind"] = kind
    return wf


def valid_body(path: str) -> dict[str, Any]:
    """A body the endpoint accepts (mutations start from it)."""
    if path.endswith("/submit"):
        return {
            "resourceKind": "WorkflowTemplate",
            "resourceName": "t",
            "submitOptions": {"parameters": ["a=b"]},
        }
    if path.startswith("/api/v1/workflows/"):
        if path.endswith(("/retry", "/resubmit", "/resume", "/suspend", "/stop", "/terminate", "/set")):
            return {
                "name": "w",
                "namespace": "argo",
                "memoized": True,
                "parameters": ["a=b"],
                "nodeFieldSelector": "displayName=w",
                "phase": "Succeeded",
                "outputParameters": '{"a": "b"}',
            }
        return {"workflow": hello(generate="fz-", steps=2)}
    if path.startswith("/api/v1/workflow-templates/"):
        return {"template": _template("WorkflowTemplate", "t")}
    if path.startswith("/api/v1/cluster-workflow-templates"):
        return {"template": _template("ClusterWorkflowTemplate", "ct")}
    if path.startswith("/api/v1/cron-workflows/"):
        spec = hello("c")["spec"]
        return {
            "cronWorkflow": {
                "metadata": {"name": "c"},
                "spec": {"schedules": ["* * * * *"], "workflowSpec": spec},
            }
        }
    if path.startswith("/api/v1/workflow-event-bindings/"):
        return {
            "workflowEventBinding": {
                "metadata": {"name": "b"},
                "spec": {
                    "event": {"selector": "payload.a == 1"},
                    "submit": {"workflowTemplateRef": {"name": "t"}},
                },
            }
        }
    if path.startswith("/api/v1/archived-workflows/"):
        return {"memoized": True, "parameters": ["a=b"]}
    return {"message": "x"}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    cur = copy
    for key in path[:-1]:
        cur = cur[key]
    cur[path[-1]] = new
    return copy


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_malformed_bodies_never_5xx(settings: Settings) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient  # its thread portal runs the app and its lifespan

    app = create_app(settings, executor=FakeExecutor(echo_script), executor_name="fake", run_crons=False)
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        doc = client.get("/openapi.json").json()
        ops = sorted(
            (m.upper(), p) for p, methods in doc["paths"].items() for m in methods if m in ("post", "put")
        )
        assert len(ops) >= 20
        names = ["w", "x", "t", "c", "ct"]

        @given(data=st.data())
        @hsettings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        def check(data: st.DataObject) -> None:
            method, path = data.draw(st.sampled_from(ops))
            url = re.sub(r"{namespace}", "argo", path)
            url = re.sub(r"{\w+}", lambda _m: data.draw(st.sampled_from(names)), url)
            kind = data.draw(st.integers(0, 9))
            base = valid_body(path)
            if kind == 0:
                content = data.draw(st.binary(max_size=64))
            elif kind == 1:
                content = json.dumps(data.draw(json_values)).encode()
            else:
                target = data.draw(st.sampled_from(_paths(base)))
                content = json.dumps(_replace(base, target, data.draw(json_values))).encode()
            r = client.request(method, url, content=content, headers={"content-type": "application/json"})
            assert r.status_code < 500, (method, url, content[:300], r.status_code, r.text[:300])
            if r.status_code >= 400:
                body = r.json()
                assert isinstance(body.get("code"), int) and isinstance(body.get("message"), str)

        check()
