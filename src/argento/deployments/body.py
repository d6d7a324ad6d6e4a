"""The JSON body of a deployment as pydantic models: what :meth:`DeploymentSpec.from_dict` accepts.

The models describe the wire shape (the REST API's and the state store's, the shape
:meth:`DeploymentSpec.to_dict` writes); ``DeploymentSpec.from_dict`` turns a valid body into the frozen
:class:`~argento.deployments.spec.DeploymentSpec` the controller works with. They live apart from ``spec.py``
(which imports this module on the first validation, never the other way round) so that importing the spec
(the CLI's Kubernetes manifest writer, the autoscaler) does not import pydantic.

Rules, each reported at its field path (``spec.variants[1].weight``) by :func:`validated`:

- unknown keys are refused (the message lists the known ones); scalars are strict: no booleans for numbers,
  no floats for counts, but a count or a number may be written as a string (``"3"``), as before;
- counts are ``>= 0`` (``autoscaling.max >= 1``, ``gateway_port`` a port number), weights and percentages
  non-negative finite numbers (``shadow_percent <= 100``), ``target_concurrency > 0``;
- names are DNS-1123 labels (:func:`argento.names.check_label`), bentos ``NAME[:VERSION]``, services
  ``module:Class``; a deployment gives one target (``bento`` or ``service``) or ``variants``, each variant
  exactly one target; variant names are unique, one variant at least has a positive weight, the ``shadow``
  names a variant of weight 0, routing ``header``/``sticky`` names its ``key``.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from argento.config import DEFAULT_NAMESPACE
from argento.errors import SpecError
from argento.fieldpaths import custom, spec_error
from argento.names import check_label

B = TypeVar("B", bound="_Body")

ROUTING_MODES = ("random", "header", "sticky")


def validated(model: type[B], data: Any, path: str) -> B:
    """``data`` as ``model``, or the :class:`SpecError` naming the first bad field under ``path``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise spec_error(exc, path) from None


# ---- scalars --------------------------------------------------------------------------------------------------


def _int_from_text(value: Any) -> Any:
    """``"3"`` → ``3`` (other types go on to the strict check)."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise custom(f"must be an integer, not {value!r}") from None
    return value


def _float_from_text(value: Any) -> Any:
    """``"2.5"`` → ``2.5`` (other types go on to the strict check)."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise custom(f"must be a number, not {value!r}") from None
    return value


def _label(value: str) -> str:
    try:
        return check_label(value, "")
    except SpecError as exc:
        raise custom(exc.message) from None


def _none_if_empty(value: Any) -> Any:
    return None if value == "" else value


Count = Annotated[int, BeforeValidator(_int_from_text), Field(ge=0)]
Number = Annotated[float, BeforeValidator(_float_from_text), Field(ge=0, allow_inf_nan=False)]
Percent = Annotated[float, BeforeValidator(_float_from_text), Field(ge=0, le=100, allow_inf_nan=False)]
Name = Annotated[str, AfterValidator(_label)]


def _strings(value: Any) -> Any:
    """A mapping's scalar values as strings (``{PORT: 8080}`` → ``{"PORT": "8080"}``), as before."""
    if isinstance(value, dict):
        return {k: str(v) if isinstance(v, int | float | bool) else v for k, v in value.items()}
    return value


def _env(value: Any) -> Any:
    """A mapping, or Kubernetes' ``[{name, value}]``."""
    if value is None:
        return {}
    if isinstance(value, list):
        try:
            return {str(e["name"]): str(e.get("value", "")) for e in value}
        except (TypeError, KeyError, AttributeError):
            raise custom("must be a mapping or a list of {name, value}") from None
    if not isinstance(value, dict):
        raise custom(f"must be a mapping of strings, not {value!r}"[:120])
    return _strings(value)


def _quantity(value: Any) -> Any:
    from argento.resources import parse_quantity

    message = f"invalid quantity {value!r} (a Kubernetes quantity such as 500m, 2 or 2Gi)"
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise custom(message)
    try:
        parse_quantity(value)
    except ValueError:
        raise custom(message) from None
    return value


def _resources(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise custom("must be a mapping like {cpu: '1', memory: '2Gi'}")
    return value


def _zero_is_none(value: Any) -> Any:
    return None if value == 0 and not isinstance(value, bool) else value


Env = Annotated[dict[str, str], BeforeValidator(_env)]
Labels = Annotated[dict[str, str], BeforeValidator(lambda v: {} if v is None else _strings(v))]
Resources = Annotated[dict[str, Annotated[Any, AfterValidator(_quantity)]], BeforeValidator(_resources)]
Port = Annotated[int, BeforeValidator(_int_from_text), Field(ge=1, le=65535)]


# ---- models ---------------------------------------------------------------------------------------------------


class _Body(BaseModel):
    """A mapping with exactly the declared keys; strict scalars."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, defer_build=True)

    #: What the mapping looks like, for the message when something else is given.
    shape: ClassVar[str] = "must be a mapping"

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise custom(f"{cls.shape}, not {type(data).__name__}")
        unknown = set(data) - set(cls.model_fields)
        if unknown:
            raise custom(f"unknown key(s) {sorted(unknown)}; known: {sorted(cls.model_fields)}")
        return data


class AutoscalingBody(_Body):
    """``{min, max, target_concurrency}``."""

    shape: ClassVar[str] = "must be a mapping {min, max, target_concurrency}"

    min: Count = 1
    max: Annotated[Count, Field(ge=1)] = 4
    target_concurrency: Annotated[Number, Field(gt=0)] = 8.0

    @model_validator(mode="after")
    def _ordered(self) -> AutoscalingBody:
        if self.min > self.max:
            raise custom(f"min ({self.min}) is greater than max ({self.max})")
        return self


class _Target(_Body):
    """What a variant runs: a bento, or a ``module:Class`` service imported from ``working_dir``."""

    bento: str | None = None
    service: str | None = None
    working_dir: str | None = None

    @field_validator("bento", "service", "working_dir", mode="before")
    @classmethod
    def _empty_is_absent(cls, value: Any) -> Any:
        return _none_if_empty(value)

    @field_validator("bento")
    @classmethod
    def _bento_tag(cls, value: str | None) -> str | None:
        if value is not None:
            from argento.deployments.bentos.store import BentoTag

            try:
                BentoTag.parse(value)
            except SpecError as exc:
                raise custom(exc.message) from None
        return value

    @field_validator("service")
    @classmethod
    def _module_class(cls, value: str | None) -> str | None:
        if value is not None and ":" not in value:
            raise custom(f"`service` is module:Class, not {value!r}")
        return value


class VariantBody(_Target):
    """One variant: ``{name, bento|service, weight, replicas, autoscaling, env}``."""

    shape: ClassVar[str] = "a variant must be a mapping {name, bento|service, weight}"

    name: Name
    weight: Number = 100.0
    replicas: Count | None = None
    autoscaling: AutoscalingBody | None = None
    env: Env = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_target(self) -> VariantBody:
        if (self.bento is None) == (self.service is None):
            raise custom("a variant needs exactly one of `bento` or `service`")
        return self


def _routing(value: Any) -> Any:
    """``"sticky"`` is ``{mode: sticky}``; absent is random."""
    if value in (None, ""):
        return {}
    return {"mode": value} if isinstance(value, str) else value


class RoutingBody(_Body):
    """``{mode, key}``: how a request picks its variant."""

    shape: ClassVar[str] = "must be a mapping {mode, key} or a routing mode"

    mode: str = "random"
    key: Annotated[str, BeforeValidator(lambda v: "" if v is None else v)] = Field(
        default="", validate_default=True
    )

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, value: str) -> str:
        if value not in ROUTING_MODES:
            raise custom(f"unknown routing mode {value!r}; one of {', '.join(ROUTING_MODES)}")
        return value

    @field_validator("key")
    @classmethod
    def _key_when_needed(cls, value: str, info: ValidationInfo) -> str:
        mode = info.data.get("mode", "random")
        if mode != "random" and not value:
            raise custom(f"routing {mode} needs a `key` (a header or query parameter name)")
        return value


class DeploymentBody(_Target):
    """A deployment: one target (``bento``/``service``, the variant ``main``) or ``variants``."""

    shape: ClassVar[str] = "a deployment must be a JSON object"

    name: Name
    namespace: Annotated[Name, BeforeValidator(lambda v: v or DEFAULT_NAMESPACE)] = DEFAULT_NAMESPACE
    replicas: Count = 1
    autoscaling: AutoscalingBody | None = None
    resources: Resources = Field(default_factory=dict)
    env: Env = Field(default_factory=dict)
    variants: Annotated[list[VariantBody] | None, BeforeValidator(lambda v: v or None)] = None
    routing: Annotated[RoutingBody, BeforeValidator(_routing)] = Field(default_factory=RoutingBody)
    shadow: Annotated[str | None, BeforeValidator(_none_if_empty)] = None
    shadow_percent: Percent = 100.0
    gateway_port: Annotated[Port | None, BeforeValidator(_zero_is_none)] = None
    retry_post: bool = True
    backend: Annotated[str, BeforeValidator(lambda v: v or "local")] = "local"
    labels: Labels = Field(default_factory=dict)

    @field_validator("variants")
    @classmethod
    def _variant_set(cls, value: list[VariantBody] | None) -> list[VariantBody] | None:
        if value is None:
            return value
        names = [v.name for v in value]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise custom(f"variant names must be unique ({', '.join(twice)} given twice)")
        if not any(v.weight > 0 for v in value):
            raise custom("at least one variant needs a positive weight")
        return value

    @field_validator("shadow")
    @classmethod
    def _shadow_is_dark(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or "variants" not in info.data:
            return value  # no shadow, or the variants are invalid (reported at their path)
        variants = info.data["variants"]
        weights = {v.name: v.weight for v in variants} if variants else {"main": 100.0}
        if value not in weights:
            raise custom(f"no variant {value!r} (variants: {', '.join(weights)})")
        if weights[value]:
            raise custom(f"the shadow variant must have weight 0, not {weights[value]:g}")
        return value

    @model_validator(mode="after")
    def _targets(self) -> DeploymentBody:
        if self.variants and (self.bento or self.service):
            raise custom("give either `bento`/`service` or `variants`, not both")
        if not self.variants:
            if not (self.bento or self.service):
                raise custom("a deployment needs `bento`, `service` or `variants`")
            if self.bento and self.service:
                raise custom("give one of `bento` or `service` (or `variants`), not both")
        return self
