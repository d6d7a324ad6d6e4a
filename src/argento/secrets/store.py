"""The local secret store (SPEC §2.10): Kubernetes-style secrets, namespace-scoped, encrypted at rest.

Layout under ``<ARGENTO_HOME>/secrets`` (folder mode 0700)::

    key                      # the Fernet key (AES-128-CBC + HMAC-SHA256), file mode 0600, made on first use
    <namespace>/<name>       # one Fernet token per secret: {"data": {key: value}, "creationTimestamp": …}

Writes are atomic (temp file + fsync + rename). `SecretResolver` answers ``secretKeyRef``-style references
for the engine (env ``valueFrom.secretKeyRef``) and the S3 repository (``accessKeySecret``…). Values never
appear in a message: errors name the secret and the key only, and `SecretResolver.redact` scrubs every value
it handed out from any text that might echo one (a backend's error message, say).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argento.errors import AlreadyExists, ArgentoError, NotFound, SpecError
from argento.names import check_namespace, check_subdomain
from argento.paths import safe_join

#: Kubernetes' config-key rule (secret data keys); names are DNS-1123 (`argento.names`).
_DATA_KEY = re.compile(r"[-._a-zA-Z0-9]{1,253}")


class SecretNotFound(NotFound):
    """No such secret, or no such key in it."""


@dataclass(frozen=True)
class SecretInfo:
    """What ``argento secret list`` shows: never the values."""

    namespace: str
    name: str
    keys: list[str]
    created: str


def check_name(name: str, what: str = "secret name") -> str:
    """A secret's name (a DNS-1123 subdomain) or its namespace (a DNS-1123 label), as Kubernetes checks them."""
    return check_namespace(name, what) if what == "namespace" else check_subdomain(name, what)


class SecretStore:
    """Encrypted secrets under ``<home>/secrets``."""

    def __init__(self, home: Path) -> None:
        self.root = Path(home) / "secrets"
        self._fernet: Any = None

    # -- crypto ------------------------------------------------------------------------------------------
    def _cipher(self) -> Any:
        if self._fernet is None:
            from cryptography.fernet import Fernet

            self._fernet = Fernet(self._key())
        return self._fernet

    def _key(self) -> bytes:
        """Read (or create, mode 0600, race-free) the store's key."""
        from cryptography.fernet import Fernet

        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        path = self.root / "key"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            mode = path.stat().st_mode & 0o777
            if mode & 0o077:
                raise ArgentoError(f"{path} is readable by others (mode {mode:o}); chmod 600 it") from None
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key())
            f.flush()
            os.fsync(f.fileno())
        return path.read_bytes().strip()

    # -- operations --------------------------------------------------------------------------------------
    def _path(self, namespace: str, name: str) -> Path:
        return safe_join(self.root, check_name(namespace, "namespace"), check_name(name), what="secret")

    def create(self, namespace: str, name: str, data: Mapping[str, str], *, overwrite: bool = False) -> None:
        """Store a secret; `AlreadyExists` unless ``overwrite``."""
        path = self._path(namespace, name)
        if not data:
            raise SpecError(
                "a secret needs at least one key (--from-literal KEY=VALUE or --from-file KEY=PATH)"
            )
        for key in data:
            if not _DATA_KEY.fullmatch(key):
                raise SpecError(f"invalid secret key {key!r}: use letters, digits, '-', '_' and '.'")
        if path.exists() and not overwrite:
            raise AlreadyExists(f'secret "{name}" already exists in namespace "{namespace}"')
        payload = {"data": dict(data), "creationTimestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        token = self._cipher().encrypt(json.dumps(payload).encode())
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        _atomic_write(path, token)

    def get(self, namespace: str, name: str) -> dict[str, str]:
        """The secret's data; `SecretNotFound` if there is none."""
        return dict(self._load(namespace, name)["data"])

    def _load(self, namespace: str, name: str) -> dict[str, Any]:
        from cryptography.fernet import InvalidToken

        path = self._path(namespace, name)
        try:
            token = path.read_bytes()
        except FileNotFoundError:
            raise SecretNotFound(f'secret "{name}" not found in namespace "{namespace}"') from None
        try:
            payload = json.loads(self._cipher().decrypt(token))
        except (InvalidToken, ValueError):
            raise ArgentoError(
                f'secret "{name}" cannot be decrypted with {self.root / "key"} (was the key replaced?)'
            ) from None
        return dict(payload)

    def list(self, namespace: str | None = None) -> list[SecretInfo]:
        """Secrets of ``namespace`` (all namespaces if None), sorted; keys only."""
        if not self.root.is_dir():
            return []
        spaces = [namespace] if namespace else sorted(p.name for p in self.root.iterdir() if p.is_dir())
        out = []
        for ns in spaces:
            folder = safe_join(self.root, check_name(ns, "namespace"), what="namespace")
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if path.name.startswith(".") or not path.is_file():
                    continue
                payload = self._load(ns, path.name)
                out.append(
                    SecretInfo(ns, path.name, sorted(payload["data"]), payload.get("creationTimestamp", ""))
                )
        return out

    def delete(self, namespace: str, name: str) -> None:
        """Remove a secret; `SecretNotFound` if there is none."""
        path = self._path(namespace, name)
        try:
            path.unlink()
        except FileNotFoundError:
            raise SecretNotFound(f'secret "{name}" not found in namespace "{namespace}"') from None


class SecretResolver:
    """Resolves ``{name, key, optional}`` references against a `SecretStore` (what `RunOptions.secrets` is)."""

    def __init__(self, store: SecretStore) -> None:
        self.store = store
        self._cache: dict[tuple[str, str], dict[str, str]] = {}
        self._handed_out: set[str] = set()

    def resolve(self, namespace: str, ref: Mapping[str, Any]) -> str:
        """The value of ``ref['key']`` in secret ``ref['name']`` (``""`` for a missing optional reference)."""
        name = str(ref.get("name") or "")
        key = str(ref.get("key") or "")
        optional = bool(ref.get("optional"))
        try:
            data = self._cache.get((namespace, name))
            if data is None:
                data = self.store.get(namespace, name)
                self._cache[(namespace, name)] = data
        except SecretNotFound:
            if optional:
                return ""
            raise SecretNotFound(
                f'secret "{name}" not found in namespace "{namespace}" '
                f"(create it with: argento secret create {name} --from-literal {key or 'KEY'}=… -n {namespace})"
            ) from None
        except SpecError:
            raise SecretNotFound(f"invalid secret reference name {name!r}") from None
        if key not in data:
            if optional:
                return ""
            raise SecretNotFound(f"secret '{name}' does not have the key '{key}'")
        value = data[key]
        if len(value) >= 4:  # very short values would make redaction mangle ordinary text
            self._handed_out.add(value)
        return value

    def redact(self, text: str) -> str:
        """``text`` with every secret value this resolver handed out replaced by ``***``."""
        for value in sorted(self._handed_out, key=len, reverse=True):
            if value in text:
                text = text.replace(value, "***")
        return text


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def parse_literals(items: Iterable[str]) -> dict[str, str]:
    """``--from-literal KEY=VALUE`` pairs."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SpecError("--from-literal must be KEY=VALUE")
        out[key] = value
    return out


def parse_files(items: Iterable[str]) -> dict[str, str]:
    """``--from-file [KEY=]PATH`` (the key defaults to the file's name, as kubectl does)."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, path = item.partition("=")
        if not sep:
            key, path = Path(item).name, item
        try:
            out[key] = Path(path).read_text()
        except UnicodeDecodeError:
            raise SpecError(f"--from-file {path}: binary files are not supported (text only)") from None
        except OSError as exc:
            raise SpecError(f"--from-file {path}: {exc.strerror}") from None
    return out
