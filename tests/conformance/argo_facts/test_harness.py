"""The harness itself: a fact that any Argo runs the same way (hello world Succeeds with one Pod node)."""

from __future__ import annotations

import pytest


@pytest.mark.fact("phases", "examples/hello-world.yaml (Argo's smoke test, test/e2e/smoke_test.go:TestBasic)")
def test_hello_world_succeeds_with_one_pod_node(argo) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          name: hello
        spec:
          entrypoint: main
          templates:
            - name: main
              container:
                image: busybox
                command: [echo, hello]
        """
    )
    assert run.phase == "Succeeded"
    assert run.node("hello")["type"] == "Pod"
    assert run.status["progress"] == "1/1"
