"""Typed settings, read from the ``ARGENTO_*`` environment once (SPEC §0).

Pass a :class:`Settings` down; nothing deeper in the package reads ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from argento.errors import SpecError

#: The namespace workflows and deployments land in when none is given (``ARGENTO_NAMESPACE``), as Hera and the
#: argo CLI assume. A workflow step's default is its workflow's namespace.
DEFAULT_NAMESPACE = "argo"
#: Largest API request body (etcd's default object limit, ``--max-request-bytes``: an object Kubernetes could
#: store fits; Argo's own manifests are far smaller).
MAX_REQUEST_BYTES = 1536 * 1024
#: Largest parameter value or ``{{=…}}`` result: 256 KiB, Kubernetes' limit on an object's annotations, which
#: is where Argo's executor reported output parameters (and the size of ``outputs.result``).
MAX_PARAMETER_BYTES = 256 * 1024
#: Largest log kept per container: the kubelet keeps ``containerLogMaxSize`` x ``containerLogMaxFiles``
#: = 10 MiB x 5 of a container's log, so Argo never shows more than 50 MiB of one step either.
MAX_STEP_LOG_BYTES = 50 * 1024 * 1024


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
    namespace: str = DEFAULT_NAMESPACE
    #: ``ARGENTO_SERVICE_ALIASES``: extra entries of the service-alias table (`argento.cluster`), inline YAML/JSON
    #: or a file path; they come before ``serviceAliases:`` of ``config.yaml`` and the built-in defaults.
    service_aliases: str = ""
    #: Multiplier applied to ``sleep`` durations of example steps (conformance runs use < 1).
    sleep_scale: float = 1.0
    #: ``MLFLOW_TRACKING_URI`` of this environment; empty: the tracking server ``argento up`` manages, if any.
    mlflow_tracking_uri: str = ""
    #: Where memoization entries live: ``local`` (default), ``repository`` (the default artifact repository),
    #: or a folder / ``s3://`` URL of their own (``argento.engine.shared_cache``).
    cache: str = ""
    #: Refuse images the image table does not map (``ARGENTO_STRICT_IMAGES``), instead of running them on the host.
    strict_images: bool = False
    #: How steps are isolated (``ARGENTO_ISOLATION``): ``auto``, ``namespace``, ``userns`` or ``rewrite``.
    isolation: str = "auto"
    #: Extra ``Host`` names the servers answer besides loopback and the bound address (DNS-rebinding defence);
    #: ``*`` answers any name. ``ARGENTO_ALLOWED_HOSTS``, comma separated.
    allowed_hosts: tuple[str, ...] = ()
    #: Extra origins (``https://argento.example.com``) allowed to send state-changing requests besides the
    #: server's own. ``ARGENTO_ALLOWED_ORIGINS``, comma separated.
    allowed_origins: tuple[str, ...] = ()
    #: ``ARGENTO_MAX_REQUEST_BYTES``: larger API request bodies are answered 413.
    max_request_bytes: int = MAX_REQUEST_BYTES
    #: ``ARGENTO_MAX_PARAMETER_BYTES``: a larger parameter value or expression result fails its node.
    max_parameter_bytes: int = MAX_PARAMETER_BYTES
    #: ``ARGENTO_MAX_STEP_LOG_BYTES``: a container's log stops here, with a truncation marker line.
    max_step_log_bytes: int = MAX_STEP_LOG_BYTES
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
            namespace=env.get("ARGENTO_NAMESPACE") or DEFAULT_NAMESPACE,
            service_aliases=env.get("ARGENTO_SERVICE_ALIASES", ""),
            sleep_scale=float(env.get("ARGENTO_SLEEP_SCALE", "1") or 1),
            mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI", ""),
            cache=env.get("ARGENTO_CACHE", ""),
            strict_images=_flag(env.get("ARGENTO_STRICT_IMAGES", "")),
            isolation=env.get("ARGENTO_ISOLATION", "") or "auto",
            allowed_hosts=_names(env.get("ARGENTO_ALLOWED_HOSTS", "")),
            allowed_origins=_names(env.get("ARGENTO_ALLOWED_ORIGINS", "")),
            max_request_bytes=_size(env, "ARGENTO_MAX_REQUEST_BYTES", MAX_REQUEST_BYTES),
            max_parameter_bytes=_size(env, "ARGENTO_MAX_PARAMETER_BYTES", MAX_PARAMETER_BYTES),
            max_step_log_bytes=_size(env, "ARGENTO_MAX_STEP_LOG_BYTES", MAX_STEP_LOG_BYTES),
        )

    @property
    def runs_dir(self) -> Path:
        """Where ``argento run`` keeps step logs (``<home>/runs/<workflow>/``)."""
        return self.home / "runs"

    @property
    def images_file(self) -> Path:
        return self.home / "images.yaml"

    @property
    def config_file(self) -> Path:
        """``<home>/config.yaml``: the default artifact repository, the service-alias table, …"""
        return self.home / "config.yaml"


def _flag(value: str) -> bool:
    """``1``/``true``/``yes``/``on`` (any case) -> True."""
    return value.strip().lower() in ("1", "true", "yes", "on")


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip().lower() for n in text.split(",") if n.strip())


_UNITS = {"": 1, "k": 1000, "ki": 1024, "m": 1000**2, "mi": 1024**2, "g": 1000**3, "gi": 1024**3}


def _size(env: Mapping[str, str], name: str, default: int) -> int:
    """A byte count: ``1048576``, ``512Ki``, ``100Mi``, ``1G`` (Kubernetes quantity suffixes)."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    number = text.rstrip("kKmMgGi")
    unit = text[len(number) :].lower()
    try:
        value = int(number) * _UNITS[unit]
    except (ValueError, KeyError):
        raise SpecError(f"must be a byte count such as 1048576 or 100Mi, got {text!r}", path=name) from None
    if value <= 0:
        raise SpecError(f"must be positive, got {text!r}", path=name)
    return value
