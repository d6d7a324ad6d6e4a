"""Which files hold manifests: the files named, plus ``*.yaml``/``*.yml``/``*.json`` under the folders named.

Light on purpose (no models, no YAML): ``argento run`` keys its cache of checked manifests on these files
(:mod:`argento.cli.checked`) before it knows whether it must parse them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def manifest_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named on the command line, plus ``*.yaml``/``*.yml``/``*.json`` found under directories (sorted)."""
    files: list[Path] = []
    for entry in paths:
        p = Path(entry)
        if p.is_dir():
            files.extend(
                sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in MANIFEST_SUFFIXES)
            )
        else:
            files.append(p)
    return files
