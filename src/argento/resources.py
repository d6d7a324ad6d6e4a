"""Kubernetes resource quantities (``500m``, ``2``, ``64Mi``, ``1e9``, ``1.5G``): the one parser for the
engine's admission control, the Ray placement of steps and the resources of deployment replicas."""

from __future__ import annotations

import re

_SUFFIX = {
    "": 1,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")


def parse_quantity(value: str | int | float) -> float:
    """A Kubernetes quantity (``500m``, ``2``, ``64Mi``, ``1e9``, ``1.5G``) as a number."""
    if isinstance(value, int | float):
        return float(value)
    m = _QUANTITY.match(str(value).strip())
    if not m:
        raise ValueError(f"invalid quantity {value!r}")
    return float(m.group(1)) * _SUFFIX[m.group(2) or ""]


__all__ = ["parse_quantity"]
