"""``python -m argento.tracking.launch server …``: ``mlflow server`` in one process instead of two.

``mlflow server`` prepares the backend store, then starts uvicorn as a child and stays alive only to forward
signals to it: ~280 MB of resident memory that serves nothing. With job execution off (Argento's lean
server) that parent has nothing else to do, so this launcher runs MLflow's own CLI unchanged and, at the
moment it would spawn uvicorn, runs it in place instead: with the environment MLflow computed, in this
process (one worker: ``uvicorn.run`` here, reusing the modules already imported; otherwise ``exec`` of the
same command), so the PID Argento recorded stays the server's PID. If MLflow's internals differ from what this
expects, the patch is skipped and ``mlflow server`` runs as usual.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def _uvicorn_args(argv: list[str]) -> dict[str, Any] | None:
    """``python -m uvicorn --host H --port P --workers 1 [--log-config F] APP`` → uvicorn.run kwargs, or None."""
    if argv[1:3] != ["-m", "uvicorn"]:
        return None
    kwargs: dict[str, Any] = {}
    rest = argv[3:]
    flags = {
        "--host": ("host", str),
        "--port": ("port", int),
        "--workers": ("workers", int),
        "--log-config": ("log_config", str),
    }
    while rest and rest[0].startswith("--"):
        if rest[0] not in flags or len(rest) < 2:
            return None
        key, cast = flags[rest[0]]
        kwargs[key] = cast(rest[1])
        rest = rest[2:]
    if len(rest) != 1 or kwargs.get("workers", 1) != 1:
        return None
    kwargs["app"] = rest[0]
    return kwargs


def _exec_in_place(cmd: Any, *, extra_env: dict[str, str] | None = None, **kwargs: Any) -> Any:
    argv = [str(c) for c in cmd] if isinstance(cmd, list | tuple) else ["/bin/sh", "-c", str(cmd)]
    sys.stdout.flush()
    sys.stderr.flush()
    os.environ.update(extra_env or {})
    uvicorn_kwargs = _uvicorn_args(argv)
    if uvicorn_kwargs is not None:
        # One worker: run uvicorn right here, reusing the MLflow modules this process already imported
        # (an exec would import them all again: seconds of start-up).
        import uvicorn

        app = uvicorn_kwargs.pop("app")
        uvicorn.run(app, **uvicorn_kwargs)
        sys.exit(0)
    os.execvpe(argv[0], argv, dict(os.environ))


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
