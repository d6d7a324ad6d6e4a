"""The ``lightgbm`` framework: ``lightgbm.Booster`` and the scikit-learn wrappers (``LGBMClassifier``, …).

A ``Booster`` is written in LightGBM's text format (``saved_model.txt``); a scikit-learn wrapper, which has
no loader of its own for that format, is pickled with cloudpickle like any scikit-learn estimator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from argento.registry.frameworks import Framework
from argento.registry.frameworks import pickle as picklefw

FILE = "saved_model.txt"


class LightGBMFramework(Framework):
    """Saves ``saved_model.txt`` (Booster) or ``saved_model.pkl`` (scikit-learn wrapper)."""

    name = "lightgbm"
    packages = ("lightgbm", "numpy")

    def save(self, obj: Any, path: Path) -> dict[str, Any]:
        lgb = self.require("lightgbm")
        if isinstance(obj, lgb.Booster):
            obj.save_model(str(path / FILE))
            return {"file": FILE, "kind": "booster"}
        with open(path / picklefw.FILE, "wb") as fh:
            fmt = picklefw.dump(obj, fh)
        return {"file": picklefw.FILE, "kind": "sklearn", "format": fmt}

    def load(self, path: Path, options: dict[str, Any], **kwargs: Any) -> Any:
        lgb = self.require("lightgbm")
        if options.get("kind") == "booster":
            return lgb.Booster(model_file=str(path / options.get("file", FILE)), **kwargs)
        with open(path / options.get("file", picklefw.FILE), "rb") as fh:
            return picklefw.load(fh)

    def default_signatures(self, obj: Any) -> dict[str, dict[str, Any]]:
        return {"predict": {"batchable": False}}


FRAMEWORK = LightGBMFramework()
