"""``python -m argento.tracking.launch server …``: ``mlflow server`` in one process instead of two.

``mlflow server`` prepares the backend store, then starts uvicorn as a child and stays alive only to forward
signals to it: ~280 MB of resident memory that serves nothing. With job execution off (Argento's lean
server) that parent has nothing else to do, so this launcher runs MLflow's own CLI unchanged and, at the
moment it would spawn uvicorn, ``exec``s it in place: the same command and environment MLflow computed, one
process, and the PID Argento recorded stays the server's PID. If MLflow's internals differ from what this
expects, the patch is skipped and ``mlflow server`` runs as usual.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def _exec_in_place(cmd: Any, *, extra_env: dict[str, str] | None = None, **kwargs: Any) -> Any:
    argv = [str(c) for c in cmd] if isinstance(cmd, list | tuple) else ["/bin/sh", "-c", str(cmd)]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(argv[0], argv, {**os.environ, **(extra_env or {})})


def main() -> None:
    """Run ``mlflow`` with ``sys.argv[1:]``, exec'ing the server in place when job execution is off."""
    import mlflow.server

    jobs = os.environ.get("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "true").strip().lower() in ("1", "true")
    if not jobs and hasattr(mlflow.server, "_exec_cmd"):
        mlflow.server._exec_cmd = _exec_in_place  # type: ignore[attr-defined]
    from mlflow.cli import cli

    cli.main(args=sys.argv[1:], prog_name="mlflow")


if __name__ == "__main__":
    main()
