"""Loops: ``withItems``, ``withParam``, ``withSequence`` expansion and Argo's node names for items."""

from __future__ import annotations

import json
from collections import ChainMap
from collections.abc import Mapping
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
        # Submitted YAML reaches Argo as JSON through a map (sigs.k8s.io/yaml): nested keys come out sorted.
        return [_sorted_keys(item) for item in holder["withItems"]]
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


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(v) for v in value]
    return value


def item_string(value: Any) -> str:
    """Argo's ``Item.String()``: the value's compact JSON, a string without its quotes (escapes kept)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text[1:-1] if isinstance(value, str) else text


def item_node_name(name: str, index: int, item: Any) -> str:
    """Argo's ``generateNodeName``: ``name(index:desc)``, parentheses removed from the description. A map is
    its ``key:value`` pairs sorted; a list is Go's ``%v`` of its items (``[1 two 3]``)."""
    if isinstance(item, dict):
        desc = ",".join(sorted(f"{k}:{item_string(v)}" for k, v in item.items()))
    elif isinstance(item, list):
        desc = "[" + " ".join(item_string(v) for v in item) + "]"
    else:
        desc = item_string(item)
    desc = desc.replace("(", "").replace(")", "")
    return f"{name}({index}:{desc})"


def item_values(item: Any) -> dict[str, str]:
    """The ``{{item}}`` / ``{{item.key}}`` values for one item (Argo's ``processItem``): a map is its JSON with
    sorted keys (Go marshals a map so), a key's value is its ``Item.String()``."""
    if isinstance(item, dict):
        values = {f"item.{k}": item_string(v) for k, v in item.items()}
        values["item"] = json.dumps(
            {k: item[k] for k in sorted(item)}, separators=(",", ":"), ensure_ascii=False
        )
        return values
    if isinstance(item, list):
        return {"item": json.dumps(item, separators=(",", ":"), ensure_ascii=False)}
    if isinstance(item, str | int | float | bool):
        return {"item": anystr(item)}
    raise SpecError(f"withItems expected string, number, list, or map. received: {item!r}")


def expand(holder: dict[str, Any], globals_: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """Expand a looping step/task into ``(name, holder)`` pairs with ``{{item}}`` substituted."""
    items = loop_items(holder)
    base = {k: v for k, v in holder.items() if k not in ("withItems", "withParam", "withSequence")}
    has_expressions = "{{=" in json.dumps(base)
    out: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(items):
        # A view, not a copy: the scope grows with every node that completes, the item's values are few.
        values = ChainMap(item_values(item), globals_)
        env = None
        if has_expressions:
            from argento.expr.lang import build_env

            # Expressions see the item itself (a map stays a map: `get(item, 'type')`), not its JSON text.
            env = build_env(dict(values))
            env["item"] = item
        expanded = substitute_obj(base, values, expr_env=env)
        name = item_node_name(holder["name"], i, item)
        expanded["name"] = name
        out.append((name, expanded))
    return out
