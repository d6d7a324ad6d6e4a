"""How the user types ``argento`` from where they are, for the commands a message tells them to run next.

After ``make demo`` the running ``argento`` is ``.venv/bin/argento`` and nothing named ``argento`` is on
``PATH`` (or another one is): a hint that says ``argento down`` would not work. :func:`argento_command` is
``argento`` when the one on ``PATH`` is this one, otherwise this one's path (relative to the current
directory when below it), or ``python -m argento`` when no console script runs.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def _shown(path: Path, cwd: Path) -> str:
    path = path.absolute()
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _same(a: Path, b: str | None) -> bool:
    try:
        return b is not None and os.path.samefile(a, b)
    except OSError:
        return False


def running_script(argv0: str | None = None) -> Path | None:
    """The ``argento`` console script this process runs as, if any."""
    path = Path(argv0 if argv0 is not None else sys.argv[0])
    return path if path.name == "argento" and path.is_file() else None


def argento_command(*, argv0: str | None = None, path_env: str | None = None, cwd: Path | None = None) -> str:
    """``argento``, ``.venv/bin/argento`` or ``/abs/python -m argento``: what runs *this* Argento here."""
    cwd = (cwd or Path.cwd()).absolute()
    on_path = shutil.which("argento", path=path_env if path_env is not None else os.environ.get("PATH"))
    script = running_script(argv0)
    if script is not None:
        if _same(script, on_path):
            return "argento"
        shown = _shown(script, cwd)
        return shown if "/" in shown else f"./{shown}"
    if on_path and _same(Path(on_path).parent / "python", sys.executable):
        return "argento"  # `python -m argento` of the environment whose argento is on PATH
    return f"{_shown(Path(sys.executable), cwd)} -m argento"


def activate_hint(*, argv0: str | None = None, path_env: str | None = None, cwd: Path | None = None) -> str:
    """``source .venv/bin/activate`` when this Argento's virtualenv is not active, else ``""``."""
    if argento_command(argv0=argv0, path_env=path_env, cwd=cwd) == "argento":
        return ""
    script = running_script(argv0)
    bindir = script.absolute().parent if script is not None else Path(sys.executable).absolute().parent
    activate = bindir / "activate"
    return f"source {_shown(activate, (cwd or Path.cwd()).absolute())}" if activate.is_file() else ""
