"""What each service of the alias table is on this machine, resolved when an address is rewritten.

Resolution is lazy and per call: the MLflow of ``argento up`` may start after a server, and an address that no
step uses must not require a service to run. A service that is needed and not running is an
:class:`~argento.errors.Unavailable` saying how to start it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argento.config import Settings
from argento.errors import ArgentoError, SpecError, Unavailable

if TYPE_CHECKING:  # the alias table is loaded when an address is resolved, not by every run's start
    from argento.cluster.aliases import Alias, AliasTable


class Targets:
    """``resolve(entry)`` → the URL (or ``host:port``, or Ray's ``local``) an alias entry means now."""

    def __init__(self, settings: Settings, table: AliasTable | None = None) -> None:
        from argento.cluster.aliases import AliasTable

        self.settings = settings
        self.table = table if table is not None else AliasTable.from_settings(settings)

    def __call__(self, entry: Alias) -> str:
        service = entry.service
        if service is None:
            return entry.target
        if service in ("server", "yatai"):
            return self.settings.server
        if service == "mlflow":
            return self.mlflow(entry)
        if service == "artifacts":
            return self.artifacts(entry)
        return self.settings.ray_address or "local"

    def mlflow(self, entry: Alias | None = None) -> str:
        """``MLFLOW_TRACKING_URI`` when it names a real server, else the tracking server of ``argento up``."""
        from argento.tracking.server import current

        explicit = self.settings.mlflow_tracking_uri
        if explicit and not self._aliased(explicit):
            return explicit
        server = current(self.settings)
        if server is not None:
            return server.url
        what = f"{entry.pattern} maps to" if entry is not None else "the service-alias table names"
        raise Unavailable(
            f"{what} the MLflow tracking server of `argento up`, and none is running: start it with "
            "`argento up` (or set MLFLOW_TRACKING_URI to a tracking server)"
        )

    def artifacts(self, entry: Alias) -> str:
        """The endpoint URL of the configured artifact repository (its kind tells it; the local folder has none)."""
        from argento.artifacts.config import default_repository
        from argento.artifacts.kinds import kind_of

        repo = default_repository(self.settings)
        kind = kind_of(repo.spec)
        url = kind.endpoint_url(repo.location) if kind.endpoint_url is not None else None
        if not url:
            what = "the local folder" if kind.name == "local" else f"{kind.name} without an endpoint"
            raise SpecError(
                f"{entry.pattern} maps to the artifact repository, which is {what} here: it has no S3 "
                "endpoint to give a client (artifacts naming the endpoint are stored in the folder); configure an "
                "S3 repository (ARGENTO_ARTIFACT_REPOSITORY) for S3 clients"
            )
        return url

    def _aliased(self, address: str) -> bool:
        from argento.cluster.aliases import is_cluster_name, split_address

        host, port = split_address(address)
        return self.table.lookup(host, port) is not None or is_cluster_name(host)


def tracking_uri(settings: Settings) -> str:
    """The tracking server steps should log to: ``MLFLOW_TRACKING_URI`` if set, else the managed server's
    URL if it runs, else ``""`` (no tracking)."""
    if settings.mlflow_tracking_uri:
        # An in-cluster URI (http://mlflow.ml-platform:5000) means the local service of the alias table.
        try:
            return resolve_address(settings.mlflow_tracking_uri, settings)
        except ArgentoError:
            return ""
    from argento.tracking.server import current

    server = current(settings)
    return server.url if server is not None else ""


def resolve_address(text: str, settings: Settings | None = None, *, strict: bool = True) -> str:
    """``text`` with every in-cluster address of the alias table replaced by the local service's address."""
    settings = settings or Settings.from_env()
    targets = Targets(settings)
    return targets.table.rewrite(text, targets, strict=strict)


__all__ = ["Targets", "resolve_address", "tracking_uri"]
