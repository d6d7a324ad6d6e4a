"""Image -> local runtime table (SPEC §2.4): no container runtime is assumed.

An image name is matched (after dropping ``docker.io/``, ``library/`` and any ``@sha256:`` digest) against glob
patterns, first match wins. Sources, highest precedence first:

1. ``ARGENTO_IMAGES`` (`Settings.images`): a path to a YAML/JSON file, or inline YAML/JSON;
2. ``~/.argento/images.yaml`` (`Settings.images_file`);
3. the built-in defaults (`DEFAULTS`).

A file maps a glob to an entry (a top-level ``images:`` key is also accepted)::

    "myorg/trainer:*":
      path: [/opt/trainer/bin]          # dirs put first on PATH (before the executor's bin dir and host PATH)
      aliases: {/app/train: train}      # argv[0] rewrites: absolute container paths -> host program
      env: {TRAINER_HOME: /opt/trainer}
      entrypoint: [train]               # the image's ENTRYPOINT, used when a step has no command
      cmd: [--help]                     # the image's CMD, used when a step has neither command nor args
      requires: [train]                 # host programs that must exist, else the image is unsupported
      memory_rlimit: data               # how a memory limit is enforced: as | data | none
    "nginx*": {unsupported: "daemon images are not emulated locally"}

Placeholders in ``path``, ``aliases`` and ``env`` values: ``{bin}`` is the executor's bin dir (argosay,
cowsay and, when sleeps are scaled, sleep); ``{python}`` a bin dir whose ``python``/``python3`` run the current
interpreter *in its current environment* (a venv keeps its packages).

Memory limits (``memory_rlimit``): ``as`` sets RLIMIT_AS (address space) — exact for small C programs;
``data`` sets RLIMIT_DATA (heap and private writable mappings) — used for Python, whose thread arenas and
BLAS pools reserve far more address space than they touch; ``none`` for runtimes that reserve address space
up front (node's V8, Go). CPU limits are not enforced (requests are admission-controlled, see `admission`).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from argento.config import Settings
from argento.errors import ExecutorError

from . import shims
from .base import UnknownImage

_PYTHON_ALIASES = {
    p: "{python}/python3"
    for p in (
        "/usr/local/bin/python",
        "/usr/local/bin/python3",
        "/usr/bin/python",
        "/usr/bin/python3",
        "python",
        "python3",
    )
}
_SHELL_IMAGES = ("debian*", "ubuntu*", "bash*", "centos*", "fedora*", "rockylinux*")
_ASH_ALIASES = {"sh": "bash", "/bin/sh": "bash"} if shutil.which("bash") else {}

#: The built-in table. Shell images run host tools; ``cmd`` mirrors the image's default CMD.
DEFAULTS: dict[str, dict[str, Any]] = {
    "python": {"path": ["{python}", "{bin}"], "aliases": _PYTHON_ALIASES, "cmd": ["python3"],
               "memory_rlimit": "data"},
    "python:*": {"path": ["{python}", "{bin}"], "aliases": _PYTHON_ALIASES, "cmd": ["python3"],
                 "memory_rlimit": "data"},
    **{glob: {"path": ["{bin}"], "cmd": ["sh"]} for glob in _SHELL_IMAGES},
    # busybox's ash (the `sh` of busybox/alpine-based images) knows `[[ … ]]` and `$RANDOM`; the host's sh
    # may be dash, which does not. bash accepts what ash accepts.
    **{glob: {"path": ["{bin}"], "cmd": ["sh"], "aliases": _ASH_ALIASES} for glob in ("busybox*", "alpine*")},
    "argoproj/argosay:v2": {"path": ["{bin}"], "entrypoint": ["argosay"],
                            "aliases": {"/argosay": "{bin}/argosay", **_ASH_ALIASES}},
    "argoproj/argosay:v1": {"path": ["{bin}"], "entrypoint": ["argosay"], "env": {"ARGOSAY_VERSION": "1"},
                            "aliases": {"/argosay": "{bin}/argosay", **_ASH_ALIASES}},
    "docker/whalesay*": {"path": ["{bin}"], "cmd": ["sh"], "env": {"ARGENTO_COW": "whale"}},
    "node": {"requires": ["node"], "cmd": ["node"], "memory_rlimit": "none"},
    "node:*": {"requires": ["node"], "cmd": ["node"], "memory_rlimit": "none"},
    "curlimages/curl*": {"requires": ["curl"], "entrypoint": ["curl"], "path": ["{bin}"]},
    "stedolan/jq*": {"requires": ["jq"], "entrypoint": ["jq"], "path": ["{bin}"]},
    "golang:*": {"requires": ["go"], "path": ["{bin}"], "cmd": ["sh"], "memory_rlimit": "none"},
}

_ENTRY_KEYS = {"path", "aliases", "env", "entrypoint", "cmd", "requires", "unsupported", "memory_rlimit"}


@dataclass(frozen=True)
class ImageRuntime:
    """How one image runs on this host (placeholders already expanded)."""

    pattern: str
    path: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    memory_rlimit: str = "as"
    #: Where the entry came from (a file path, ``ARGENTO_IMAGES`` or ``built-in``), for messages.
    source: str = "built-in"

    def argv(self, command: list[str], args: list[str]) -> list[str]:
        """Kubernetes' rule: ``command`` replaces ENTRYPOINT, ``args`` replace CMD; then apply ``aliases``."""
        if command:
            argv = [*command, *args]
        elif self.entrypoint:
            argv = [*self.entrypoint, *(args or self.cmd)]
        else:
            argv = list(args or self.cmd)
        if argv and argv[0] in self.aliases:
            argv[0] = self.aliases[argv[0]]
        return argv


def normalize_image(image: str) -> str:
    """``docker.io/library/python:3.12@sha256:…`` -> ``python:3.12``."""
    name = image.strip().split("@", 1)[0]
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    if name.startswith("library/"):
        name = name[len("library/"):]
    return name


def _load_source(text_or_path: str) -> tuple[dict[str, Any], str]:
    """``ARGENTO_IMAGES``: inline YAML/JSON, or a path to a file."""
    stripped = text_or_path.strip()
    if stripped.startswith(("{", "[")) or "\n" in stripped or (":" in stripped and not os.path.exists(stripped)):
        return _parse(stripped, "ARGENTO_IMAGES"), "ARGENTO_IMAGES"
    path = Path(stripped).expanduser()
    try:
        text = path.read_text()
    except OSError as e:
        raise ExecutorError(f"ARGENTO_IMAGES: cannot read the image table {path}: {e.strerror}") from e
    return _parse(text, str(path)), str(path)


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        raise ExecutorError(f"{where}: cannot parse the image table: {e}") from e
    if data is None:
        return {}
    if isinstance(data, dict) and isinstance(data.get("images"), dict):
        data = data["images"]
    if not isinstance(data, dict):
        raise ExecutorError(f"{where}: the image table must map image globs to entries")
    for glob, entry in data.items():
        if not isinstance(entry, dict) or not set(entry) <= _ENTRY_KEYS:
            raise ExecutorError(
                f"{where}: image {glob!r}: an entry is a mapping with keys {sorted(_ENTRY_KEYS)}, got {entry!r}"
            )
    return data


class Runtime:
    """The executor's on-disk runtime: the shim bin dir and the python bin dir, written once per settings."""

    def __init__(self, settings: Settings, host_path: str) -> None:
        host_sleep = shutil.which("sleep", path=host_path) or "/bin/sleep"
        key = hashlib.sha1(f"{sys.executable}|{settings.sleep_scale}|{host_sleep}|1".encode()).hexdigest()[:12]
        self.root = settings.home / "runtime" / key
        self.bin = self.root / "bin"
        self.python_bin = self.root / "python" / "bin"
        shims.install(self.bin, sleep_scale=settings.sleep_scale, host_sleep=host_sleep)
        self._install_python()

    def _install_python(self) -> None:
        # A plain symlink to a venv's python loses the venv (Python finds pyvenv.cfg next to the *invoked*
        # path), so in a venv we mirror its layout: bin/python -> base interpreter, pyvenv.cfg, lib -> venv lib.
        pyroot = self.python_bin.parent
        self.python_bin.mkdir(parents=True, exist_ok=True)
        in_venv = sys.prefix != sys.base_prefix
        target = os.path.realpath(sys.executable)
        links: dict[Path, str] = {self.python_bin / "python": target, self.python_bin / "python3": target}
        if in_venv:
            cfg = Path(sys.prefix) / "pyvenv.cfg"
            if cfg.exists():
                new = cfg.read_text()
                mine = pyroot / "pyvenv.cfg"
                if not mine.exists() or mine.read_text() != new:
                    tmp = pyroot / f".pyvenv.cfg.{os.getpid()}"
                    tmp.write_text(new)
                    os.replace(tmp, mine)
            for libdir in {"lib", sys.platlibdir}:
                if (Path(sys.prefix) / libdir).exists():
                    links[pyroot / libdir] = str(Path(sys.prefix) / libdir)
        for link, dest in links.items():
            if os.path.islink(link) and os.readlink(link) == dest:
                continue
            tmp = link.with_name(f".{link.name}.{os.getpid()}")
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(dest, tmp)
            os.replace(tmp, link)

    def expand(self, value: str) -> str:
        return value.replace("{bin}", str(self.bin)).replace("{python}", str(self.python_bin))


class ImageTable:
    """Resolves image names to `ImageRuntime` (results are cached per image name)."""

    def __init__(self, settings: Settings, runtime: Runtime, host_path: str) -> None:
        self.runtime = runtime
        self.host_path = host_path
        self.table_file = settings.images_file
        self._sources: list[tuple[str, dict[str, Any]]] = []
        if settings.images:
            data, where = _load_source(settings.images)
            self._sources.append((where, data))
        if self.table_file.exists():
            self._sources.append((str(self.table_file), _parse(self.table_file.read_text(), str(self.table_file))))
        self._sources.append(("built-in", DEFAULTS))
        self._compiled = [
            (re.compile(fnmatch.translate(glob)), glob, where, entry)
            for where, data in self._sources
            for glob, entry in data.items()
        ]
        self._cache: dict[str, ImageRuntime] = {}

    def resolve(self, image: str) -> ImageRuntime:
        """The runtime for ``image``; raises `UnknownImage` naming the image and the table file."""
        hit = self._cache.get(image)
        if hit is not None:
            return hit
        name = normalize_image(image)
        for rx, glob, where, entry in self._compiled:
            if rx.match(name):
                runtime = self._build(image, glob, where, entry)
                self._cache[image] = runtime
                return runtime
        raise UnknownImage(
            f'image "{image}" has no local runtime mapping: add an entry for it to {self.table_file} '
            f"(or ARGENTO_IMAGES), e.g. {json.dumps(name.split(':')[0] + '*')}: {{path: [/usr/bin]}}",
            image=image,
        )

    def _build(self, image: str, glob: str, where: str, entry: Mapping[str, Any]) -> ImageRuntime:
        if entry.get("unsupported"):
            raise UnknownImage(
                f'image "{image}" is not supported locally ({glob!r} in {where}): {entry["unsupported"]}',
                image=image,
            )
        for program in entry.get("requires", ()):
            if shutil.which(program, path=self.host_path) is None:
                raise UnknownImage(
                    f'image "{image}" needs `{program}` on the host PATH ({glob!r} in {where}); install it '
                    f"or map the image in {self.table_file}",
                    image=image,
                )
        expand = self.runtime.expand
        rlimit = str(entry.get("memory_rlimit", "as"))
        if rlimit not in ("as", "data", "none"):
            raise ExecutorError(f"{where}: image {glob!r}: memory_rlimit must be as, data or none")
        return ImageRuntime(
            pattern=glob,
            path=tuple(expand(str(p)) for p in entry.get("path", ())),
            aliases={str(k): expand(str(v)) for k, v in (entry.get("aliases") or {}).items()},
            env={str(k): expand(str(v)) for k, v in (entry.get("env") or {}).items()},
            entrypoint=tuple(str(a) for a in entry.get("entrypoint", ())),
            cmd=tuple(str(a) for a in entry.get("cmd", ())),
            memory_rlimit=rlimit,
            source=where,
        )
