"""The service-alias table: in-cluster DNS names of the platform → the services Argento runs here (SPEC §2.4).

Manifests and scripts written for a Kubernetes ML platform name its services by cluster DNS
(``http://mlflow.ml-platform:5000``, ``minio.data-services:9000``, ``ray://ray-head.ml-platform:10001``). On one
machine those names resolve nowhere; the table says which local service each one means. Entries map a glob to
a target, first match wins::

    # <ARGENTO_HOME>/config.yaml (or ARGENTO_SERVICE_ALIASES: inline YAML/JSON, or a file path)
    serviceAliases:
      "feature-store*": http://127.0.0.1:6566      # a URL (or host:port) of your own
      "*.ml-platform:5000": mlflow                  # a service Argento runs

A glob with a ``:`` matches ``host:port`` (``ray-head*:10001``), one without matches the host whatever the port
(``mlflow*``). Targets: ``mlflow`` (the tracking server of ``argento up``, or ``MLFLOW_TRACKING_URI``),
``artifacts`` (the configured artifact repository: the local folder by default, bucket/key layout kept and no
credentials needed; a real S3 when one is configured), ``server`` and ``yatai`` (the Argento server: Argo's API,
the deployment API), ``ray`` (``ARGENTO_RAY_ADDRESS``, else a local Ray), or a URL / ``host:port``.

Sources, highest precedence first: ``ARGENTO_SERVICE_ALIASES``, ``serviceAliases:`` of ``config.yaml``, then
:data:`DEFAULTS` (the guide's platform). IP addresses and ``localhost`` are never aliased; the defaults, and any
glob that is only ``*`` on the host side (``*:9000``), apply to cluster-looking names only (``name.namespace``,
``*.svc``, ``*.cluster.local``, ``*.local``), so a real ``s3.example.com:9000``, ``minio.example.com`` or a
docker-compose ``mlflow:5000`` is left alone.

An address that looks in-cluster (``*.svc``, ``*.svc.cluster.local``, ``name.namespace``) and matches no entry is
an error naming this table (:class:`UnmappedAddress`): a step would otherwise fail later on a DNS lookup.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argento.config import Settings
from argento.errors import SpecError

#: Services an alias may name, and what each means (for messages and ``argento aliases``).
SERVICES: dict[str, str] = {
    "mlflow": "the MLflow tracking server of `argento up` (or MLFLOW_TRACKING_URI)",
    "artifacts": "the configured artifact repository (local folder by default, or its S3 endpoint)",
    "server": "the Argento server (Argo Server API, UI)",
    "yatai": "the Argento server's deployment API",
    "ray": "the Ray cluster of ARGENTO_RAY_ADDRESS (else a local Ray)",
}

#: The guide's platform (mlflow.ml-platform:5000, minio.data-services:9000, yatai.ml-platform:3000,
#: ray-head.ml-platform:10001, argo-workflows-server.mlops:2746) and names like them.
DEFAULTS: tuple[tuple[str, str], ...] = (
    ("mlflow*", "mlflow"),
    ("*.ml-platform:5000", "mlflow"),
    ("minio*", "artifacts"),
    ("*:9000", "artifacts"),
    ("yatai*", "yatai"),
    ("argo-workflows-server*", "server"),
    ("argo-server*", "server"),
    ("*:2746", "server"),
    ("ray-head*:10001", "ray"),
)

#: URL schemes whose authority is a network address (``s3://bucket/…`` names a bucket, not a host).
NETWORK_SCHEMES = frozenset(
    {"http", "https", "ray", "grpc", "grpcs", "ws", "wss", "tcp", "redis", "postgres", "postgresql", "mysql"}
)
#: Top-level domains of the public and private internet: ``name.<one of these>`` is not ``name.namespace``.
_TLDS = frozenset(
    {
        "com",
        "net",
        "org",
        "edu",
        "gov",
        "mil",
        "int",
        "io",
        "ai",
        "dev",
        "app",
        "cloud",
        "co",
        "me",
        "info",
        "biz",
        "xyz",
        "tech",
        "site",
        "online",
        "page",
        "run",
        "sh",
        "us",
        "uk",
        "de",
        "fr",
        "eu",
        "nl",
        "ca",
        "au",
        "jp",
        "cn",
        "in",
        "ru",
        "br",
        "it",
        "es",
        "ch",
        "se",
        "no",
        "fi",
        "dk",
        "pl",
        "be",
        "at",
        "cz",
        "pt",
        "ie",
        "nz",
        "sg",
        "hk",
        "kr",
        "tw",
        "il",
        "za",
        "mx",
        "ar",
        "cl",
        "gr",
        "hu",
        "ro",
        "tr",
        "ua",
        "example",
        "test",
        "invalid",
        "internal",
        "lan",
        "home",
        "corp",
        "intranet",
        "localdomain",
        "arpa",
    }
)
_CLUSTER_SUFFIXES = (".svc", ".svc.cluster.local", ".cluster.local")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
#: ``scheme://host[:port]`` or a bare ``host:port`` inside any text.
_ADDRESS = re.compile(
    rf"(?<![\w.@/-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)?(?P<host>{_LABEL}(?:\.{_LABEL})*)(?::(?P<port>\d{{1,5}}))?(?![\w-])"
)


class UnmappedAddress(SpecError):
    """An in-cluster address no entry of the service-alias table maps."""


def is_local(host: str) -> bool:
    """IP literals and ``localhost``: real addresses of this machine, never aliased."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return not any(c.isalpha() for c in host)  # "12" of "12:30" is no host either
    return True


def is_cluster_name(host: str) -> bool:
    """``*.svc``, ``*.svc.cluster.local``, ``*.cluster.local`` or ``name.namespace`` (two labels, no TLD)."""
    host = host.lower().rstrip(".")
    if host.endswith(_CLUSTER_SUFFIXES):
        return True
    labels = host.split(".")
    return len(labels) == 2 and labels[1] not in _TLDS


def cluster_like(host: str) -> bool:
    """Names the built-in and ``*:PORT`` entries apply to: an in-cluster name or an mDNS ``*.local`` name. A bare
    ``mlflow`` or ``minio`` is left alone: in a docker-compose network it is a real host."""
    host = host.lower().rstrip(".")
    return is_cluster_name(host) or host.endswith(".local")


@dataclass(frozen=True)
class Alias:
    """One entry: ``pattern`` → ``target`` (a service of :data:`SERVICES`, or a URL / ``host:port``)."""

    pattern: str
    target: str
    source: str = "built-in"

    @property
    def service(self) -> str | None:
        """The Argento service this entry names, or ``None`` for a URL target."""
        return self.target if self.target in SERVICES else None

    def matches(self, host: str, port: int | None) -> bool:
        host_glob, sep, port_glob = self.pattern.lower().partition(":")
        if sep and (port is None or not fnmatch.fnmatchcase(str(port), port_glob)):
            return False
        if (host_glob == "*" or self.source == "built-in") and not cluster_like(host):
            return False  # the defaults and `*:PORT` entries are for in-cluster names, not mlflow.example.com
        return fnmatch.fnmatchcase(host.lower().rstrip("."), host_glob)


def _validate_target(target: Any, where: str) -> str:
    if not isinstance(target, str) or not target.strip():
        raise SpecError(f"{where}: a target is a service ({', '.join(SERVICES)}) or a URL / host:port")
    target = target.strip()
    if target in SERVICES or "://" in target or re.fullmatch(rf"{_LABEL}(\.{_LABEL})*:\d{{1,5}}", target):
        return target
    raise SpecError(
        f"{where}: unknown target {target!r}: use one of {', '.join(SERVICES)}, a URL or host:port"
    )


def parse_entries(data: Any, source: str) -> list[Alias]:
    """Entries from ``{glob: target}`` or ``[{match: glob, target: …}]`` (errors name ``source`` and the entry)."""
    if data is None:
        return []
    if isinstance(data, Mapping):
        items = list(data.items())
    elif isinstance(data, list):
        items = []
        for i, item in enumerate(data):
            if not isinstance(item, Mapping) or not isinstance(item.get("match"), str):
                raise SpecError(f"{source}[{i}]: an entry is {{match: GLOB, target: TARGET}}")
            items.append((item["match"], item.get("target")))
    else:
        raise SpecError(f"{source}: the service-alias table maps globs to targets")
    entries = []
    for glob, target in items:
        glob = str(glob).strip()
        if not glob or glob.count(":") > 1:
            raise SpecError(f"{source}: invalid pattern {glob!r} (HOST-GLOB or HOST-GLOB:PORT-GLOB)")
        entries.append(Alias(glob, _validate_target(target, f"{source}[{glob!r}]"), source))
    return entries


def _load_text(text_or_path: str) -> tuple[Any, str]:
    stripped = text_or_path.strip()
    if not stripped.startswith(("{", "[")) and "\n" not in stripped and os.path.isfile(stripped):
        path = Path(stripped)
        return _parse(path.read_text(), str(path)), str(path)
    return _parse(stripped, "ARGENTO_SERVICE_ALIASES"), "ARGENTO_SERVICE_ALIASES"


def _parse(text: str, where: str) -> Any:
    import yaml  # YAML (and its loader) only when a table is written in it

    from argento.yamlsafe import safe_load

    try:
        data = json.loads(text) if text.lstrip().startswith(("{", "[")) else safe_load(text, where)
    except (ValueError, yaml.YAMLError) as e:
        raise SpecError(f"{where}: cannot parse the service-alias table: {e}") from None
    if isinstance(data, Mapping) and "serviceAliases" in data:
        data = data["serviceAliases"]
    return data


class AliasTable:
    """The table in precedence order; :meth:`lookup` finds an address's entry, :meth:`rewrite` a text's."""

    def __init__(self, entries: Iterable[Alias], *, config_file: Path | None = None) -> None:
        self.entries = list(entries)
        self.config_file = config_file

    @classmethod
    def defaults(cls) -> AliasTable:
        return cls(Alias(glob, target) for glob, target in DEFAULTS)

    @classmethod
    def from_settings(cls, settings: Settings) -> AliasTable:
        """``ARGENTO_SERVICE_ALIASES``, then ``serviceAliases`` of ``config.yaml``, then :data:`DEFAULTS`."""
        entries: list[Alias] = []
        if settings.service_aliases:
            data, where = _load_text(settings.service_aliases)
            entries += parse_entries(data, where)
        path = settings.config_file
        if path.is_file():
            import yaml

            from argento.yamlsafe import safe_load

            try:
                config = safe_load(path.read_text(), str(path)) or {}
            except yaml.YAMLError as e:
                raise SpecError(f"{path}: {e}") from None
            if isinstance(config, Mapping):
                entries += parse_entries(config.get("serviceAliases"), f"{path}: serviceAliases")
        entries += [Alias(glob, target) for glob, target in DEFAULTS]
        return cls(entries, config_file=path)

    def lookup(self, host: str, port: int | None = None) -> Alias | None:
        """The first entry matching ``host[:port]``; ``None`` for local and unmatched addresses."""
        if is_local(host):
            return None
        return next((e for e in self.entries if e.matches(host, port)), None)

    def where(self) -> str:
        """Where the table is configured, for messages."""
        config = self.config_file or "<ARGENTO_HOME>/config.yaml"
        return f"serviceAliases in {config} or ARGENTO_SERVICE_ALIASES; `argento aliases` shows the table"

    def unmapped(self, address: str) -> UnmappedAddress:
        """The error for an in-cluster ``address`` no entry maps."""
        host, port = split_address(address)
        glob = f"{host}:{port}" if port is not None else host
        return UnmappedAddress(
            f"{address} is an in-cluster address with no entry in the service-alias table: add one "
            f"(e.g. {json.dumps(glob)}: http://127.0.0.1:PORT) to {self.where()}"
        )

    def rewrite(self, text: str, resolve: Callable[[Alias], str], *, strict: bool = True) -> str:
        """``text`` with every aliased address replaced by ``resolve(entry)`` (a URL, ``host:port`` or a word
        such as Ray's ``local``). With ``strict``, an unmapped in-cluster address raises :class:`UnmappedAddress`.
        """
        out: list[str] = []
        last = 0
        for m in _ADDRESS.finditer(text):
            scheme, host, port_text = m.group("scheme"), m.group("host"), m.group("port")
            if scheme is None and port_text is None:
                continue
            if scheme is not None and scheme[:-3].lower() not in NETWORK_SCHEMES:
                continue
            port = int(port_text) if port_text else None
            entry = self.lookup(host, port)
            if entry is None:
                if strict and not is_local(host) and is_cluster_name(host):
                    raise self.unmapped(m.group(0))
                continue
            out.append(text[last : m.start()])
            out.append(_replacement(resolve(entry), bool(scheme)))
            last = m.end()
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)


def _replacement(target: str, had_scheme: bool) -> str:
    """A URL target as a URL base (``scheme://host:port``) or, for a bare ``host:port``, its netloc."""
    if "://" not in target:
        return target
    scheme, _, rest = target.partition("://")
    netloc = rest.split("/", 1)[0]
    return f"{scheme}://{rest.rstrip('/')}" if had_scheme else netloc


def split_address(address: str) -> tuple[str, int | None]:
    """``http://h:1/x`` / ``h:1`` / ``h`` → ``(host, port)``."""
    rest = address.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, sep, port = rest.rpartition(":")
    if sep and port.isdigit():
        return host, int(port)
    return rest, None


__all__ = [
    "DEFAULTS",
    "SERVICES",
    "Alias",
    "AliasTable",
    "UnmappedAddress",
    "cluster_like",
    "is_cluster_name",
    "is_local",
    "parse_entries",
    "split_address",
]
