"""The ``xgboost`` framework: ``xgboost.Booster`` and the scikit-learn wrappers (``XGBClassifier``, …).

Both are written in XGBoost's own portable format (``saved_model.ubj``, UBJSON), which later XGBoost versions
read, instead of a pickle. A wrapper records its class so that ``load`` returns the same kind of object.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from argento.registry.frameworks import Framework

FILE = "saved_model.ubj"


class XGBoostFramework(Framework):
    """Saves ``saved_model.ubj``."""

    name = "xgboost"
    packages = ("xgboost", "numpy")

    def save(self, obj: Any, path: Path) -> dict[str, Any]:
        xgb = self.require("xgboost")
        obj.save_model(str(path / FILE))
        if isinstance(obj, xgb.Booster):
            return {"file": FILE, "kind": "booster"}
        cls = type(obj)
        return {"file": FILE, "kind": "sklearn", "class": f"{cls.__module__}:{cls.__qualname__}"}

    def load(self, path: Path, options: dict[str, Any], **kwargs: Any) -> Any:
        xgb = self.require("xgboost")
        file = str(path / options.get("file", FILE))
        if options.get("kind") == "sklearn":
            module, _, qualname = options["class"].partition(":")
            cls: Any = importlib.import_module(module)
            for part in qualname.split("."):
                cls = getattr(cls, part)
            model = cls(**kwargs)
            model.load_model(file)
            return model
        booster = xgb.Booster(params=kwargs or None)
        booster.load_model(file)
        return booster

    def default_signatures(self, obj: Any) -> dict[str, dict[str, Any]]:
        return {"predict": {"batchable": False}}


FRAMEWORK = XGBoostFramework()
