"""Layers as code: the import-linter contracts of pyproject.toml ([tool.importlinter], docs/ARCHITECTURE.md
"Layers") hold, and no import cycle exists among Argento's modules beyond the documented ones below.

Cycles are read by tests/architecture/layers.py (ast; module- and function-level imports and `TYPE_CHECKING` ones alike),
across the whole package, the engine included (its template handlers get a `RunContext` and never import the
controller).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from layers import REPO_ROOT, cycles, import_graph

# Cycles that still exist, each with why it is tolerated for now. A new cycle fails the test; so does an entry
# here that no longer is a cycle (delete it: the list only shrinks).
KNOWN_CYCLES: dict[tuple[str, ...], str] = {}


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    assert lint.exists(), "import-linter is missing: pip install -e '.[test]' (make test does)"
    proc = subprocess.run(
        [str(lint), "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_no_import_cycles_but_the_known_ones() -> None:
    found = {tuple(c) for c in cycles(import_graph())}
    new = sorted(found - set(KNOWN_CYCLES))
    gone = sorted(set(KNOWN_CYCLES) - found)
    assert not new, f"new import cycles (move what both need down, or invert with a hook): {new}"
    assert not gone, f"these cycles are gone: delete them from KNOWN_CYCLES: {gone}"


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_the_graph_sees_lazy_relative_and_type_checking_imports(tmp_path: Path) -> None:
    src = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "def f():\n    from pkg import b\n",  # lazy, `from pkg import <module>`
            "b.py": "from .sub.c import X\n",  # relative, into a subpackage
            "sub/__init__.py": "",
            "sub/c.py": """
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from ..a import f
                X = 1
            """,
            "d.py": "import pkg.e\n",
            "e.py": "import os\n",
        },
    )
    graph = import_graph(src, "pkg")
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.sub.c"} and graph["pkg.sub.c"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]
    assert cycles(import_graph(src, "pkg", type_checking=False)) == []
