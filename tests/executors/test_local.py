"""The local executor: results, exit codes, timeouts, kills, sidecars, isolation, scripts, environment."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
import uuid
from pathlib import Path

import exec_support
import pytest
from exec_support import needs_namespaces, run, run_pod
from wait import eventually

from argento.config import Settings
from argento.errors import ExecutorError
from argento.executors import DEADLINE_MESSAGE, RESULT_LIMIT, UnknownImage
from argento.executors.local import LocalExecutor

executor = exec_support.executor  # a fixture
isolation = exec_support.isolation  # a fixture
local = exec_support.local  # a fixture
make_pod = exec_support.make_pod  # a fixture


def test_argosay_echo_result_and_log(executor: LocalExecutor, make_pod) -> None:
    pod = make_pod("argoproj/argosay:v2", [], ["echo", "hello argo!"])
    handle, r = run(run_pod(executor, pod))
    assert (r.exit_code, r.result, r.message) == (0, "hello argo!", "")
    assert pod.log_path.read_text() == "hello argo!\n"
    assert handle.pid and handle.admitted.is_set()
    assert 0 < r.started_at <= r.finished_at


def test_result_is_stdout_with_one_trailing_newline_trimmed(executor: LocalExecutor, make_pod) -> None:
    pod = make_pod("alpine:3", ["sh", "-c"], ["printf 'a\\n\\n'; echo oops >&2"])
    _, r = run(run_pod(executor, pod))
    assert r.result == "a\n"
    assert sorted(pod.log_path.read_text().splitlines()) == ["", "a", "oops"]
    _, r = run(run_pod(executor, make_pod("alpine:3", ["sh", "-c"], ["printf 'no-newline'"])))
    assert r.result == "no-newline"


def test_result_keeps_the_last_256_kb(local: LocalExecutor, make_pod) -> None:
    # 300 kB of 'x' then a marker: the result is exactly the last 256 kB (minus the trimmed newline).
    pod = make_pod("python:3", ["python", "-c"], ["import sys; sys.stdout.write('x' * 300_000 + 'END\\n')"])
    _, r = run(run_pod(local, pod))
    assert len(r.result.encode()) == RESULT_LIMIT - 1
    assert r.result.endswith("xEND")
    assert pod.log_path.stat().st_size == 300_004


def test_exit_codes_and_messages(executor: LocalExecutor, make_pod) -> None:
    _, r = run(run_pod(executor, make_pod("argoproj/argosay:v2", [], ["exit", "3"])))
    assert (r.exit_code, r.message) == (3, "Error (exit code 3)")
    _, r = run(run_pod(executor, make_pod("busybox", ["sh", "-c"], ["kill -9 $$"])))
    assert (r.exit_code, r.message) == (137, "Error (exit code 137)")


def test_timeout_kills_and_reports_the_deadline(local: LocalExecutor, make_pod) -> None:
    t = time.perf_counter()
    _, r = run(run_pod(local, make_pod("busybox", ["sh", "-c"], ["echo started; sleep 30"], timeout=0.3)))
    assert time.perf_counter() - t < 3
    assert r.timed_out and not r.killed
    assert r.message == DEADLINE_MESSAGE and r.exit_code == 143 and r.result == "started"


def _gone(pid: int) -> bool:
    """Neither running nor a zombie: no /proc entry at all."""
    return not Path(f"/proc/{pid}").exists()


def test_kill_takes_down_the_process_tree_without_zombies(executor: LocalExecutor, make_pod) -> None:
    async def go():
        pod = make_pod("busybox", ["sh", "-c"], ["sleep 100 & echo $! > /tmp/bg; sleep 100; echo never"])
        handle = await executor.start(pod)
        bg = handle.host_path("/tmp/bg")
        for _ in range(200):
            if bg.exists() and bg.read_text().strip():
                break
            await asyncio.sleep(0.01)
        t = time.perf_counter()
        await handle.kill(grace=5)
        r = await handle.wait()
        return int(bg.read_text()), r, time.perf_counter() - t

    bg_pid, r, took = run(go())
    assert r.killed and r.exit_code == 143 and took < 2
    eventually(lambda: _gone(bg_pid), timeout=3, what=f"background child {bg_pid} gone (not a zombie)")


def test_background_children_die_with_the_main_process(local: LocalExecutor, make_pod) -> None:
    _, r = run(run_pod(local, make_pod("busybox", ["sh", "-c"], ["sleep 100 >/dev/null & echo $!"])))
    assert r.exit_code == 0
    eventually(lambda: _gone(int(r.result)), timeout=3, what="the step's process gone")


def test_kill_escalates_to_sigkill_after_grace(local: LocalExecutor, make_pod) -> None:
    async def go():
        handle = await local.start(make_pod("busybox", ["sh", "-c"], ["trap '' TERM; echo ready; sleep 100"]))
        await asyncio.sleep(0.2)
        t = time.perf_counter()
        await handle.kill(grace=0.3)
        return await handle.wait(), time.perf_counter() - t

    r, took = run(go())
    assert r.killed and r.exit_code == 137 and 0.25 < took < 3


def test_sidecars_start_first_and_are_killed_after_main(
    local: LocalExecutor, make_pod, tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    side = make_pod(
        "busybox",
        ["sh", "-c"],
        ["echo up > /shared/side; echo sidecar-log; exec sleep 100"],
        mounts={"/shared": shared},
    )
    main = make_pod(
        "busybox",
        ["sh", "-c"],
        ["for i in $(seq 100); do [ -s /shared/side ] && break; sleep 0.02; done; cat /shared/side"],
        mounts={"/shared": shared},
        sidecars=[side],
    )
    t = time.perf_counter()
    _, r = run(run_pod(local, main))
    assert r.result == "up" and time.perf_counter() - t < 3
    assert side.log_path.read_text() == "sidecar-log\n"


def test_parallel_steps_have_private_tmp(executor: LocalExecutor, make_pod) -> None:
    async def go():
        pods = [
            make_pod(
                "busybox",
                ["sh", "-c"],
                [f"echo {n} > /tmp/x; sleep 0.2; cat /tmp/x"],
                output_paths=["/tmp/x"],
            )
            for n in ("one", "two")
        ]
        handles = await asyncio.gather(*(executor.start(p) for p in pods))
        results = await asyncio.gather(*(h.wait() for h in handles))
        return handles, results

    handles, results = run(go())
    assert [r.result for r in results] == ["one", "two"]
    assert [h.host_path("/tmp/x").read_text() for h in handles] == ["one\n", "two\n"]
    assert handles[0].host_path("/tmp/x") != handles[1].host_path("/tmp/x")


def test_mounts_are_shared_between_steps(executor: LocalExecutor, make_pod, tmp_path: Path) -> None:
    vol = tmp_path / "vol"
    vol.mkdir()
    _, r = run(
        run_pod(
            executor,
            make_pod(
                "argoproj/argosay:v2", [], ["echo", "it works", "/mnt/vol/test-art"], mounts={"/mnt/vol": vol}
            ),
        )
    )
    assert r.exit_code == 0 and (vol / "test-art").read_text() == "it works"
    _, r = run(
        run_pod(
            executor, make_pod("busybox", ["sh", "-c"], ["cat /mnt/vol/test-art"], mounts={"/mnt/vol": vol})
        )
    )
    assert r.result == "it works"


def test_outputs_outside_tmp_are_private_and_found(executor: LocalExecutor, make_pod) -> None:
    pod = make_pod(
        "busybox",
        ["sh", "-c"],
        [
            "mkdir -p /mnt/out /go/src && echo 42 > /mnt/out/x && echo r > /zz-argento-result.txt "
            "&& echo g > /go/src/y && ls / | grep -c . >/dev/null"
        ],
        output_paths=["/mnt/out/x", "/zz-argento-result.txt", "/go/src/y"],
    )
    handle, r = run(run_pod(executor, pod))
    assert r.exit_code == 0, pod.log_path.read_text()
    assert handle.host_path("/mnt/out/x").read_text() == "42\n"
    assert handle.host_path("/zz-argento-result.txt").read_text() == "r\n"
    assert handle.host_path("/go/src/y").read_text() == "g\n"
    for path in ("/mnt/out", "/zz-argento-result.txt", "/go"):
        assert not os.path.exists(path), f"{path} leaked onto the host"


@needs_namespaces
def test_namespace_mode_sees_the_host_root_and_container_paths(settings: Settings, make_pod) -> None:
    ex = LocalExecutor(settings, isolation="namespace")
    pod = make_pod(
        "busybox",
        ["sh", "-c"],
        ["pwd; ls /usr/bin/env; cat /etc/hostname >/dev/null && echo ok"],
        working_dir="/work/argento-test/src",
        output_paths=["/work/argento-test/out"],
    )
    _, r = run(run_pod(ex, pod))
    assert r.result.splitlines() == ["/work/argento-test/src", "/usr/bin/env", "ok"]
    assert not os.path.exists("/work/argento-test")


def test_rewrite_mode_maps_known_paths(settings: Settings, make_pod) -> None:
    ex = LocalExecutor(settings, isolation="rewrite")
    assert ex.isolation == "rewrite"
    pod = make_pod(
        "busybox",
        ["sh", "-c"],
        ["echo $MYTMP /var/tmp /tmpx; echo hi > /tmp/f; cat /tmp/f"],
        env={"MYTMP": "/tmp/a"},
    )
    handle, r = run(run_pod(ex, pod))
    private = str(pod.workdir / "tmp")
    assert r.result.splitlines() == [f"{private}/a /var/tmp /tmpx", "hi"]
    assert handle.host_path("/tmp/f") == pod.workdir / "tmp" / "f"


def test_script_templates_python_and_sh(executor: LocalExecutor, make_pod) -> None:
    py = make_pod(
        "python:alpine3.23",
        ["python"],
        [],
        script_source="import random, sys\nprint('py', sys.version_info[0])\nopen('/tmp/o', 'w').write('w')\n",
        output_paths=["/tmp/o"],
    )
    handle, r = run(run_pod(executor, py))
    assert (r.exit_code, r.result) == (0, "py 3"), py.log_path.read_text()
    assert handle.host_path("/tmp/o").read_text() == "w"
    sh = make_pod("alpine:3.23", ["sh"], [], script_source='echo "args: $#"\nexit 5\n')
    _, r = run(run_pod(executor, sh))
    assert (r.exit_code, r.result) == (5, "args: 0")


def test_environment_is_clean(settings: Settings, make_pod) -> None:
    ex = LocalExecutor(
        settings,
        host_env={
            "PATH": os.environ["PATH"],
            "HOME": "/home/u",
            "PYTHONPATH": "/x",
            "SECRET_TOKEN": "s",
            "LANG": "C.UTF-8",
        },
    )
    pod = make_pod("python:3", ["sh", "-c"], ["env | sort"], env={"ARGO_TEMPLATE": "{}"})
    _, r = run(run_pod(ex, pod))
    env = dict(line.split("=", 1) for line in r.result.splitlines())
    assert env["HOME"] == "/home/u" and env["LANG"] == "C.UTF-8" and env["ARGO_TEMPLATE"] == "{}"
    assert "PYTHONPATH" not in env and "SECRET_TOKEN" not in env
    assert env["PATH"].startswith(f"{ex.runtime.python_bin}:{ex.runtime.bin}:")


def test_start_errors(settings: Settings, local: LocalExecutor, make_pod) -> None:
    strict = LocalExecutor(dataclasses.replace(settings, strict_images=True))
    with pytest.raises(UnknownImage, match=r"images\.yaml"):
        run(strict.start(make_pod("nginx:1.13", ["nginx"])))
    with pytest.raises(ExecutorError, match="executable file not found"):
        run(local.start(make_pod("busybox", ["no-such-program-argento"])))
    with pytest.raises(ExecutorError, match="ENTRYPOINT/CMD are unknown"):
        run(local.start(make_pod("myorg/unmapped:1")))


def test_unmapped_image_runs_on_the_host_and_says_so_in_its_log(executor: LocalExecutor, make_pod) -> None:
    # Issue 16.1: `rayproject/ray:2.9.0` used to fail with "has no local runtime mapping" although lint passed
    # it; an unmapped image now runs its command from the host PATH, in the same filesystem view.
    private = Path("/tmp") / f"argento-private-{uuid.uuid4().hex}"  # a name no other process on the host uses
    pod = make_pod("myorg/unmapped:1", ["sh", "-c"], [f"echo private > {private} && cat {private}"])
    handle, r = run(run_pod(executor, pod))
    assert (r.exit_code, r.result) == (0, "private")
    assert not private.exists()  # written in the step's private /tmp, not the host's
    log = pod.log_path.read_text().splitlines()
    assert log[0].startswith('argento: warning: image "myorg/unmapped:1" has no local runtime mapping')
    assert handle.warnings == [log[0][len("argento: warning: ") :]]


def test_memory_limit_is_enforced_with_an_rlimit(local: LocalExecutor, make_pod) -> None:
    pod = make_pod(
        "python:3",
        ["python", "-c"],
        ["b = bytearray(512 * 1024 * 1024); print('allocated')"],
        limits={"memory": "128Mi"},
    )
    _, r = run(run_pod(local, pod))
    assert r.exit_code != 0 and "MemoryError" in pod.log_path.read_text()


def test_sleep_scale_speeds_up_example_sleeps(tmp_path: Path, make_pod) -> None:
    ex = LocalExecutor(Settings(home=tmp_path / "home", sleep_scale=0.01))
    t = time.perf_counter()
    _, r1 = run(run_pod(ex, make_pod("busybox", ["sh", "-c"], ["sleep 20; echo done"])))
    _, r2 = run(run_pod(ex, make_pod("argoproj/argosay:v2", [], ["sleep", "20s"])))
    assert (r1.result, r2.exit_code) == ("done", 0) and time.perf_counter() - t < 3


@pytest.mark.parametrize("isolation", ["rewrite", "userns", "durable"])
def test_a_step_log_is_capped_with_a_marker(settings: Settings, make_pod, isolation: str) -> None:
    """Issue 14 item 4: step logs were unbounded (three steps filled a 20 MB disk in 5 s). Both streams
    count; the step keeps running (its pipes are drained) and outputs.result keeps the end of stdout.
    ``durable`` (argento server's steps): the supervisor copies both pipes into the log, under the same cap."""
    import dataclasses

    from exec_support import NAMESPACES

    from argento.executors.logcap import MARKER

    if isolation == "userns" and not NAMESPACES:
        pytest.skip("mount namespaces are not available here")
    limit = 100_000
    capped = dataclasses.replace(settings, max_step_log_bytes=limit)
    if isolation == "durable":
        ex = LocalExecutor(capped, durable=True)
    else:
        ex = LocalExecutor(capped, isolation=isolation)
    try:
        script = (
            "import sys\n"
            "for i in range(2000):\n"
            "    sys.stdout.write('o' * 99 + '\\n'); sys.stderr.write('e' * 99 + '\\n')\n"
            "sys.stdout.write('END\\n')\n"
        )
        pod = make_pod("python:3", ["python", "-c"], [script])
        _, r = run(run_pod(ex, pod))
        assert r.exit_code == 0 and r.result.endswith("o\nEND")
        text = pod.log_path.read_text()
        marker = MARKER.format(limit=limit)
        shown = (len(text.encode()), text.count("[argento] log truncated"), text[-300:])
        assert text.endswith(marker) and text.count("[argento] log truncated") == 1, shown
        assert len(text.encode()) == limit + len(marker.encode())
        assert "o" * 99 in text and "e" * 99 in text  # both streams were logged until the cap
        small = make_pod("alpine:3", ["sh", "-c"], ["echo out; echo err >&2"])
        run(run_pod(ex, small))
        assert sorted(small.log_path.read_text().splitlines()) == ["err", "out"]
    finally:
        run(ex.close())


@pytest.mark.parametrize("isolation", ["rewrite", "durable"])
def test_a_sidecar_log_is_capped_and_indexed_like_the_main_one(
    settings: Settings, make_pod, isolation: str
) -> None:
    """A sidecar's log had no bound (it wrote its file directly) and no line index: now both its streams go
    through the same cap (marker once) and index as the main container's, whoever drains them — the engine,
    or for ``durable`` (argento server's steps) the supervisor."""
    import dataclasses

    from argento.executors.logcap import MARKER, RECORD, STDERR, STDOUT, index_path

    limit = 50_000
    capped = dataclasses.replace(settings, max_step_log_bytes=limit)
    ex = LocalExecutor(capped, durable=True) if isolation == "durable" else LocalExecutor(capped, isolation=isolation)
    try:
        # 40 kB on stdout and 20 kB on stderr (each within its pipe's buffer), 'side-err' first on stderr: in
        # whatever order the two pipes are drained, the cap is crossed once and both streams are in the log.
        script = (
            "import sys, time\n"
            "sys.stdout.write(('s' * 99 + '\\n') * 400); sys.stdout.flush()\n"
            "sys.stderr.write('side-err\\n' + ('e' * 99 + '\\n') * 200); sys.stderr.flush()\n"
            "time.sleep(100)\n"
        )
        side = make_pod("python:3", ["python", "-c"], [script])
        main = make_pod("busybox", ["sh", "-c"], ["sleep 0.5; echo main-done"], sidecars=[side])
        _, r = run(run_pod(ex, main))
        assert r.exit_code == 0 and r.result == "main-done"
        text = side.log_path.read_text()
        marker = MARKER.format(limit=limit)
        assert text.endswith(marker) and text.count("[argento] log truncated") == 1, text[-200:]
        assert len(text.encode()) == limit + len(marker.encode())
        assert "side-err\n" in text and "s" * 99 in text
        raw = index_path(side.log_path).read_bytes()
        records = [RECORD.unpack_from(raw, i) for i in range(0, len(raw), RECORD.size)]
        streams = {stream for _, _, stream in records}
        assert streams == {STDOUT, STDERR} and all(off <= limit for off, _, _ in records)
    finally:
        run(ex.close())
