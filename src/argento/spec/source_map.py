"""Field paths and where they are written: ``spec.templates[2].dag.tasks[1].depends`` → ``file:line:col``.

A :class:`SourceMap` is built once per YAML document from PyYAML's composed node tree (the marks PyYAML
records while parsing), so every error can point at the line that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml

from argento.errors import PathPart, format_path

Path = tuple[PathPart, ...]
__all__ = ["Path", "PathPart", "SourceMap", "format_path", "parse_path"]

_TOKEN = re.compile(r'\.?([^.\[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def parse_path(path: str) -> Path:
    """The inverse of :func:`format_path`."""
    parts: list[PathPart] = []
    for match in _TOKEN.finditer(path):
        key, index, quoted = match.groups()
        if index is not None:
            parts.append(int(index))
        elif quoted is not None:
            parts.append(re.sub(r"\\(.)", r"\1", quoted))
        elif key is not None:
            parts.append(key)
    return tuple(parts)


class SourceMap:
    """Line and column (1-based) of every field of one document.

    A mapping entry is located at its key, a list item at the item's first character. :meth:`locate` falls
    back to the nearest written ancestor, so a missing field points at its parent.
    """

    def __init__(self, filename: str, positions: dict[Path, tuple[int, int]] | None = None) -> None:
        self.filename = filename
        self._positions = positions or {}

    @classmethod
    def from_node(cls, filename: str, node: yaml.Node) -> SourceMap:
        """Build the map from a composed PyYAML node tree."""
        positions: dict[Path, tuple[int, int]] = {}
        stack: list[tuple[Path, yaml.Node, tuple[int, int]]] = [
            ((), node, (node.start_mark.line + 1, node.start_mark.column + 1))
        ]
        while stack:
            path, current, position = stack.pop()
            positions[path] = position
            if isinstance(current, yaml.MappingNode):
                for key_node, value_node in current.value:
                    if not isinstance(key_node, yaml.ScalarNode):
                        continue
                    mark = key_node.start_mark
                    stack.append(((*path, key_node.value), value_node, (mark.line + 1, mark.column + 1)))
            elif isinstance(current, yaml.SequenceNode):
                for i, item in enumerate(current.value):
                    mark = item.start_mark
                    stack.append(((*path, i), item, (mark.line + 1, mark.column + 1)))
        return cls(filename, positions)

    def position(self, path: str | Sequence[PathPart]) -> tuple[int, int] | None:
        """``(line, column)`` of ``path`` or of its nearest ancestor that is written; ``None`` if unknown."""
        parts = parse_path(path) if isinstance(path, str) else tuple(path)
        while True:
            found = self._positions.get(parts)
            if found is not None:
                return found
            if not parts:
                return None
            parts = parts[:-1]

    def locate(self, path: str | Sequence[PathPart] = "") -> str:
        """``file:line:col`` of ``path`` (``file`` alone when no position is known)."""
        pos = self.position(path)
        return f"{self.filename}:{pos[0]}:{pos[1]}" if pos else self.filename

    def line(self, path: str | Sequence[PathPart]) -> int | None:
        """Just the line of ``path``."""
        pos = self.position(path)
        return pos[0] if pos else None
