"""YAML without alias bombs: every YAML Argento reads goes through here.

An alias (``*a``) repeats the node its anchor (``&a``) names; nested ten times ten deep, a 1 kB document
("billion laughs") expands to 10⁹ nodes. PyYAML composes aliases as shared nodes, so reading is cheap, but
everything after it (source maps, validation, JSON) walks the expanded tree: ``argento lint`` of such a file
used 7.9 GB and 94 s. Argo reads manifests with Go's yaml (``sigs.k8s.io/yaml`` → ``goyaml.v2``), which
refuses them, and so do we, with the same rule (``decode.go``, ``allowedAliasRatio``): counting every node
the decoder would visit (``decodeCount``) and those visited through an alias (``aliasCount``), a document is
refused with "document contains excessive aliasing" once more than 100 aliased nodes and 1,000 nodes in all
have been visited and the aliased share exceeds 99 % (up to 400,000 nodes), falling linearly to 10 % at
4,000,000. A node an alias points at from inside itself ("anchor contains itself") is refused too.

:func:`check_aliases` walks the composed node graph once, visiting each distinct node once and counting an
alias by its expanded size, so a bomb is refused in microseconds, at the ``file:line:col`` of the alias.
"""

from __future__ import annotations

from typing import Any

import yaml

from argento.errors import SpecError

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

RATIO_RANGE_LOW = 400_000
RATIO_RANGE_HIGH = 4_000_000
_RATIO_RANGE = float(RATIO_RANGE_HIGH - RATIO_RANGE_LOW)


def allowed_alias_ratio(decode_count: int) -> float:
    """goyaml's ``allowedAliasRatio``."""
    if decode_count <= RATIO_RANGE_LOW:
        return 0.99
    if decode_count >= RATIO_RANGE_HIGH:
        return 0.10
    return 0.99 - 0.89 * ((decode_count - RATIO_RANGE_LOW) / _RATIO_RANGE)


def _where(filename: str, mark: Any) -> str:
    return f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark is not None else filename


def check_aliases(root: yaml.Node, filename: str = "<string>") -> None:
    """Raise :class:`SpecError` if decoding ``root`` would expand aliases beyond goyaml's limits."""
    sizes: dict[int, int] = {}  # id(node) -> nodes the decoder visits for it, aliases expanded
    active: set[int] = set()
    decode = alias = 0
    # An explicit stack (documents may nest deeper than Python's recursion limit): (node, its children left
    # with the position an alias among them is reported at, its size so far).
    stack: list[tuple[yaml.Node, list[tuple[yaml.Node, Any]], int]] = []

    def enter(node: yaml.Node) -> None:
        nonlocal decode
        decode += 1
        active.add(id(node))
        children: list[tuple[yaml.Node, Any]] = []
        if isinstance(node, yaml.SequenceNode):
            # An alias node keeps no position of its own in PyYAML: report it at its sequence (or key).
            children = [(child, node.start_mark) for child in node.value]
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                children.append((key, key.start_mark))
                children.append((value, key.start_mark))  # an aliased value is reported at its key
        children.reverse()
        stack.append((node, children, 1))

    enter(root)
    while stack:
        node, children, size = stack[-1]
        if not children:
            stack.pop()
            active.discard(id(node))
            sizes[id(node)] = size
            if stack:
                parent, rest, parent_size = stack[-1]
                stack[-1] = (parent, rest, parent_size + size)
            continue
        child, mark = children.pop()
        known = sizes.get(id(child))
        if known is None and id(child) in active:
            raise SpecError("malformed YAML: anchor value contains itself", location=_where(filename, mark))
        if known is None:
            enter(child)
            continue
        # Seen before: this occurrence is an alias; the decoder visits the alias node and the whole target.
        decode += 1 + known
        alias += known
        stack[-1] = (node, children, size + 1 + known)
        if alias > 100 and decode > 1000 and alias / decode > allowed_alias_ratio(decode):
            raise SpecError(
                "malformed YAML: document contains excessive aliasing", location=_where(filename, mark)
            )


class SafeLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader (the C one when available) that refuses alias bombs before constructing."""

    def __init__(self, stream: Any, filename: str = "<string>") -> None:
        super().__init__(stream)
        self.argento_filename = filename

    def get_single_node(self) -> Any:  # yaml.load / safe_load
        node = super().get_single_node()
        if node is not None:
            check_aliases(node, self.argento_filename)
        return node

    def get_node(self) -> Any:  # yaml.load_all
        node = super().get_node()
        if node is not None:
            check_aliases(node, self.argento_filename)
        return node


def safe_load(text: str | bytes, filename: str = "<string>") -> Any:
    """``yaml.safe_load`` that refuses alias bombs (a :class:`SpecError` at ``file:line:col``)."""
    loader = SafeLoader(text, filename)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def safe_load_all(text: str | bytes, filename: str = "<string>") -> list[Any]:
    """``yaml.safe_load_all`` (every document, as a list) that refuses alias bombs."""
    loader = SafeLoader(text, filename)
    try:
        out = []
        while loader.check_data():
            out.append(loader.get_data())
        return out
    finally:
        loader.dispose()
