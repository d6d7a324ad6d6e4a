"""``argento auth token create|list|revoke`` on the store of a temporary ARGENTO_HOME."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from argento.cli.main import cli
from argento.config import Settings
from argento.store import open_store


def test_token_lifecycle(argento_home: Path) -> None:
    runner = CliRunner()
    env = {"ARGENTO_HOME": str(argento_home), "ARGENTO_DATABASE_URL": None}
    created = runner.invoke(cli, ["auth", "token", "create", "--name", "ci"], env=env)
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    store = open_store(Settings.from_env({"ARGENTO_HOME": str(argento_home)}))
    try:
        record = store.tokens.verify(secret)
    finally:
        store.close()
    assert record is not None and record.name == "ci"
    listed = json.loads(runner.invoke(cli, ["auth", "token", "list", "-o", "json"], env=env).stdout)
    assert [(t["id"], t["name"], t["revokedAt"]) for t in listed] == [(record.id, "ci", None)]
    assert secret not in runner.invoke(cli, ["auth", "token", "list"], env=env).stdout
    revoked = runner.invoke(cli, ["auth", "token", "revoke", record.id], env=env)
    assert revoked.exit_code == 0 and record.id in revoked.stdout
    again = runner.invoke(cli, ["auth", "token", "revoke", record.id], env=env)
    assert again.exit_code == 2 and again.stderr.startswith("error: ")
