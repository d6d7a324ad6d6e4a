"""The argosay, cowsay and sleep shims, run directly (they are plain sh scripts)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from argento.executors import shims


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    shims.install(tmp_path / "bin", sleep_scale=1.0, host_sleep=shutil.which("sleep") or "/bin/sleep")
    return tmp_path / "bin"


def say(bin_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bin_dir / "argosay"), *args], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", **(env or {})})


def test_no_argument_and_bare_echo_print_hello_argo(bin_dir: Path) -> None:
    assert say(bin_dir).stdout == "hello argo\n"
    assert say(bin_dir, "echo").stdout == "hello argo\n"


def test_echo_message_and_file(bin_dir: Path, tmp_path: Path) -> None:
    assert say(bin_dir, "echo", "a  b -n").stdout == "a  b -n\n"
    target = tmp_path / "deep" / "er" / "out.txt"
    r = say(bin_dir, "echo", '["x"]', str(target))
    assert r.returncode == 0 and r.stdout == ""
    assert target.read_text() == '["x"]'  # like argosay: no trailing newline
    assert say(bin_dir, "echo", "a", "b", "c").returncode == 1


def test_cat_exit_and_assert_contains(bin_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("hello world\n")
    assert say(bin_dir, "cat", str(f), str(f)).stdout == "hello world\nhello world\n"
    assert say(bin_dir, "cat", str(tmp_path / "missing")).returncode != 0
    assert say(bin_dir, "exit").returncode == 0
    assert say(bin_dir, "exit", "3").returncode == 3
    assert say(bin_dir, "assert_contains", str(f), "o w").returncode == 0
    r = say(bin_dir, "assert_contains", str(f), "nope")
    assert r.returncode == 1 and 'to contain "nope"' in r.stderr


def test_sh_and_unknown_commands(bin_dir: Path, tmp_path: Path) -> None:
    script = tmp_path / "s.sh"
    script.write_text("echo from-sh; exit 4\n")
    r = say(bin_dir, "sh", str(script))
    assert (r.returncode, r.stdout) == (4, "from-sh\n")
    r = say(bin_dir, "garbage")
    assert r.returncode == 1 and "usage: argosay" in r.stderr


def test_v1_knows_only_cat_echo_sleep(bin_dir: Path) -> None:
    v1 = {"ARGOSAY_VERSION": "1"}
    assert say(bin_dir, "echo", "x", env=v1).stdout == "x\n"
    assert say(bin_dir, "exit", "0", env=v1).returncode == 1


def test_sleep_parses_go_durations(bin_dir: Path) -> None:
    t = time.perf_counter()
    assert say(bin_dir, "sleep", "50ms").returncode == 0
    assert say(bin_dir, "sleep", "0.05").returncode == 0
    assert time.perf_counter() - t < 2
    assert say(bin_dir, "sleep", "1x").returncode == 1


def test_sleep_scale_applies_to_argosay_and_sleep_shim(tmp_path: Path) -> None:
    bin_dir = tmp_path / "scaled"
    shims.install(bin_dir, sleep_scale=0.001, host_sleep=shutil.which("sleep") or "/bin/sleep")
    t = time.perf_counter()
    assert say(bin_dir, "sleep", "1m").returncode == 0  # 60 s * 0.001
    r = subprocess.run([str(bin_dir / "sleep"), "30", "1m"], env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 0
    assert time.perf_counter() - t < 2
    # Back to scale 1: the sleep shim is removed so the host sleep is used directly.
    shims.install(bin_dir, sleep_scale=1.0, host_sleep="/bin/sleep")
    assert not (bin_dir / "sleep").exists()


def test_cowsay_draws_a_cow_or_a_whale(bin_dir: Path) -> None:
    cow = subprocess.run([str(bin_dir / "cowsay"), "hello", "world"], capture_output=True, text=True).stdout
    assert "< hello world >" in cow and "(oo)" in cow
    whale = subprocess.run([str(bin_dir / "cowsay"), "hi"], capture_output=True, text=True,
                           env={"ARGENTO_COW": "whale", "PATH": "/usr/bin:/bin"}).stdout
    assert "< hi >" in whale and "(oo)" not in whale
