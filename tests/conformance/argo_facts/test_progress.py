"""``status.progress`` and node ``progress``: what counts, how it completes, and self-reported progress.

Facts from Argo's ``UpdateProgress`` (workflow/progress/updater.go, updater_test.go), the executor's
``monitorProgress`` (workflow/executor/executor.go, ``ARGO_PROGRESS_FILE``), the pod's
``workflows.argoproj.io/progress`` annotation (workflowpod.go ``ProgressToApply``) and the e2e suite
(test/e2e/progress_test.go, hooks_test.go).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


def _progress_seen(argo, display: str) -> list[str]:
    """Every progress value the node shown as ``display`` had while the workflow ran."""
    seen: list[str] = []

    def watch(state, node) -> None:
        state.compute_progress()
        if node.display_name == display and node.progress and (not seen or seen[-1] != node.progress):
            seen.append(node.progress)

    argo.configure.append(lambda options: options.listeners.append(watch))
    return seen


@pytest.mark.fact("progress", "test/e2e/progress_test.go:TestDefaultProgress")
def test_default_progress(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: basic}
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - {name: a, template: hello}
            - name: hello
              container: {image: argoproj/argosay:v2}
        """,
    )
    assert run.status["progress"] == "1/1"
    assert run.nodes["basic"]["progress"] == "1/1"


@pytest.mark.fact(
    "progress", "test/e2e/progress_test.go:TestLoggedProgress (progress-workflow.yaml as written)"
)
def test_logged_progress_as_argo_writes_it(argo) -> None:
    seen = _progress_seen(argo, "progress")
    run = _run(
        argo,
        """
        metadata: {name: progress}
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - {name: progress, template: progress}
            - name: progress
              container:
                image: argoproj/argosay:v2
                command: ["/bin/sh", "-c"]
                args:
                  - /argosay echo 0/100 $ARGO_PROGRESS_FILE && /argosay sleep 1.5s && /argosay echo 50/100 $ARGO_PROGRESS_FILE && /argosay sleep 1.5s
        """,
    )
    assert "50/100" in seen
    assert run.nodes["progress"]["progress"] == "100/100"


@pytest.mark.fact(
    "progress",
    "test/e2e/progress_test.go:TestLoggedProgress; executor.go:monitorProgress (last line of ARGO_PROGRESS_FILE)",
)
def test_logged_progress(argo) -> None:
    seen = _progress_seen(argo, "progress")
    run = _run(
        argo,
        """
        metadata: {name: progress}
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - {name: progress, template: progress}
            - name: progress
              container:
                image: alpine:3.23
                command: ["/bin/sh", "-c"]
                args:
                  - echo 0/100 >> $ARGO_PROGRESS_FILE && sleep 1.5 && echo 50/100 >> $ARGO_PROGRESS_FILE && sleep 1.5
        """,
    )
    assert run.phase == "Succeeded"
    assert "0/100" in seen and "50/100" in seen
    assert seen.index("0/100") < seen.index("50/100")
    assert run.nodes["progress"]["progress"] == "100/100"  # the root sums its pod, complete once it succeeded
    assert run.status["progress"] == "100/100"


@pytest.mark.fact(
    "progress", "workflow/progress/updater.go:UpdateProgress (a failed node keeps its reported progress)"
)
def test_failed_step_keeps_its_reported_progress(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: fail-progress}
        spec:
          entrypoint: main
          templates:
            - name: main
              container:
                image: alpine:3.23
                command: [sh, -c, "echo 3/10 > $ARGO_PROGRESS_FILE; exit 1"]
        """,
    )
    assert run.phase == "Failed"
    assert run.nodes["fail-progress"]["progress"] == "3/10"
    assert run.status["progress"] == "3/10"


@pytest.mark.fact(
    "progress", "workflow/executor/executor.go:monitorProgress (a line that is not N/M is ignored)"
)
def test_unparseable_progress_is_ignored(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: junk-progress}
        spec:
          entrypoint: main
          templates:
            - name: main
              container:
                image: alpine:3.23
                command: [sh, -c, "echo 2/4 > $ARGO_PROGRESS_FILE; echo 9/4 >> $ARGO_PROGRESS_FILE; exit 1"]
        """,
    )
    assert run.nodes["junk-progress"]["progress"] == "0/1"


@pytest.mark.fact(
    "progress",
    "workflow/controller/workflowpod.go:createWorkflowPod (ProgressToApply from the progress annotation)",
)
def test_progress_annotation_sets_the_initial_progress(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: annotated}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
              - - {name: ok, template: ok}
                - {name: bad, template: bad}
            - name: ok
              metadata:
                annotations: {workflows.argoproj.io/progress: 0/10}
              container: {image: argoproj/argosay:v2, args: [echo, hi]}
            - name: bad
              metadata:
                annotations: {workflows.argoproj.io/progress: 0/5}
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.node("ok")["progress"] == "10/10"
    assert run.node("bad")["progress"] == "0/5"
    assert run.status["progress"] == "10/15"
    assert run.nodes["annotated"]["progress"] == "10/15"


@pytest.mark.fact("progress", "workflow/progress/updater.go:executable (Suspend nodes count)")
def test_suspend_nodes_count_in_progress(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: suspend-progress}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
              - - {name: wait, template: wait}
              - - {name: work, template: work}
            - name: wait
              suspend: {duration: "1s"}
            - name: work
              container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
        time_scale=0.1,
    )
    assert run.phase == "Succeeded"
    assert run.node("wait")["progress"] == "1/1"
    assert run.status["progress"] == "2/2"


@pytest.mark.fact(
    "progress",
    "workflow/progress/updater_test.go:TestUpdater (non-executable nodes sum their executable descendants)",
)
def test_steps_and_groups_sum_their_pods(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: sums}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
              - - {name: a, template: ok}
                - {name: b, template: fail, continueOn: {failed: true}}
              - - {name: c, template: ok}
            - name: ok
              container: {image: argoproj/argosay:v2, args: [echo, hi]}
            - name: fail
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.nodes["sums"]["progress"] == "2/3"
    assert run.nodes["sums[0]"]["progress"] == "2/3"  # a, b and, through their children, c
    assert run.nodes["sums[1]"]["progress"] == "1/1"
    assert run.status["progress"] == "2/3"


@pytest.mark.fact(
    "progress", "workflow/progress/updater.go:UpdateProgress (Skipped and Omitted nodes are not executable)"
)
def test_skipped_and_omitted_nodes_do_not_count(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: skipped}
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - {name: a, template: ok}
                  - {name: b, template: ok, when: "1 == 2"}
                  - {name: c, template: ok, depends: a.Failed}
            - name: ok
              container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("b")["phase"] == "Skipped"
    assert run.node("c")["phase"] == "Omitted"
    assert "progress" not in run.node("b")
    assert run.status["progress"] == "1/1"


@pytest.mark.fact(
    "progress", "test/e2e/retry_test.go:TestRetryLimit; updater.go (every attempt is a Pod node)"
)
def test_each_retry_attempt_counts(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: retry-progress}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy: {limit: 2}
              script: {image: alpine:3.23, command: [sh], source: "[ {{retries}} = 2 ]"}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.status["progress"] == "1/3"
    assert run.nodes["retry-progress"]["progress"] == "1/3"


@pytest.mark.fact(
    "progress", "workflow/progress/updater.go:executable (Container nodes of a containerSet count)"
)
def test_container_set_containers_count(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: cs-progress}
        spec:
          entrypoint: main
          templates:
            - name: main
              containerSet:
                containers:
                  - {name: a, image: alpine:3.23, command: [sh, -c, "true"]}
                  - {name: main, image: alpine:3.23, command: [sh, -c, "true"], dependencies: [a]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.status["progress"] == "3/3"  # the Pod node and its two Container nodes
