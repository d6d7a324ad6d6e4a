"""MLflow model URIs, parsed without MLflow: ``models:/name@alias``, ``models:/name/Stage``, ``models:/name/3``,
``models:/name/latest``, ``models:/m-<id>`` (a logged model, MLflow 3), and ``runs:/<run id>/<path>``.

An ``mlflow:`` prefix is accepted and dropped (``mlflow:models:/iris@champion``), so the same string can name an
MLflow model wherever Argento expects a model tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argento.errors import SpecError

PREFIX = "mlflow:"

_STAGES = {"none": "None", "staging": "Staging", "production": "Production", "archived": "Archived"}
_LOGGED = re.compile(r"^m-[0-9a-f]{8,}$")
_RUN_ID = re.compile(r"^[0-9a-zA-Z_-]{1,64}$")

FORMS = "models:/NAME@ALIAS, models:/NAME/VERSION, models:/NAME/STAGE, models:/m-ID or runs:/RUN_ID/PATH"


@dataclass(frozen=True)
class MlflowURI:
    """One parsed URI. ``kind``: ``alias``, ``version``, ``stage``, ``latest``, ``logged`` or ``run``."""

    kind: str
    #: registered model name (``alias``/``version``/``stage``/``latest``)
    name: str = ""
    #: alias, version number, stage name, logged model id, or run id (per ``kind``)
    ref: str = ""
    #: artifact path inside the run (``run``)
    path: str = ""

    @classmethod
    def parse(cls, uri: str) -> MlflowURI:
        """Parse ``uri`` or raise :class:`SpecError` naming the accepted forms."""
        text = uri.strip()
        if text.startswith(PREFIX):
            text = text[len(PREFIX) :]
        if text.startswith("runs:/"):
            rest = text[len("runs:/") :].strip("/")
            run_id, _, path = rest.partition("/")
            if not _RUN_ID.match(run_id) or not path:
                raise SpecError(f"invalid MLflow URI {uri!r}: expected runs:/RUN_ID/PATH")
            return cls("run", ref=run_id, path=path.strip("/"))
        if not text.startswith("models:/"):
            raise SpecError(f"invalid MLflow URI {uri!r}: expected {FORMS}")
        rest = text[len("models:/") :].strip("/")
        if _LOGGED.match(rest):
            return cls("logged", ref=rest)
        if "@" in rest:
            name, _, alias = rest.partition("@")
            if not name or not alias or "/" in alias:
                raise SpecError(f"invalid MLflow URI {uri!r}: expected models:/NAME@ALIAS")
            return cls("alias", name=name, ref=alias)
        name, sep, ref = rest.rpartition("/")
        if not sep or not name or not ref:
            raise SpecError(f"invalid MLflow URI {uri!r}: expected {FORMS}")
        if ref.isdigit():
            return cls("version", name=name, ref=ref)
        if ref.lower() == "latest":
            return cls("latest", name=name, ref="latest")
        if ref.lower() in _STAGES:
            return cls("stage", name=name, ref=_STAGES[ref.lower()])
        raise SpecError(
            f"invalid MLflow URI {uri!r}: {ref!r} is not a version number, a stage "
            f"({', '.join(_STAGES.values())}) or 'latest'; for an alias write models:/{name}@{ref}"
        )

    def __str__(self) -> str:
        if self.kind == "run":
            return f"runs:/{self.ref}/{self.path}"
        if self.kind == "logged":
            return f"models:/{self.ref}"
        if self.kind == "alias":
            return f"models:/{self.name}@{self.ref}"
        return f"models:/{self.name}/{self.ref}"


def is_mlflow_ref(value: object) -> bool:
    """Whether ``value`` names an MLflow model (``mlflow:…``, ``models:/…`` or ``runs:/…``)."""
    return isinstance(value, str) and value.strip().startswith((PREFIX, "models:/", "runs:/"))


def store_name(text: str) -> str:
    """A model-store name made from an MLflow name: lower case, other characters folded to ``-``."""
    name = re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-._")[:63].strip("-._")
    if not name:
        raise SpecError(f"cannot make a model name from {text!r}: pass name=…")
    return name


__all__ = ["FORMS", "PREFIX", "MlflowURI", "is_mlflow_ref", "store_name"]
