"""Base of every Argo model, and Argo's scalar "either" types.

Argo's Go structs are decoded from JSON; we mirror them with pydantic models whose Python attributes are
snake_case and whose aliases are Argo's exact JSON names. Unknown fields are *kept* (``extra="allow"``) so a
manifest round-trips losslessly; ``argento lint`` reports them, as ``argo lint`` does with its strict decoder.

Scalars are validated strictly (no ``"1"`` → ``1`` coercion): Go's ``encoding/json`` refuses a number where a
string is declared, and so do we, except where Argo declares a union type:

- ``AnyString`` (parameter ``value``/``default``/``enum``): a string, number or boolean, kept as written;
  :func:`anystr` gives Argo's string form.
- ``IntOrString`` (``retryStrategy.limit``, template ``activeDeadlineSeconds``, ``parallelism``, …).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel

#: While a document is parsed: the field names matched only case-insensitively, as
#: ``(model, written, canonical)`` (lint warns about each; see :meth:`ArgoModel._go_field_names`).
FOLDED_FIELDS: ContextVar[list[tuple[str, str, str]] | None] = ContextVar("FOLDED_FIELDS", default=None)

#: A parameter value as Argo's ``AnyString`` accepts it: string, number or boolean, type kept for round-trip.
AnyString = str | bool | int | float
#: Kubernetes' ``IntOrString`` (and Argo's ``Int64OrString``).
IntOrString = int | str
#: Any JSON value (Argo's ``Item`` for ``withItems``, ``Plugin`` bodies, …).
JSON = Any
#: An opaque Kubernetes object we keep but do not model (affinity, probes, volume sources, …).
KubeDict = dict[str, Any]


def anystr(value: object) -> str:
    """Argo's string form of an ``AnyString`` value.

    Booleans are ``true``/``false`` and numbers are written as Go's JSON encoder writes them (Argo's YAML is
    converted to JSON first, so ``1.0`` becomes ``1``). ``None`` is the empty string.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)


class ArgoModel(BaseModel):
    """Base of every Argo and Kubernetes model.

    ``extra="allow"`` keeps unknown fields (lint reports them); ``strict=True`` refuses the coercions Go's
    decoder would refuse. :meth:`dump` is the lossless inverse of ``model_validate``.
    """

    model_config = ConfigDict(
        populate_by_name=True,
        extra="allow",
        strict=True,
        alias_generator=to_camel,
        protected_namespaces=(),
        ser_json_inf_nan="constants",
        # built on first use: `argento run` of a checked manifest never builds them (`argento.cli.checked`), a
        # first run builds the one resource model it validates instead of every model at import
        defer_build=True,
    )

    #: Fields that Argento accepts but ignores when running locally (lint warns about them).
    ignored_locally: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _go_field_names(cls, data: Any) -> Any:
        """Go's ``encoding/json`` (the controller's decoder) matches a key to a field exactly, else
        case-insensitively: ``valueFrom.Parameter`` sets ``parameter``. The key is renamed *in place*, so the raw
        dict the engine runs from has Argo's spelling too."""
        if not isinstance(data, dict):
            return data
        folds = cls._folds()
        for key in [k for k in data if isinstance(k, str) and k not in folds[0]]:
            canonical = folds[1].get(key.lower())
            if canonical is not None and canonical not in data:
                data[canonical] = data.pop(key)
                found = FOLDED_FIELDS.get()
                if found is not None:
                    found.append((cls.__name__, key, canonical))
        return data

    @classmethod
    def _folds(cls) -> tuple[frozenset[str], dict[str, str]]:
        cached = cls.__dict__.get("_fold_cache")
        if cached is None:
            names = [info.alias or name for name, info in cls.model_fields.items()]
            cached = (frozenset(names), {n.lower(): n for n in names})
            cls._fold_cache = cached  # type: ignore[attr-defined]
        return cached

    def dump(self) -> dict[str, Any]:
        """The JSON dict this model was read from (only fields that were set, by Argo's names)."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")

    @property
    def unknown_fields(self) -> dict[str, Any]:
        """Fields present in the input that Argo's schema does not define."""
        return dict(self.__pydantic_extra__ or {})
