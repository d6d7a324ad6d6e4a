"""MLflow integration (SPEC §4): a managed tracking server, tracking for every step, and the registry bridge.

    from argento import tracking
    server = tracking.start(settings)                      # lean `mlflow server` on 127.0.0.1 (argento up)
    options.platform = tracking.StepPlatform.from_settings(settings)   # steps get MLFLOW_TRACKING_URI …
    model = tracking.import_mlflow("models:/iris@champion") # MLflow model → the model store, with lineage

MLflow itself (``pip install 'argento[mlflow]'``) is imported only by the functions that need it, so
``import argento.tracking`` and the step hooks work without it.
"""

from __future__ import annotations

from argento import lazy

# Everything resolves on first use: `argento.tracking.sources` (imported by `argento.models`) must not pull in
# httpx and the server's machinery.
_LAZY = {
    "RUN_ID_PARAM": "argento.tracking.steps:RUN_ID_PARAM",
    "RUN_URL_PARAM": "argento.tracking.steps:RUN_URL_PARAM",
    "StepPlatform": "argento.tracking.steps:StepPlatform",
    "TrackingServer": "argento.tracking.server:TrackingServer",
    "current": "argento.tracking.server:current",
    "start": "argento.tracking.server:start",
    "stop": "argento.tracking.server:stop",
    "tracking_uri": "argento.tracking.targets:tracking_uri",
    "import_mlflow": "argento.tracking.bridge:import_mlflow",
    "resolve_mlflow_ref": "argento.tracking.bridge:resolve_ref",
    "mirror_alias": "argento.tracking.aliases:mirror_alias",
    "deploy_from_mlflow": "argento.tracking.deploy:deploy_from_mlflow",
    "MlflowURI": "argento.tracking.uris:MlflowURI",
}

__all__ = [
    "RUN_ID_PARAM",
    "RUN_URL_PARAM",
    "MlflowURI",
    "StepPlatform",
    "TrackingServer",
    "current",
    "deploy_from_mlflow",
    "import_mlflow",
    "mirror_alias",
    "resolve_mlflow_ref",
    "start",
    "stop",
    "tracking_uri",
]

__getattr__, __dir__ = lazy.exports(__name__, _LAZY, globals())
