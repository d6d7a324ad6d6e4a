"""Hera (``hera.workflows``), unmodified, against a live ``argento server``.

Every response goes through Hera's pydantic models (generated from Argo's swagger), so a field whose shape
differs from Argo's fails here. ``@script`` tasks run in Hera's default ``python:*`` image, which argento's
local executor maps to the current interpreter.

No ``from __future__ import annotations`` here: Hera reads the ``@script`` functions' annotations as classes.
"""

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("hera.workflows")
requests = pytest.importorskip("requests")

from hera.exceptions import AlreadyExists, BadRequest, NotFound  # noqa: E402
from hera.workflows import (  # noqa: E402
    DAG,
    Container,
    CronWorkflow,
    Parameter,
    Steps,
    Workflow,
    WorkflowsService,
    WorkflowTemplate,
    script,
)
from hera.workflows.models import (  # noqa: E402
    SubmitOpts,
    WorkflowSubmitRequest,
    WorkflowTemplateRef,
)
from hera.workflows.models import Workflow as WorkflowModel  # noqa: E402

pytestmark = [
    pytest.mark.timeout(60),
    # Hera's own deprecation noise (pydantic v1-style .json() calls inside hera.workflows.service).
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

NS = "argo"
POLL = 1  # seconds between Hera's polls in create(wait=True)


@pytest.fixture
def svc(argento_url: str) -> Iterator[WorkflowsService]:
    session = requests.Session()
    session.trust_env = False  # loopback only, whatever the proxy variables say
    with WorkflowsService(host=argento_url, verify_ssl=False, namespace=NS, session=session) as service:
        yield service


def _suffix() -> str:
    return uuid.uuid4().hex[:6]


def _results(wf: WorkflowModel) -> dict[str, str | None]:
    """displayName -> outputs.result of every node."""
    assert wf.status is not None and wf.status.nodes
    return {
        n.display_name or n.name: (n.outputs.result if n.outputs else None) for n in wf.status.nodes.values()
    }


@script()
def add(a: int, b: int) -> None:
    print(a + b)


@script()
def double(x: int) -> None:
    print(2 * int(x))


@script()
def greet(who: str) -> None:
    print(f"hello {who}")


def test_dag_of_scripts_and_a_container_waits_to_success(svc: WorkflowsService, http: httpx.Client) -> None:
    with Workflow(
        generate_name="hera-dag-",
        entrypoint="main",
        namespace=NS,
        workflows_service=svc,
        labels={"suite": "compat-hera", "case": "dag"},
    ) as w:
        echo = Container(
            name="echo",
            image="alpine:3.19",
            command=["sh", "-c"],
            args=["echo got {{inputs.parameters.msg}}"],
            inputs=[Parameter(name="msg")],
        )
        with DAG(name="main"):
            a = add(arguments={"a": 1, "b": 2})
            d = double(arguments={"x": a.result})
            e = echo(arguments={"msg": d.result})
            a >> d >> e

    linted = w.lint()
    assert isinstance(linted, WorkflowModel) and linted.spec.entrypoint == "main"

    done = w.create(wait=True, poll_interval=POLL)
    assert isinstance(done, WorkflowModel)
    assert done.status is not None and done.status.phase == "Succeeded", done.status
    assert w.name and done.metadata.name == w.name and w.name.startswith("hera-dag-")
    results = _results(done)
    assert results["add"] == "3"
    assert results["double"] == "6"
    assert results["echo"] == "got 6"
    assert done.status.started_at is not None and done.status.finished_at is not None
    assert done.status.progress == "3/3"

    # Hera prints UI links: they must lead somewhere.
    link = w.get_workflow_link()
    assert link.startswith(str(http.base_url).rstrip("/") + f"/workflows/{NS}/{w.name}")
    page = http.get(link)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_lint_rejects_an_unknown_entrypoint(svc: WorkflowsService) -> None:
    with Workflow(generate_name="hera-bad-", entrypoint="nope", namespace=NS, workflows_service=svc) as w:
        Container(name="main", image="alpine", command=["echo", "hi"])
    with pytest.raises(BadRequest, match="nope"):
        w.lint()
    with pytest.raises(BadRequest):
        w.create()


def test_workflow_template_create_update_and_submit(
    svc: WorkflowsService, wait_until: Callable[..., Any]
) -> None:
    name = f"hera-greeter-{_suffix()}"
    with (
        WorkflowTemplate(
            name=name,
            entrypoint="main",
            namespace=NS,
            workflows_service=svc,
            arguments=Parameter(name="who", value="world"),
        ) as wt,
        Steps(name="main"),
    ):
        greet(arguments={"who": "{{workflow.parameters.who}}"})

    assert wt.lint().metadata.name == name
    created = wt.create()
    assert created.metadata.name == name and created.metadata.resource_version
    assert created.metadata.creation_timestamp is not None
    with pytest.raises(AlreadyExists):
        wt.create()

    wt.arguments = Parameter(name="who", value="argento")
    updated = wt.update()  # a get (for resourceVersion), then a PUT
    assert updated.metadata.resource_version != created.metadata.resource_version
    got = svc.get_workflow_template(name)
    assert got.spec.arguments.parameters[0].value == "argento"
    assert name in [t.metadata.name for t in svc.list_workflow_templates().items]

    # A workflow referencing the template.
    with Workflow(
        generate_name="hera-from-ref-",
        namespace=NS,
        workflows_service=svc,
        workflow_template_ref=WorkflowTemplateRef(name=name),
        labels={"suite": "compat-hera", "case": "ref"},
    ) as w:
        pass
    done = w.create(wait=True, poll_interval=POLL)
    assert done.status.phase == "Succeeded", done.status
    assert _results(done)["greet"] == "hello argento"

    # The submit endpoint, with a parameter override.
    submitted = svc.submit_workflow(
        WorkflowSubmitRequest(
            resource_kind="WorkflowTemplate",
            resource_name=name,
            submit_options=SubmitOpts(parameters=["who=hera"], labels="suite=compat-hera,case=submit"),
        )
    )
    assert submitted.metadata.name and submitted.metadata.labels["case"] == "submit"
    done = wait_until(
        lambda: svc.get_workflow(submitted.metadata.name),
        lambda wf: wf.status is not None and wf.status.phase not in (None, "Pending", "Running"),
    )
    assert done.status.phase == "Succeeded", done.status
    assert _results(done)["greet"] == "hello hera"

    svc.delete_workflow_template(name)
    with pytest.raises(NotFound):
        wt.get()


def test_cron_workflow_create_get_update(svc: WorkflowsService, http: httpx.Client) -> None:
    name = f"hera-nightly-{_suffix()}"
    with CronWorkflow(
        name=name,
        schedules=["0 2 * * *"],
        timezone="UTC",
        namespace=NS,
        workflows_service=svc,
        entrypoint="main",
        labels={"suite": "compat-hera"},
    ) as cw:
        Container(name="main", image="alpine", command=["echo", "hi"])

    assert cw.lint().metadata.name == name
    created = cw.create()
    assert created.metadata.name == name
    got = cw.get()
    assert got.spec.schedules == ["0 2 * * *"] and got.spec.timezone == "UTC"
    assert got.spec.workflow_spec.entrypoint == "main"

    cw.schedules = ["0 3 * * *"]
    cw.cron_suspend = True
    updated = cw.update()
    assert updated.spec.schedules == ["0 3 * * *"] and updated.spec.suspend is True
    assert name in [c.metadata.name for c in svc.list_cron_workflows().items]
    assert http.get(cw.get_workflow_link()).status_code == 200

    svc.delete_cron_workflow(name)
    with pytest.raises(NotFound):
        cw.get()


def test_list_workflows_with_a_label_selector(svc: WorkflowsService) -> None:
    run = _suffix()
    names: dict[str, str] = {}
    for kind in ("a", "b"):
        with Workflow(
            generate_name=f"hera-list-{kind}-",
            entrypoint="main",
            namespace=NS,
            workflows_service=svc,
            labels={"suite": "compat-hera", "run": run, "kind": kind},
        ) as w:
            Container(name="main", image="alpine", command=["echo", kind])
        names[kind] = w.create().metadata.name

    def listed(selector: str, **kwargs: Any) -> set[str]:
        return {i.metadata.name for i in svc.list_workflows(label_selector=selector, **kwargs).items or []}

    assert listed(f"run={run},kind=a") == {names["a"]}
    assert listed(f"run={run},kind!=a") == {names["b"]}
    assert listed(f"run={run},kind in (a,b)") == set(names.values())
    assert listed(f"run={run},kind notin (a,b)") == set()
    page = svc.list_workflows(label_selector=f"run={run}", limit="1")
    assert len(page.items) == 1 and page.metadata.continue_
    rest = svc.list_workflows(label_selector=f"run={run}", limit="1", continue_=page.metadata.continue_)
    assert {page.items[0].metadata.name, rest.items[0].metadata.name} == set(names.values())


def test_rerun_from_a_step_with_argentos_hera_helper(
    svc: WorkflowsService, wait_until: Callable[..., Any]
) -> None:
    from argento.client.hera import rerun_workflow

    with (
        Workflow(generate_name="hera-rerun-", entrypoint="main", namespace=NS, workflows_service=svc) as w,
        DAG(name="main"),
    ):
        a = add(name="first", arguments={"a": 1, "b": 2})
        d = double(name="second", arguments={"x": a.result})
        a >> d
    done = w.create(wait=True, poll_interval=POLL)
    assert done.status is not None and done.status.phase == "Succeeded"

    new = rerun_workflow(svc, w.name, from_="second")
    assert isinstance(new, WorkflowModel) and new.metadata.name.startswith(w.name + "-")
    final = wait_until(
        lambda: svc.get_workflow(new.metadata.name),
        lambda wf: wf.status is not None and wf.status.phase in ("Succeeded", "Failed", "Error"),
    )
    assert final.status.phase == "Succeeded"
    nodes = {n.display_name: n for n in final.status.nodes.values()}
    # Hera's models parse the reuse marker (Argo's memoizationStatus)
    assert nodes["first"].memoization_status.hit is True
    assert nodes["first"].memoization_status.cache_name == "argento-rerun"
    assert nodes["second"].memoization_status is None
    assert nodes["second"].outputs.result == "6"
    with pytest.raises(NotFound, match="nope"):
        rerun_workflow(svc, w.name, from_=["nope"])
