"""The built-in image table (SPEC §2.4): which local runtime stands in for each well-known image.

One entry per image glob, in the format of ``images.yaml`` (see `images` and docs/images.md). To support a new
image family, add one entry to `DEFAULTS` — a later entry never shadows an earlier one, since the first
matching glob wins. Programs an image ships at absolute paths are declared as ``aliases`` keys: argv[0] is
rewritten to the host program, and in the namespace modes the program is also placed at that path in the
step's view (where the host has nothing there), so ``sh -c "…; /argosay"`` finds it.

The Python-stack images (``python``, ``rayproject/ray``, ``pytorch``, ``tensorflow``, ``continuumio``,
``jupyter``, MLflow's) all run the current interpreter *in its current environment*: whatever Argento's
environment has installed (ray, torch, mlflow, …) is importable in the step, and nothing else is.
"""

from __future__ import annotations

import shutil
from typing import Any

from argento.compat import BIN as COMPAT_BIN

#: Where images put their interpreter; each becomes a program that runs the current interpreter.
_PYTHON_PATHS = (
    "/usr/local/bin/python",
    "/usr/local/bin/python3",
    "/usr/bin/python",
    "/usr/bin/python3",
)
_CONDA_PATHS = ("/opt/conda/bin/python", "/opt/conda/bin/python3")


def _python(*extra_paths: str, scripts: bool = False, cmd: tuple[str, ...] = ("python3",)) -> dict[str, Any]:
    """An image whose programs are the current interpreter (and, with ``scripts``, its environment's CLIs)."""
    aliases = {p: "{python}/python3" for p in (*_PYTHON_PATHS, *extra_paths)}
    aliases.update({"python": "{python}/python3", "python3": "{python}/python3"})
    entry: dict[str, Any] = {
        "path": ["{python}", *(["{scripts}"] if scripts else []), "{bin}"],
        "aliases": aliases,
        "memory_rlimit": "data",
    }
    if cmd:
        entry["cmd"] = list(cmd)
    return entry


_SHELL_IMAGES = ("debian*", "ubuntu*", "bash*", "centos*", "fedora*", "rockylinux*")
# busybox's ash (the `sh` of busybox/alpine-based images) knows `[[ … ]]` and `$RANDOM`; the host's sh
# may be dash, which does not. bash accepts what ash accepts. (/bin/sh exists on every host, so the host's
# stays at that path; only argv[0] is rewritten.)
_ASH_ALIASES = {"sh": "bash", "/bin/sh": "bash"} if shutil.which("bash") else {}
# argoproj/argosay (Argo's test/e2e/images/argosay): v1 is ubuntu with cowsay in /usr/games; v2 adds the
# argosay script at /argosay and makes it the ENTRYPOINT.
_COWSAY = {"/usr/games/cowsay": "{bin}/cowsay"}

#: The built-in table. Shell images run host tools; ``cmd`` mirrors the image's default CMD.
DEFAULTS: dict[str, dict[str, Any]] = {
    "python": _python(),
    "python:*": _python(),
    **{glob: {"path": ["{bin}"], "cmd": ["sh"]} for glob in _SHELL_IMAGES},
    **{glob: {"path": ["{bin}"], "cmd": ["sh"], "aliases": _ASH_ALIASES} for glob in ("busybox*", "alpine*")},
    "argoproj/argosay:v2": {
        "path": ["{bin}"],
        "entrypoint": ["argosay"],
        "aliases": {"/argosay": "{bin}/argosay", **_COWSAY, **_ASH_ALIASES},
    },
    "argoproj/argosay:v1": {
        "path": ["{bin}"],
        "entrypoint": ["argosay"],
        "env": {"ARGOSAY_VERSION": "1"},
        "aliases": {"/argosay": "{bin}/argosay", **_COWSAY, **_ASH_ALIASES},
    },
    "docker/whalesay*": {
        "path": ["{bin}"],
        "cmd": ["sh"],
        "env": {"ARGENTO_COW": "whale"},
        "aliases": {"/usr/local/bin/cowsay": "{bin}/cowsay"},
    },
    "node": {"requires": ["node"], "cmd": ["node"], "memory_rlimit": "none"},
    "node:*": {"requires": ["node"], "cmd": ["node"], "memory_rlimit": "none"},
    "curlimages/curl*": {"requires": ["curl"], "entrypoint": ["curl"], "path": ["{bin}"]},
    "stedolan/jq*": {"requires": ["jq"], "entrypoint": ["jq"], "path": ["{bin}"]},
    "golang:*": {"requires": ["go"], "path": ["{bin}"], "cmd": ["sh"], "memory_rlimit": "none"},
    # ML stacks. Their CMD is a shell (or a notebook server): a step names its command.
    "rayproject/ray*": _python(
        "/home/ray/anaconda3/bin/python", "/home/ray/anaconda3/bin/python3", scripts=True, cmd=()
    ),
    "pytorch/*": _python(*_CONDA_PATHS, cmd=()),
    "tensorflow/*": _python(cmd=()),
    "continuumio/*": _python(*_CONDA_PATHS, cmd=()),
    "jupyter/*": _python(*_CONDA_PATHS, scripts=True, cmd=()),
    "ghcr.io/mlflow/mlflow*": _python(scripts=True),
    # BentoML's image: `bentoml` and `import bentoml` from Argento's compatibility layer (argento.compat).
    "bentoml/bentoml*": {**_python(cmd=("bentoml",)), "path": ["{python}", "{bin}", str(COMPAT_BIN)]},
}
