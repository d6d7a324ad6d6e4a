"""Fixtures of the artifact suites (defined in art_support.py)."""

from art_support import moto_server, s3

__all__ = ["moto_server", "s3"]
