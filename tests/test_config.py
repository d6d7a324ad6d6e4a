from __future__ import annotations

from pathlib import Path

from argento.config import Settings


def test_settings_read_from_env(tmp_path: Path) -> None:
    s = Settings.from_env({"ARGENTO_HOME": str(tmp_path), "ARGENTO_SERVER": "http://h:1/", "ARGENTO_SLEEP_SCALE": "0.1"})
    assert s.home == tmp_path
    assert s.server == "http://h:1"
    assert s.sleep_scale == 0.1
    assert s.namespace == "argo"
    assert s.runs_dir == tmp_path / "runs"
