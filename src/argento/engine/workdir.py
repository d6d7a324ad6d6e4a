"""Relative scripts: ``command: [python, train.py]`` finds ``train.py`` in the folder the workflow came from.

In a cluster the script is baked into the image. Locally it sits beside the manifest, so the workflow carries
that folder in the annotation :data:`ANNOTATION` — ``argento run FILE`` sets it to FILE's folder,
``argento submit --workdir DIR`` to DIR — and a container without ``workingDir`` whose script operand is a
relative path of a file in that folder runs it by its absolute path (the folder is mounted at its own path,
so the step's private ``/tmp`` cannot hide it). The script operand is the program itself when it is a relative
path with a ``/`` (``./run.sh``), or the first operand of an interpreter (``python``, ``bash``, ``node``, …) —
none after ``-c``/``-m``/``-e``. Nothing else of the command line changes, and the step's working directory
stays what the image says.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from argento.engine.scope import anystr

#: Workflow annotation holding the absolute folder relative scripts are resolved against.
ANNOTATION = "workflows.argento.io/workdir"

_INTERPRETER = re.compile(r"^(python[0-9.]*|pypy[0-9.]*|bash|sh|dash|zsh|ksh|node|Rscript|perl|ruby|julia)$")
#: The program text follows these options: there is no script file.
_NO_SCRIPT = frozenset({"-c", "-m", "-e", "--eval", "-"})
#: Interpreter options that take a value (``python -W ignore train.py``).
_WITH_VALUE = frozenset({"-W", "-X"})


def workdir_of(workflow: Mapping[str, Any]) -> Path | None:
    """The folder of :data:`ANNOTATION`, if set to an existing absolute directory."""
    value = ((workflow.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION)
    if not isinstance(value, str) or not os.path.isabs(value):
        return None
    path = Path(value)
    return path if path.is_dir() else None


def _script_index(argv: list[str]) -> int | None:
    """Where the script operand of ``argv`` is, if it has one."""
    if not argv:
        return None
    program = argv[0]
    if "/" in program and not program.startswith("/"):
        return 0
    if not _INTERPRETER.match(posixpath.basename(program)):
        return None
    i = 1
    while i < len(argv):
        token = argv[i]
        if token in _NO_SCRIPT:
            return None
        if token.startswith("-"):
            i += 2 if token in _WITH_VALUE else 1
            continue
        return i
    return None


def resolve_scripts(
    workflow: Mapping[str, Any], container: Mapping[str, Any], mounts: dict[str, Path]
) -> tuple[list[str], list[str], dict[str, Path]]:
    """``(command, args, mounts)`` of ``container`` with a relative script of the workflow's folder made absolute
    (and that folder mounted), or unchanged."""
    command = [anystr(c) for c in container.get("command") or []]
    args = [anystr(a) for a in container.get("args") or []]
    base = workdir_of(workflow)
    if base is None or container.get("workingDir") or not command:
        return command, args, mounts
    argv = [*command, *args]
    index = _script_index(argv)
    if index is None or argv[index].startswith("/") or not (base / argv[index]).is_file():
        return command, args, mounts
    argv[index] = str(base / argv[index])
    return argv[: len(command)], argv[len(command) :], {**mounts, str(base): base}


__all__ = ["ANNOTATION", "resolve_scripts", "workdir_of"]
