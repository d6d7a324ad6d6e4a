"""Image -> local runtime table (SPEC §2.4): no container runtime is assumed.

An image name is matched (after dropping ``docker.io/``, ``library/`` and any ``@sha256:`` digest) against glob
patterns, first match wins. Sources, highest precedence first:

1. ``ARGENTO_IMAGES`` (`Settings.images`): a path to a YAML/JSON file, or inline YAML/JSON;
2. ``~/.argento/images.yaml`` (`Settings.images_file`);
3. the built-in defaults (`image_defaults.DEFAULTS`).

A file maps a glob to an entry (a top-level ``images:`` key is also accepted); docs/images.md is the reference::

    "myorg/trainer:*":
      path: [/opt/trainer/bin]          # dirs put first on PATH (before the executor's bin dir and host PATH)
      aliases: {/app/train: train}      # programs of the image: container path (or name) -> host program
      env: {TRAINER_HOME: /opt/trainer}
      entrypoint: [train]               # the image's ENTRYPOINT, used when a step has no command
      cmd: [--help]                     # the image's CMD, used when a step has neither command nor args
      requires: [train]                 # host programs that must exist, else the image is unsupported
      memory_rlimit: data               # how a memory limit is enforced: as | data | none
    "nginx*": {unsupported: "daemon images are not emulated locally"}

Aliases: argv[0] is rewritten in every mode. An alias whose key is an absolute path is also a *program the
image provides at that path*: in the namespace modes it is placed there in the step's view (unless the host has
something at that path, which then stays), so a shell string, a script or an env value naming it finds it; in
rewrite mode the path is rewritten in argv, env values and script source (see `layout`). A program that is a
symlink (the ``{python}`` interpreter) is provided as a tiny ``exec`` wrapper, so the interpreter keeps its
environment.

Placeholders in ``path``, ``aliases`` and ``env`` values: ``{bin}`` is the executor's bin dir (argosay,
cowsay and, when sleeps are scaled, sleep); ``{python}`` a bin dir whose ``python``/``python3`` run the current
interpreter *in its current environment* (a venv keeps its packages); ``{scripts}`` that environment's
console-scripts dir (``ray``, ``mlflow``, ``jupyter`` when installed).

An image that matches no glob runs on the host (its command from the host PATH, the same filesystem view as a
mapped image) and carries a `ImageRuntime.warning`; ``Settings.strict_images`` (``--strict-images``,
``ARGENTO_STRICT_IMAGES``) refuses it instead.

Memory limits (``memory_rlimit``): ``as`` sets RLIMIT_AS (address space) — exact for small C programs;
``data`` sets RLIMIT_DATA (heap and private writable mappings) — used for Python, whose thread arenas and
BLAS pools reserve far more address space than they touch; ``none`` for runtimes that reserve address space
up front (node's V8, Go). CPU limits are not enforced (requests are admission-controlled, see `admission`).
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import sys
import sysconfig
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argento.config import Settings
from argento.errors import ExecutorError

from . import shims
from .base import UnknownImage
from .image_defaults import DEFAULTS

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
    #: Programs the image provides at absolute container paths: container path -> host file to place there.
    programs: Mapping[str, str] = field(default_factory=dict)
    #: Set when the image has no mapping and runs on the host anyway: what to tell the user, once per image.
    warning: str = ""

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
            name = name[len(prefix) :]
    if name.startswith("library/"):
        name = name[len("library/") :]
    return name


def _load_source(text_or_path: str) -> tuple[dict[str, Any], str]:
    """``ARGENTO_IMAGES``: inline YAML/JSON, or a path to a file."""
    stripped = text_or_path.strip()
    if (
        stripped.startswith(("{", "["))
        or "\n" in stripped
        or (":" in stripped and not os.path.exists(stripped))
    ):
        return _parse(stripped, "ARGENTO_IMAGES"), "ARGENTO_IMAGES"
    path = Path(stripped).expanduser()
    try:
        text = path.read_text()
    except OSError as e:
        raise ExecutorError(f"ARGENTO_IMAGES: cannot read the image table {path}: {e.strerror}") from e
    return _parse(text, str(path)), str(path)


def _parse(text: str, where: str) -> dict[str, Any]:
    import yaml  # only a user's table is YAML: a run without one never loads it

    from argento.yamlsafe import safe_load

    try:
        data = json.loads(text) if text.lstrip().startswith("{") else safe_load(text, where)
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
        key = hashlib.sha1(f"{sys.executable}|{settings.sleep_scale}|{host_sleep}|1".encode()).hexdigest()[
            :12
        ]
        self.root = settings.home / "runtime" / key
        self.bin = self.root / "bin"
        self.python_bin = self.root / "python" / "bin"
        self.scripts = sysconfig.get_path("scripts") or os.path.dirname(sys.executable)
        self._sh = os.path.realpath(shutil.which("sh", path=host_path) or "/bin/sh")
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
        return (
            value.replace("{bin}", str(self.bin))
            .replace("{python}", str(self.python_bin))
            .replace("{scripts}", self.scripts)
        )

    def program_file(self, program: str) -> str:
        """A regular file that runs ``program`` when placed at another path.

        A symlink cannot be placed (a bind mount follows it, and the interpreter behind ``{python}/python3``
        would lose its venv), so a link gets an ``exec`` wrapper, written once under ``wrappers/``.
        """
        if not os.path.islink(program):
            return program
        digest = hashlib.sha1(program.encode()).hexdigest()[:10]
        wrapper = self.root / "wrappers" / f"{os.path.basename(program)}-{digest}"
        if not wrapper.exists():
            wrapper.parent.mkdir(parents=True, exist_ok=True)
            shims.write_executable(wrapper, f'#!{self._sh}\nexec {shlex.quote(program)} "$@"\n')
        return str(wrapper)


@functools.lru_cache(maxsize=1024)
def _matcher(glob: str) -> Callable[[str], bool]:
    """``fnmatch``'s test of ``glob`` (case-sensitive): a plain name or a prefix ending in ``*`` — most of the
    table — without compiling a regular expression (~40 of them took ~5 ms of every run)."""
    if not any(ch in glob for ch in "*?["):
        return glob.__eq__
    head = glob[:-1]
    if glob.endswith("*") and not any(ch in head for ch in "*?["):
        return lambda name: name.startswith(head)
    rx = re.compile(fnmatch.translate(glob))
    return lambda name: rx.match(name) is not None


def image_check(settings: Settings, host_path: str | None = None) -> Callable[[str], str]:
    """`ImageTable.check` of the user's table, for lint (writes nothing; ``host_path`` defaults to PATH)."""
    return ImageTable(settings, None, host_path or os.environ.get("PATH") or os.defpath).check


class ImageTable:
    """Resolves image names to `ImageRuntime` (results are cached per image name).

    ``runtime`` may be None for a table that only answers `check` (lint: nothing is written to disk).
    """

    def __init__(self, settings: Settings, runtime: Runtime | None, host_path: str) -> None:
        self.runtime = runtime
        self.host_path = host_path
        self.table_file = settings.images_file
        self.strict = settings.strict_images
        self._sources: list[tuple[str, dict[str, Any]]] = []
        if settings.images:
            data, where = _load_source(settings.images)
            self._sources.append((where, data))
        if self.table_file.exists():
            self._sources.append(
                (str(self.table_file), _parse(self.table_file.read_text(), str(self.table_file)))
            )
        self._sources.append(("built-in", DEFAULTS))
        self._compiled = [
            (_matcher(glob), glob, where, entry) for where, data in self._sources for glob, entry in data.items()
        ]
        self._cache: dict[str, ImageRuntime] = {}

    def lookup(self, image: str) -> tuple[str, str, Mapping[str, Any]] | None:
        """The first matching ``(glob, source, entry)`` for ``image``, or None when no glob matches."""
        name = normalize_image(image)
        for matches, glob, where, entry in self._compiled:
            if matches(name):
                return glob, where, entry
        return None

    def unmapped_message(self, image: str) -> str:
        """What is said about an image no glob matches (a warning; the refusal itself under strict images)."""
        name = normalize_image(image)
        example = f"{json.dumps(name.split(':')[0] + '*')}: {{path: [/usr/bin]}}"
        if self.strict:
            return (
                f'image "{image}" has no local runtime mapping (strict images): add an entry for it to '
                f"{self.table_file} (or ARGENTO_IMAGES), e.g. {example}"
            )
        return (
            f'image "{image}" has no local runtime mapping: its steps run on the host (commands from the host '
            f"PATH); map it in {self.table_file} or ARGENTO_IMAGES (docs/images.md), e.g. {example}, or refuse "
            "unmapped images with --strict-images"
        )

    def check(self, image: str) -> str:
        """Why ``image`` will not run as its own runtime ("" when it is mapped and runnable): lint's view."""
        hit = self.lookup(image)
        if hit is None:
            return self.unmapped_message(image)
        glob, where, entry = hit
        try:
            self._check_entry(image, glob, where, entry)
        except UnknownImage as e:
            return str(e)
        return ""

    def resolve(self, image: str) -> ImageRuntime:
        """The runtime for ``image``; raises `UnknownImage` naming the image and the table file.

        An image no glob matches runs on the host (a runtime with a `ImageRuntime.warning`), unless the table
        is strict.
        """
        hit = self._cache.get(image)
        if hit is not None:
            return hit
        found = self.lookup(image)
        if found is None:
            if self.strict:
                raise UnknownImage(self.unmapped_message(image), image=image)
            runtime = ImageRuntime(
                pattern=f"(unmapped) {normalize_image(image)}",
                source="none",
                warning=self.unmapped_message(image),
            )
        else:
            runtime = self._build(image, *found)
        self._cache[image] = runtime
        return runtime

    def _check_entry(self, image: str, glob: str, where: str, entry: Mapping[str, Any]) -> None:
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
        rlimit = str(entry.get("memory_rlimit", "as"))
        if rlimit not in ("as", "data", "none"):
            raise ExecutorError(f"{where}: image {glob!r}: memory_rlimit must be as, data or none")

    def _build(self, image: str, glob: str, where: str, entry: Mapping[str, Any]) -> ImageRuntime:
        self._check_entry(image, glob, where, entry)
        runtime = self.runtime
        if runtime is None:
            raise ExecutorError("this image table only checks images (it has no runtime)")
        expand = runtime.expand
        path = tuple(expand(str(p)) for p in entry.get("path", ()))
        aliases = {str(k): expand(str(v)) for k, v in (entry.get("aliases") or {}).items()}
        search = os.pathsep.join((*path, str(runtime.bin), self.host_path))
        programs: dict[str, str] = {}
        for container_path, program in aliases.items():
            if not container_path.startswith("/"):
                continue
            host = program if program.startswith("/") else shutil.which(program, path=search)
            if host and os.path.isfile(host):
                programs[os.path.normpath(container_path)] = runtime.program_file(host)
        return ImageRuntime(
            pattern=glob,
            path=path,
            aliases=aliases,
            env={str(k): expand(str(v)) for k, v in (entry.get("env") or {}).items()},
            entrypoint=tuple(str(a) for a in entry.get("entrypoint", ())),
            cmd=tuple(str(a) for a in entry.get("cmd", ())),
            memory_rlimit=str(entry.get("memory_rlimit", "as")),
            source=where,
            programs=programs,
        )
