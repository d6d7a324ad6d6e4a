"""What ``argo submit``'s options do to a Workflow before it is created (Argo's ``util.ApplySubmitOpts``).

One implementation for every way in: ``argento run -p``, ``argento submit -p/--parameter-file``, and the
server's ``submitOptions.parameters`` (submit from a template), ``resubmit`` and ``retry``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from argento.errors import SpecError


def parse_parameter(item: str) -> tuple[str, str]:
    """``NAME=VALUE`` → ``(NAME, VALUE)``; the value may contain ``=``; the name is kept as written (as Argo)."""
    name, sep, value = item.partition("=")
    if not sep:
        raise SpecError(f"expected parameter of the form: NAME=VALUE. Received: {item}")
    return name, value


def parameter_items(parameters: Mapping[str, str] | Iterable[str]) -> list[str]:
    """``NAME=VALUE`` strings from a mapping (or the strings themselves)."""
    if isinstance(parameters, Mapping):
        return [f"{k}={v}" for k, v in parameters.items()]
    return list(parameters)


def override_parameters(workflow: dict[str, Any], parameters: Mapping[str, str] | Iterable[str]) -> None:
    """Argo's ``overrideParameters``: each ``NAME=VALUE`` becomes ``{name, value}`` in
    ``spec.arguments.parameters``, first and in the order given; the workflow's other arguments follow.

    A passed parameter *replaces* the argument of the same name (its ``valueFrom``, ``enum`` and
    ``description`` go with it), as ``argo submit -p`` does.
    """
    items = parameter_items(parameters)
    if not items:
        return
    passed = [parse_parameter(item) for item in items]
    names = {name for name, _ in passed}
    spec = workflow.setdefault("spec", {})
    args = spec.get("arguments") or {}
    kept = [p for p in args.get("parameters") or [] if p.get("name") not in names]
    args["parameters"] = [{"name": n, "value": v} for n, v in passed] + kept
    spec["arguments"] = args


def parameters_file_items(path: str | Path) -> list[str]:
    """Argo's ``ReadParametersFile``: a YAML/JSON mapping NAME: VALUE; strings as written, any other value as
    its JSON text (``3`` → ``"3"``, ``[1, 2]`` → ``"[1,2]"``)."""
    import yaml

    from argento.spec.load import _Loader
    from argento.yamlsafe import check_aliases

    try:
        loader = _Loader(Path(path).read_text())
        try:
            node = loader.get_single_node()
            if node is not None:
                check_aliases(node, str(path))  # alias bombs (argento.yamlsafe)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read the parameter file: {exc}") from None
    if data is None:
        return []
    if not isinstance(data, dict):
        raise SpecError(f"{path}: a parameter file holds a mapping of NAME: VALUE")
    return [
        f"{k}={v if isinstance(v, str) else json.dumps(v, separators=(',', ':'))}" for k, v in data.items()
    ]
