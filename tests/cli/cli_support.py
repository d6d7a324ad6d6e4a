"""Helpers for the CLI client tests: the manifest they submit and the ``run`` fixture's type.

Also puts ``tests/client`` on ``sys.path`` so these tests share :mod:`fake_argo` with the client tests.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "client"))

HELLO = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
  labels:
    app: demo
spec:
  entrypoint: main
  arguments:
    parameters:
    - name: message
      value: hi
  templates:
  - name: main
    container:
      image: busybox
      command: [echo, "{{workflow.parameters.message}}"]
"""

Run = Callable[..., Result]
