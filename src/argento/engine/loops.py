"""Loops: ``withItems``, ``withParam``, ``withSequence`` expansion and Argo's node names for items."""

from __future__ import annotations

import json
from typing import Any

from argento.engine.scope import anystr
from argento.errors import SpecError
from argento.expr.template import substitute_obj


def should_expand(holder: dict[str, Any]) -> bool:
    """Argo's ``ShouldExpand``: the step/task has a loop."""
    return bool(holder.get("withItems") is not None or holder.get("withParam") or holder.get("withSequence"))


def loop_items(holder: dict[str, Any]) -> list[Any]:
    """The items of a loop (``withParam`` must be a JSON list: Argo's error message otherwise)."""
    if holder.get("withItems") is not None:
        return list(holder["withItems"])
    if holder.get("withParam"):
        raw = holder["withParam"]
        if isinstance(raw, list):
            return raw
        try:
            items = json.loads(raw)
        except ValueError:
            items = None
        if not isinstance(items, list):
            raise SpecError(f"withParam value could not be parsed as a JSON list: {str(raw).strip()}")
        return items
    return expand_sequence(holder["withSequence"])


def expand_sequence(seq: dict[str, Any]) -> list[str]:
    """Argo's ``expandSequence``: start/end or start/count, printf ``format`` (default ``%d``)."""
    try:
        start = int(anystr(seq.get("start", 0)) or 0)
        if seq.get("end") is not None:
            end = int(anystr(seq["end"]))
        elif seq.get("count") is not None:
            count = int(anystr(seq["count"]))
            if count == 0:
                return []
            end = start + count - 1
        else:
            raise SpecError("neither end nor count was specified in withSequence")
    except ValueError as exc:
        raise SpecError(f"withSequence: {exc}") from exc
    fmt = seq.get("format") or "%d"
    step = 1 if start <= end else -1
    try:
        return [fmt % i for i in range(start, end + step, step)]
    except (TypeError, ValueError) as exc:
        raise SpecError(f"withSequence.format {fmt!r}: {exc}") from exc


def _go_str(value: Any) -> str:
    """How Go's ``%v`` prints an item value inside a node name."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(_go_str(v) for v in value) + "]"
    return anystr(value)


def item_node_name(name: str, index: int, item: Any) -> str:
    """Argo's ``generateNodeName``: ``name(index:desc)``, parentheses removed from the description."""
    if isinstance(item, dict):
        desc = ",".join(sorted(f"{k}:{_go_str(v)}" for k, v in item.items()))
    else:
        desc = _go_str(item)
    desc = desc.replace("(", "").replace(")", "")
    return f"{name}({index}:{desc})"


def item_values(item: Any) -> dict[str, str]:
    """The ``{{item}}`` / ``{{item.key}}`` values for one item (Argo's ``processItem``)."""
    if isinstance(item, dict):
        values = {f"item.{k}": anystr(v) for k, v in item.items()}
        values["item"] = json.dumps(item, separators=(",", ":"))
        return values
    if isinstance(item, list):
        return {"item": json.dumps(item, separators=(",", ":"))}
    if isinstance(item, str | int | float | bool):
        return {"item": anystr(item)}
    raise SpecError(f"withItems expected string, number, list, or map. received: {item!r}")


def expand(holder: dict[str, Any], globals_: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """Expand a looping step/task into ``(name, holder)`` pairs with ``{{item}}`` substituted."""
    items = loop_items(holder)
    base = {k: v for k, v in holder.items() if k not in ("withItems", "withParam", "withSequence")}
    has_expressions = "{{=" in json.dumps(base)
    out: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(items):
        values = {**globals_, **item_values(item)}
        env = None
        if has_expressions:
            from argento.expr.lang import build_env

            # Expressions see the item itself (a map stays a map: `get(item, 'type')`), not its JSON text.
            env = build_env(values)
            env["item"] = item
        expanded = substitute_obj(base, values, expr_env=env)
        name = item_node_name(holder["name"], i, item)
        expanded["name"] = name
        out.append((name, expanded))
    return out
