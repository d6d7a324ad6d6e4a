"""Argento's import graph read with `ast`, and its cycles (strongly connected components).

Every `import` and `from … import` counts, at module level or inside a function (a lazy import is still a
dependency: it only moves the moment the cycle bites). Imports under `if TYPE_CHECKING:` count too, as
import-linter counts them: a type named across layers is a dependency of the design even when it never runs.
`from pkg import name` is an edge to `pkg.name` when that is a module, else to `pkg`. Importing
`a.b.c` is an edge to `a.b.c` only (as import-linter counts it), not to the packages above it.

Run as a script to print the cycles: `python tests/architecture/layers.py [--runtime]` (`--runtime` leaves out
`TYPE_CHECKING` imports).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SRC = REPO_ROOT / "src"
ROOT = "argento"


def module_files(src: Path = SRC, root: str = ROOT) -> dict[str, Path]:
    """Every module of the package: dotted name → file (a package is its `__init__.py`)."""
    found: dict[str, Path] = {}
    for path in sorted((src / root).rglob("*.py")):
        rel = path.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if any(not p.isidentifier() for p in parts):
            continue  # compat/site/bentoml is put on sys.path under another name: not part of this package
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, type_checking: bool) -> Iterable[ast.Import | ast.ImportFrom]:
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if not type_checking and isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The longest known module that `name` is or lies in."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph(src: Path = SRC, root: str = ROOT, type_checking: bool = True) -> dict[str, set[str]]:
    """Module → the package's modules it imports (anywhere in its body; `type_checking=False` leaves out the
    imports under `if TYPE_CHECKING:`)."""
    modules = module_files(src, root)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text(), str(path)), type_checking):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                base = _absolute(module, is_package, node)
                names = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for name in names:
                owner = _owner(name, modules) if name == root or name.startswith(root + ".") else None
                if owner is not None and owner != module:
                    targets.add(owner)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def main(argv: list[str]) -> int:
    components = cycles(import_graph(type_checking="--runtime" not in argv))
    for component in components:
        print(f"{len(component)}: {' '.join(component)}")
    print(f"{len(components)} cycles")
    return 1 if components else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
