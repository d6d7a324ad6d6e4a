"""What a step sees of the host: its share of ARGENTO_HOME, the image's programs at their paths, and output
links resolved in its own view (issues 14.3 and 15.1; SPEC §2.4, §2.10)."""

from __future__ import annotations

from pathlib import Path

import exec_support
import pytest
from exec_support import run, run_pod

from argento.config import Settings
from argento.executors.base import UnsafeOutputPath
from argento.executors.local import REWRITE_WARNING, LocalExecutor, isolation_warning

executor = exec_support.executor  # a fixture
isolation = exec_support.isolation  # a fixture
make_pod = exec_support.make_pod  # a fixture

#: Host files no step may read (relative to the home), with their content.
PRIVATE = {
    "secrets/key": "FERNET-KEY",
    "secrets/argo/db-password": "TOKEN",
    "argento.db": "SQLITE",
    "argento.db-wal": "WAL",
    "deployments/state.json": "{}",
    "artifacts/other-wf/other-pod/out.tgz": "OTHER-ARTIFACT",
    "runs/other-wf/other-pod/main.log": "OTHER-RUN",
}


def _seed_home(home: Path) -> None:
    for rel, text in PRIVATE.items():
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        (home / rel).write_text(text)
    (home / "config.yaml").write_text("artifactRepository: {}\n")
    (home / "models" / "iris").mkdir(parents=True)
    (home / "models" / "iris" / "model.txt").write_text("MODEL")
    (home / "runs" / "wf" / "sibling-pod").mkdir(parents=True)
    (home / "runs" / "wf" / "sibling-pod" / "out.txt").write_text("SIBLING")


def _pod_in_home(make_pod, home: Path, name: str, *args, **kw):
    """A pod whose private folder is ``<home>/runs/wf/<name>``, as the engine lays them out."""
    pod = make_pod(*args, **kw)
    pod.workdir = home / "runs" / "wf" / name
    pod.workdir.mkdir(parents=True)
    pod.log_path = pod.workdir / "main.log"
    return pod


def test_a_step_sees_only_its_share_of_the_home(
    executor: LocalExecutor, settings: Settings, make_pod
) -> None:
    # Issue 14.3: a step with no secretKeyRef could decrypt every secret with secrets/key, read the state
    # database and other workflows' runs. In Argo a pod gets only what its spec references.
    home = settings.home
    _seed_home(home)
    probe = " ".join(f'cat "$H/{rel}" 2>/dev/null && echo " <- {rel}";' for rel in PRIVATE)
    script = (
        f"{probe} ls -A \"$H\" | sort | tr '\\n' ' '; echo; cat \"$H/models/iris/model.txt\"; echo;"
        ' cat "$H/runs/wf/sibling-pod/out.txt"; echo; echo SAVED > "$H/models/iris/new.txt";'
        ' cat "$H/config.yaml"; echo changed >> "$H/config.yaml" 2>/dev/null || echo read-only'
    )
    pod = _pod_in_home(make_pod, home, "pod", "alpine:3", ["sh", "-c"], [script], env={"H": str(home)})
    _, r = run(run_pod(executor, pod))
    assert r.exit_code == 0, pod.log_path.read_text()
    lines = r.result.splitlines()
    if executor.isolation == "rewrite":
        # No mount namespace: nothing is hidden, and the operator is told so at start-up.
        assert "FERNET-KEY <- secrets/key" in r.result
        assert isolation_warning(
            Settings.from_env({"ARGENTO_HOME": str(home), "ARGENTO_ISOLATION": "rewrite"})
        )
        return
    assert not any("<-" in line for line in lines), r.result  # none of the private files was readable
    assert lines[0].split() == ["bentos", "config.yaml", "envs", "mlflow", "models", "runs", "runtime"]
    assert lines[1:3] == ["MODEL", "SIBLING"]  # the model store and the step's own run folder are there
    # config.yaml (the artifact repository, service aliases: secret names, never values) is read-only.
    assert lines[3:] == ["artifactRepository: {}", "read-only"]
    assert (home / "config.yaml").read_text() == "artifactRepository: {}\n"
    assert (home / "models" / "iris" / "new.txt").read_text() == "SAVED\n"  # and writes reach the host
    assert (home / "secrets" / "key").read_text() == "FERNET-KEY"  # hidden, not touched


def test_the_home_view_hides_entries_made_after_the_step_started(settings: Settings, make_pod) -> None:
    """The view lists what is shown, so a database file created while a step runs is not seen either."""
    if not exec_support.NAMESPACES:
        pytest.skip("mount namespaces are not available here")
    ex = LocalExecutor(settings)
    home = settings.home
    pod = _pod_in_home(
        make_pod,
        home,
        "late",
        "alpine:3",
        ["sh", "-c"],
        ['while [ ! -e "$H/runs/wf/ready" ]; do sleep 0.01; done; ls -A "$H"'],
        env={"H": str(home)},
        timeout=30.0,
    )

    async def go():
        handle = await ex.start(pod)
        (home / "argento.db-shm").write_text("LATE")
        (home / "runs" / "wf" / "ready").write_text("")
        return await handle.wait()

    r = run(go())
    assert r.exit_code == 0 and r.result.split() == ["bentos", "envs", "mlflow", "models", "runs", "runtime"]


def test_rewrite_mode_warning_names_what_is_not_isolated(settings: Settings) -> None:
    rewrite = Settings.from_env({"ARGENTO_HOME": str(settings.home), "ARGENTO_ISOLATION": "rewrite"})
    assert isolation_warning(rewrite) == REWRITE_WARNING
    assert "secret" in REWRITE_WARNING and "Step isolation" in REWRITE_WARNING
    if exec_support.NAMESPACES:
        assert isolation_warning(settings) == ""


@pytest.mark.parametrize(
    ("how", "fields"),
    [
        # Argo's hooks tests (test/e2e/hooks_test.go) run `/bin/sh -c "/bin/sleep 1; /argosay"`.
        ("shell string", {"command": ["/bin/sh", "-c"], "args": ["true; /argosay echo said"]}),
        ("script source", {"command": ["sh"], "script_source": "set -e\n/argosay echo said\n"}),
        ("env value", {"command": ["sh", "-c"], "args": ['"$SAY" echo said'], "env": {"SAY": "/argosay"}}),
    ],
)
def test_image_programs_are_reachable_at_their_paths(
    executor: LocalExecutor, make_pod, how: str, fields
) -> None:
    # Issue 15.1: `sh -c "…; /argosay"` exited 127 — /argosay was only resolved as argv[0].
    pod = make_pod("argoproj/argosay:v2", **fields)
    _, r = run(run_pod(executor, pod))
    assert (r.exit_code, r.result) == (0, "said"), (how, pod.log_path.read_text())


def test_programs_keep_their_environment_and_the_hosts_own_stay(executor: LocalExecutor, make_pod) -> None:
    # The interpreter an image names by path is the current one in its environment (a venv keeps its
    # packages); cowsay lives in /usr/games in argosay:v1 (Argo's test/e2e/images/argosay/v1/Dockerfile).
    pod = make_pod(
        "python:3.11", ["sh", "-c"], ["/usr/local/bin/python -c 'import argento; print(argento.__name__)'"]
    )
    _, r = run(run_pod(executor, pod))
    assert (r.exit_code, r.result) == (0, "argento"), pod.log_path.read_text()
    pod = make_pod("argoproj/argosay:v1", ["sh", "-c"], ["/usr/games/cowsay moo | grep -c moo"])
    _, r = run(run_pod(executor, pod))
    assert (r.exit_code, r.result) == (0, "1"), pod.log_path.read_text()


def test_output_links_resolve_in_the_steps_view(
    executor: LocalExecutor, settings: Settings, make_pod
) -> None:
    # Argo's executor archives outputs from inside the container, so a link resolves there; ours must never
    # make the engine read a host file the step pointed at (issue 14.3: /etc/passwd was served).
    home = settings.home
    _seed_home(home)
    script = (
        "echo real > /tmp/real; ln -s /tmp/real /tmp/abs; ln -s real /tmp/rel; ln -s /etc/passwd /tmp/pw;"
        f" ln -s {home}/secrets/key /tmp/key; ln -s ../../../../../../etc/passwd /tmp/up; ln -s /tmp/lp /tmp/lp;"
        " mkdir -p /mnt/out; ln -s ../../tmp/real /mnt/out/via-root"
    )
    pod = _pod_in_home(
        make_pod,
        home,
        "links",
        "alpine:3",
        ["sh", "-c"],
        [script],
        output_paths=["/tmp/abs", "/mnt/out/via-root"],
    )
    handle, r = run(run_pod(executor, pod))
    assert r.exit_code == 0, pod.log_path.read_text()
    assert handle.host_path("/tmp/abs").read_text() == "real\n"
    assert handle.host_path("/tmp/rel").read_text() == "real\n"
    if executor.isolation != "rewrite":  # relative links are not rewritten: in rewrite mode it stays dangling
        assert handle.host_path("/mnt/out/via-root").read_text() == "real\n"
    for link in ("/tmp/pw", "/tmp/key", "/tmp/up"):
        with pytest.raises(UnsafeOutputPath, match="outside the step's own files"):
            handle.host_path(link)
    with pytest.raises(UnsafeOutputPath, match="too many levels"):
        handle.host_path("/tmp/lp")
    assert not handle.host_path("/tmp/missing").exists()


def test_a_missing_working_dir_under_the_private_tmp_is_made(executor: LocalExecutor, make_pod) -> None:
    # Docker makes a missing WORKDIR; under the step's private /tmp (a bind) it was not made, and the step
    # failed with "working directory '/tmp/…' cannot be entered" (examples/train-evaluate-deploy.yaml).
    pod = make_pod("python:3.11", ["sh", "-c"], ["pwd; ls -A | wc -l"], working_dir="/tmp/build/context")
    _, r = run(run_pod(executor, pod))
    assert r.exit_code == 0, pod.log_path.read_text()
    cwd, entries = r.result.split()
    assert cwd.endswith("/tmp/build/context") and entries == "0"  # rewrite mode shows the host path
