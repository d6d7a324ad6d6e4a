"""Argento's version (one place: the package, the API's ``/api/v1/version``, bento manifests, metrics)."""

__version__ = "0.1.0"
