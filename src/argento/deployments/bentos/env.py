"""The isolated Python environment of a bento: one virtualenv per distinct lock, created once and cached.

``<ARGENTO_HOME>/envs/<sha256 of the lock>/`` is a plain ``venv`` without system site-packages. It is
created in a staging folder (``--without-pip``) and filled with the bento's locked requirements: a pin whose
exact version is installed in the running environment is copied from it file by file (its ``RECORD``;
hard links on one file system: no network, about a second for Argento's own closure); the other pins are installed by the running
interpreter's pip into the new environment (``pip --python … --no-deps``: the lock is already the closure)
from the configured indexes, wheel caches and find-links. It is published with one rename, so two
concurrent first serves build it once and a killed build leaves nothing half-made. Bentos with the same
lock share one environment.

A distribution installed here in editable (development) mode is copied the same way — its ``__editable__*``
hooks — so the environment imports this machine's working tree, the development story of ``pip install -e``;
the bento itself names only the version (bentos built before that named a folder: its hooks are copied too).

``--reuse-env`` (``argento serve TAG --reuse-env``) skips all this and serves from the running interpreter:
fast, for development and tests; it is not isolated.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from argento.config import Settings
from argento.deployments.bentos.store import Bento
from argento.errors import ArgentoError
from argento.registry.atomic import FileLock, Staging, rename_dir

READY = ".argento-env-ready"


def env_key(bento: Bento) -> str:
    """Identity of an environment: the interpreter, the pins and the editable sources."""
    python = bento.manifest.get("python") or {}
    payload = {
        "python": sys.version_info[:2],
        "requirements": python.get("requirements") or [],
        "editable": python.get("editable") or {},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def _site_packages(env: Path) -> Path:
    return env / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def _copy_editable_hooks(editable: dict[str, str] | list[str], site: Path) -> None:
    for name in editable:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for file in dist.files or []:
            if str(file).startswith("__editable__"):
                src = Path(str(dist.locate_file(file)))
                if src.is_file() and not (site / src.name).exists():  # not copied with the pin already
                    shutil.copy2(src, site / src.name)


def _copy_installed(pin: str, site: Path) -> bool:
    """Copy the distribution ``Name==version`` from this environment into ``site``, if installed here."""
    name, sep, version = pin.partition("==")
    if not sep:
        return False
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    if dist.version != version or not dist.files:
        return False
    origin = Path(str(dist.locate_file(""))).resolve()
    for file in dist.files:
        src = Path(str(dist.locate_file(file))).resolve()
        if not src.is_relative_to(origin) or "__pycache__" in src.parts or not src.is_file():
            continue  # console scripts live outside site-packages; we run ``python -m`` only
        dst = site / src.relative_to(origin)
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:  # a hard link when on one file system (pip replaces files, never rewrites them in place)
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
    return True


def env_python(env: Path) -> Path:
    """The interpreter of an environment."""
    return env / "bin" / "python"


def ensure_env(bento: Bento, settings: Settings | None = None, *, log: object = None) -> Path:
    """The environment folder of ``bento``, created (once) if missing. Returns its root."""
    settings = settings or Settings.from_env()
    root = settings.home / "envs"
    key = env_key(bento)
    env = root / key
    if (env / READY).exists():
        return env
    with FileLock(root / f".{key}.lock"):
        if (env / READY).exists():
            return env
        if env.exists():  # a half-made folder from an older, non-atomic layout: rebuild
            shutil.rmtree(env, ignore_errors=True)
        staging = Staging(root / ".staging")
        staged = staging.new_dir("env")
        try:
            started = time.monotonic()
            _run([sys.executable, "-m", "venv", "--without-pip", str(staged)], "create the virtualenv")
            python = bento.manifest.get("python") or {}
            rest = [
                pin
                for pin in python.get("requirements") or []
                if not _copy_installed(pin, _site_packages(staged))
            ]
            if rest:
                lock = staged / "requirements.rest.txt"
                lock.write_text("".join(f"{pin}\n" for pin in rest))
                _run(
                    [
                        sys.executable,
                        "-m",
                        "pip",
                        "--python",
                        str(env_python(staged)),
                        "install",
                        "--no-deps",
                        "--disable-pip-version-check",
                        "--no-input",
                        "-q",
                        "-r",
                        str(lock),
                    ],
                    f"install the requirements of {bento.tag}",
                )
            _copy_editable_hooks(python.get("editable") or {}, _site_packages(staged))
            (staged / READY).write_text(
                json.dumps({"bento": bento.tag, "seconds": time.monotonic() - started})
            )
            rename_dir(staged, env)
        finally:
            staging.discard(staged)
    return env


def _run(argv: list[str], what: str) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise ArgentoError(f"could not {what}: " + " | ".join(tail))


def serve_command(
    bento: Bento,
    *,
    port: int,
    host: str = "127.0.0.1",
    reuse_env: bool = False,
    settings: Settings | None = None,
    extra: list[str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The argv and extra environment that serve ``bento`` (in its isolated env unless ``reuse_env``)."""
    python = sys.executable if reuse_env else str(env_python(ensure_env(bento, settings)))
    argv = [
        python,
        "-m",
        "argento.deployments.bentos.runner",
        str(bento.path),
        "--host",
        host,
        "--port",
        str(port),
        *(extra or []),
    ]
    env = {str(k): str(v) for k, v in (bento.manifest.get("envs") or {}).items()}
    return argv, env


def exec_serve(bento: Bento, *, port: int, host: str, reuse_env: bool, extra: list[str]) -> int:
    """``argento serve TAG``: replace this process with the bento's runner (in its own environment)."""
    if reuse_env:
        from argento.deployments.bentos.runner import main

        for key, value in (bento.manifest.get("envs") or {}).items():
            os.environ.setdefault(str(key), str(value))
        return main([str(bento.path), "--host", host, "--port", str(port), *extra])
    argv, env = serve_command(bento, port=port, host=host, extra=extra)
    os.execve(argv[0], argv, {**os.environ, **env})
    return 0  # pragma: no cover - execve does not return
