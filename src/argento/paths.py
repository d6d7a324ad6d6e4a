"""Every filesystem path built from a name goes through here, so no name can leave its root.

Names come from manifests, API requests and URLs (a workflow, a pod, a container, a secret, a model, a
bento, a deployment, an artifact key). Validation at the edges (:mod:`argento.names`) keeps them DNS-1123,
but a path is the last line of defence and must hold on its own, for names stored before the rules
existed too:

- :func:`safe_join` ``(root, *names)``: each name is one path segment — not empty, not ``.`` or ``..``, no
  ``/``, ``\\`` or NUL, at most 255 bytes — and the joined path, with symbolic links resolved, must stay
  inside ``root`` (a link a step planted under ``runs/`` cannot point a later write at ``/etc``);
- :func:`safe_key` ``(root, key)``: the same for a ``/``-separated relative key (artifact repository keys).

Both raise :class:`~argento.errors.SpecError` naming the offending value, never touch the filesystem beyond
resolving links, and return the (unresolved) joined path, so callers keep the paths they print.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from argento.errors import SpecError
from argento.names import go_quote

#: NAME_MAX of Linux filesystems.
MAX_SEGMENT_BYTES = 255


def segment_error(name: object) -> str:
    """Why ``name`` cannot be one path segment (empty when it can)."""
    if not isinstance(name, str):
        return f"must be a string, got {type(name).__name__}"
    if not name:
        return "must not be empty"
    if name in (".", ".."):
        return f"may not be {go_quote(name)}"
    for bad, what in (("/", "'/'"), ("\\", "'\\\\'"), ("\x00", "NUL")):
        if bad in name:
            return f"may not contain {what}"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_SEGMENT_BYTES:
        return f"must be no more than {MAX_SEGMENT_BYTES} bytes"
    return ""


def _contained(root: Path, path: Path, shown: str, what: str) -> Path:
    base = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != base and not real.startswith(base.rstrip(os.sep) + os.sep):
        raise SpecError(f"{what} {shown} leads outside {root}")
    return path


def safe_join(root: str | os.PathLike[str], *names: str, what: str = "name") -> Path:
    """``root/name/…`` where every name is a single safe segment and the result stays inside ``root``."""
    base = Path(root)
    for name in names:
        problem = segment_error(name)
        if problem:
            shown = go_quote(name) if isinstance(name, str) else repr(name)
            raise SpecError(f"invalid {what} {shown}: {problem}")
    path = base.joinpath(*names)
    # Every name is one segment that is neither ``.`` nor ``..``: the path can only lead outside ``root``
    # through a symbolic link among the segments added, so resolving is needed only when one is a link.
    probe = os.fspath(base)
    for name in names:
        probe = os.path.join(probe, name)
        try:
            if stat.S_ISLNK(os.lstat(probe).st_mode):
                return _contained(base, path, go_quote("/".join(names)), what)
        except OSError:
            return path  # it does not exist (nor anything below it): it cannot lead anywhere yet
    return path


def private_dir(path: str | os.PathLike[str]) -> Path:
    """``path`` as a folder only its owner can enter (0700): made so if missing, tightened if it is looser.
    For Argento's own folders of private data (``runs/``: step logs and outputs)."""
    folder = Path(path)
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    try:
        if folder.stat().st_mode & 0o077:
            folder.chmod(0o700)
    except OSError:
        pass  # not ours to change: leave it as its owner set it
    return folder


def safe_key(root: str | os.PathLike[str], key: str, *, what: str = "key") -> Path:
    """``root/key`` for a relative ``/``-separated ``key`` (``a/b/c.tgz``) that stays inside ``root``."""
    if not isinstance(key, str) or not key or key.startswith("/"):
        raise SpecError(f"invalid {what} {go_quote(str(key))}: keys are relative, /-separated paths")
    parts = [p for p in key.split("/") if p]  # `a//b` and a trailing `/` name the same object as `a/b`
    return safe_join(root, *parts, what=what)
