"""The ``mlflow`` framework: an MLflow model directory (``MLmodel`` + its files), kept whole.

``argento.models.import_mlflow`` stores models of flavors Argento has no adapter for this way; ``load``
returns MLflow's ``pyfunc`` model (``model.predict(data)``). Save one by hand with
``argento.models.save("name", "/path/to/mlflow/model", framework="mlflow")``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from argento.errors import SpecError
from argento.registry.frameworks import Framework

DIR = "mlflow_model"


class MlflowFramework(Framework):
    """Copies the model folder to ``mlflow_model/``; loads it with ``mlflow.pyfunc.load_model``."""

    name = "mlflow"
    packages = ("mlflow",)

    def save(self, obj: Any, path: Path) -> dict[str, Any]:
        source = Path(obj) if isinstance(obj, str | Path) else None
        if source is None or not (source / "MLmodel").is_file():
            raise SpecError("framework 'mlflow' saves an MLflow model folder: pass the path of a folder with an MLmodel file")
        shutil.copytree(source, path / DIR, symlinks=False)
        return {"dir": DIR}

    def load(self, path: Path, options: dict[str, Any], **kwargs: Any) -> Any:
        pyfunc = self.require("mlflow.pyfunc")
        return pyfunc.load_model(str(path / options.get("dir", DIR)), **kwargs)

    def default_signatures(self, obj: Any) -> dict[str, dict[str, Any]]:
        return {"predict": {"batchable": False}}


FRAMEWORK = MlflowFramework()
