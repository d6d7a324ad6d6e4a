"""Typed settings, read from the ``ARGENTO_*`` environment once (SPEC §0).

Pass a :class:`Settings` down; nothing deeper in the package reads ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Every knob Argento reads from its environment."""

    home: Path
    server: str = "http://127.0.0.1:2746"
    token: str = ""
    database_url: str = ""
    artifact_repository: str = ""
    images: str = ""
    ray_address: str = ""
    namespace: str = "argo"
    #: Multiplier applied to ``sleep`` durations of example steps (conformance runs use < 1).
    sleep_scale: float = 1.0
    #: ``MLFLOW_TRACKING_URI`` of this environment; empty: the tracking server ``argento up`` manages, if any.
    mlflow_tracking_uri: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from an environment mapping (``os.environ`` by default)."""
        env = os.environ if env is None else env
        home = Path(env.get("ARGENTO_HOME") or Path.home() / ".argento").expanduser()
        return cls(
            home=home,
            server=env.get("ARGENTO_SERVER", "http://127.0.0.1:2746").rstrip("/"),
            token=env.get("ARGENTO_TOKEN", ""),
            database_url=env.get("ARGENTO_DATABASE_URL", ""),
            artifact_repository=env.get("ARGENTO_ARTIFACT_REPOSITORY", ""),
            images=env.get("ARGENTO_IMAGES", ""),
            ray_address=env.get("ARGENTO_RAY_ADDRESS", ""),
            namespace=env.get("ARGENTO_NAMESPACE", "argo"),
            sleep_scale=float(env.get("ARGENTO_SLEEP_SCALE", "1") or 1),
            mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI", ""),
        )

    @property
    def runs_dir(self) -> Path:
        """Where ``argento run`` keeps step logs (``<home>/runs/<workflow>/``)."""
        return self.home / "runs"

    @property
    def images_file(self) -> Path:
        return self.home / "images.yaml"
