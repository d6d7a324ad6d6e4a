"""The ``sklearn`` framework: scikit-learn estimators and pipelines.

Written with cloudpickle (protocol 5, numpy arrays as buffers) rather than joblib so that custom transformers
and ``FunctionTransformer`` lambdas defined in a training script load in the serving process too. The
scikit-learn version is recorded in the model's context; loading under another version works as far as
scikit-learn's own pickles do (it warns).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from argento.registry.frameworks import Framework
from argento.registry.frameworks import pickle as picklefw


class SklearnFramework(Framework):
    """Saves ``saved_model.pkl``."""

    name = "sklearn"
    packages = ("scikit-learn", "numpy", "cloudpickle")

    def save(self, obj: Any, path: Path) -> dict[str, Any]:
        self.require("sklearn")
        with open(path / picklefw.FILE, "wb") as fh:
            fmt = picklefw.dump(obj, fh)
        return {"file": picklefw.FILE, "format": fmt}

    def load(self, path: Path, options: dict[str, Any], **kwargs: Any) -> Any:
        self.require("sklearn")
        with open(path / options.get("file", picklefw.FILE), "rb") as fh:
            return picklefw.load(fh)

    def default_signatures(self, obj: Any) -> dict[str, dict[str, Any]]:
        # BentoML's default for scikit-learn is `predict`, not batchable; keep it so saved models behave alike.
        names = [m for m in ("predict", "transform") if callable(getattr(obj, m, None))]
        return {m: {"batchable": False} for m in names[:1]}


FRAMEWORK = SklearnFramework()
