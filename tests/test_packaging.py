"""pyproject.toml installs without warnings: ``pip install -e .`` printed setuptools' deprecation of
``project.license`` as a table (issue 17, item 14)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_license_is_an_spdx_string_and_setuptools_understands_it() -> None:
    data = tomllib.loads(PYPROJECT.read_text())
    assert data["project"]["license"] == "Apache-2.0"  # PEP 639: an SPDX expression, not {text = …}
    # The string form is understood from setuptools 77 on; older ones reject it.
    [setuptools] = [r for r in data["build-system"]["requires"] if r.startswith("setuptools")]
    m = re.fullmatch(r"setuptools>=(\d+)(?:\.\d+)*", setuptools)
    assert m is not None and int(m.group(1)) >= 77, setuptools
