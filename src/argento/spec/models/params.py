"""Parameters and the containers that carry them: ``Arguments``, ``Inputs``, ``Outputs``."""

from __future__ import annotations

from pydantic import Field

from argento.spec.models.artifacts import Artifact, KeySelector
from argento.spec.models.base import AnyString, ArgoModel, anystr


class SuppliedValueFrom(ArgoModel):
    """Marks a parameter whose value is supplied later (by ``argo node set`` / a resume)."""


class ValueFrom(ArgoModel):
    """Where a parameter's value comes from (``valueFrom``)."""

    config_map_key_ref: KeySelector | None = None
    default: AnyString | None = None
    event: str | None = None
    expression: str | None = None
    jq_filter: str | None = None
    json_path: str | None = None
    parameter: str | None = None
    path: str | None = None
    supplied: SuppliedValueFrom | None = None


class Parameter(ArgoModel):
    """A named parameter (an argument, an input or an output).

    ``value``, ``default`` and ``enum`` keep the type they were written with (Argo's ``AnyString``); use
    :attr:`value_str` / :attr:`default_str` for Argo's string form.
    """

    name: str = ""
    value: AnyString | None = None
    default: AnyString | None = None
    enum: list[AnyString] | None = None
    description: AnyString | None = None
    global_name: str | None = None
    value_from: ValueFrom | None = None

    @property
    def value_str(self) -> str | None:
        """``value`` as Argo's string, or ``None`` when unset."""
        return None if self.value is None else anystr(self.value)

    @property
    def default_str(self) -> str | None:
        """``default`` as Argo's string, or ``None`` when unset."""
        return None if self.default is None else anystr(self.default)

    @property
    def enum_str(self) -> list[str] | None:
        """``enum`` as Argo's strings."""
        return None if self.enum is None else [anystr(v) for v in self.enum]


class _ParamsAndArtifacts(ArgoModel):
    parameters: list[Parameter] | None = None
    artifacts: list[Artifact] | None = None

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called ``name``, if any."""
        return next((p for p in self.parameters or () if p.name == name), None)

    def artifact(self, name: str) -> Artifact | None:
        """The artifact called ``name``, if any."""
        return next((a for a in self.artifacts or () if a.name == name), None)

    def is_empty(self) -> bool:
        """No parameters and no artifacts."""
        return not self.parameters and not self.artifacts


class Arguments(_ParamsAndArtifacts):
    """Values passed to a template call or to the workflow (``arguments``)."""


class Inputs(_ParamsAndArtifacts):
    """What a template takes (``inputs``)."""


class Outputs(_ParamsAndArtifacts):
    """What a template produces (``outputs``); in a node status also ``result`` and ``exitCode``."""

    result: str | None = None
    exit_code: str | None = Field(default=None, alias="exitCode")
