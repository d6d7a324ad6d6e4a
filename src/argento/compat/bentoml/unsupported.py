"""BentoML APIs the compatibility layer does not provide, each with the Argento equivalent to use instead."""

from __future__ import annotations

#: ``bentoml.<name>`` → what to use with Argento.
EQUIVALENTS: dict[str, str] = {
    "Service": "declare a class with @bentoml.service (BentoML 1.2 style) and serve it with `argento serve module:Class`",
    "Runner": "load the model in the service's __init__ (bentoml.models.get(tag).load() or bentoml.models.BentoModel)",
    "Runnable": "load the model in the service's __init__ (bentoml.models.get(tag).load())",
    "runner": "load the model in the service's __init__; batch with @bentoml.api(batchable=True)",
    "serve": "`argento serve module:Class` (or a bento tag), or `bentoml serve` inside `argento exec`",
    "containerize": "`argento containerize TAG` (writes a Docker build context)",
    "push": "`argento bentos export TAG DEST` (and `argento models export`)",
    "pull": "`argento bentos import FILE` (and `argento models import`)",
    "cloud": "argento.Client() against the Argento server",
    "BentoCloudClient": "argento.Client() against the Argento server",
    "load": "`argento serve TAG`, or import the service module and instantiate the class",
    "monitor": "the Prometheus metrics of `argento serve` (/metrics) and `argento monitoring prometheus-config`",
    "task": "a workflow step (`argento run`/`argento submit`) for long-running work",
    "validators": "type hints with pydantic (Annotated[..., Field(...)]) on the API's parameters",
    "transformers": "argento.models.create(name) and save the pipeline's files into draft.path",
    "diffusers": "argento.models.create(name) and save the files into draft.path",
    "keras": "argento.models.save(name, obj, framework='pickle') or argento.models.create(name)",
    "tensorflow": "argento.models.create(name) and save the SavedModel into draft.path",
    "onnx": "argento.models.create(name) and save the .onnx file into draft.path",
    "catboost": "argento.models.save(name, model, framework='pickle')",
    "torchscript": "argento.models.create(name) and save the scripted module into draft.path",
    "fastai": "argento.models.save(name, learner, framework='pickle')",
    "picklable": "bentoml.picklable_model",
    "metrics": "the service metrics Argento exports on /metrics (argento_service_*)",
}


class UnsupportedAPI(AttributeError):
    """A BentoML API the compatibility layer does not provide; the message names the Argento equivalent."""


def unsupported(name: str, *, module: bool = False) -> UnsupportedAPI:
    """The error for ``bentoml.<name>`` (``module``: for ``import bentoml.<name>``)."""
    what = f"bentoml.{name}"
    head = name.split(".")[0]
    hint = EQUIVALENTS.get(head)
    if hint is None:
        hint = "see docs/migration.md (the Argento equivalents of BentoML's APIs)"
    kind = "module" if module else "API"
    return UnsupportedAPI(
        f"{what} ({kind}) is not provided by Argento's BentoML compatibility layer; instead: {hint}"
    )


__all__ = ["EQUIVALENTS", "UnsupportedAPI", "unsupported"]
