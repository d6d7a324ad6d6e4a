"""The ``pytorch`` framework: a whole ``torch.nn.Module`` (architecture and weights).

Written with ``torch.save`` using cloudpickle as the pickler, so a module class defined in a training
script loads without that script; read back with ``torch.load(weights_only=False)`` onto ``device``
(``cpu`` unless the caller passes ``device="cuda"``) and put in eval mode.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from argento.registry.frameworks import Framework

FILE = "saved_model.pt"


class PyTorchFramework(Framework):
    """Saves ``saved_model.pt``."""

    name = "pytorch"
    packages = ("torch", "cloudpickle")

    def save(self, obj: Any, path: Path) -> dict[str, Any]:
        torch = self.require("torch")
        try:
            import cloudpickle
        except ImportError:
            torch.save(obj, str(path / FILE))
        else:
            torch.save(obj, str(path / FILE), pickle_module=cloudpickle)
        return {"file": FILE}

    def load(self, path: Path, options: dict[str, Any], **kwargs: Any) -> Any:
        torch = self.require("torch")
        device = kwargs.pop("device", "cpu")
        model = torch.load(str(path / options.get("file", FILE)), map_location=device, weights_only=False)
        if hasattr(model, "eval"):
            model.eval()
        return model

    def default_signatures(self, obj: Any) -> dict[str, dict[str, Any]]:
        return {"__call__": {"batchable": False}}


FRAMEWORK = PyTorchFramework()
