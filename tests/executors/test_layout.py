"""Layout planning: path rewriting rules, and each way of making host dirs private (overlay, graft)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from exec_support import NAMESPACES

from argento.executors.layout import plan_namespace, plan_rewrite
from argento.executors.sandbox import (
    ThreadNamespaceSpawner,
    UsernsSpawner,
    ZygoteSpawner,
    detect,
    host_mount_points,
    probe_overlay,
)


def test_rewrite_respects_path_boundaries(tmp_path: Path) -> None:
    wd = tmp_path / "wd"
    vol = tmp_path / "vol"
    layout = plan_rewrite(wd, {"/mnt/vol": vol}, ["/out/x.txt", "/etc/argento-test-out"], None, keep=[str(tmp_path)])
    t = str(wd / "tmp")
    assert layout.rewrite("cat /tmp/a >/tmp; echo /tmpfoo /var/tmp $HOME/tmp") == (
        f"cat {t}/a >{t}; echo /tmpfoo /var/tmp $HOME/tmp"
    )
    assert layout.rewrite("ls /mnt/vol/x /mnt/volume '/tmp'") == f"ls {vol}/x /mnt/volume '{t}'"
    # A missing top-level dir maps as a whole; a file in an existing host dir maps alone.
    assert layout.rewrite("mkdir -p /out && echo > /out/x.txt") == f"mkdir -p {wd}/root/out && echo > {wd}/root/out/x.txt"
    assert layout.rewrite("cat /etc/hosts > /etc/argento-test-out") == f"cat /etc/hosts > {wd}/root/etc/argento-test-out"
    # Our own host paths are never rewritten, even under /tmp.
    assert layout.rewrite(f"{t}/script") == f"{t}/script"
    assert layout.host_path("/out/x.txt") == wd / "root" / "out" / "x.txt"
    assert layout.host_path("/mnt/vol/a") == vol / "a"
    assert layout.host_path("relative.txt") == wd / "relative.txt"


def _spawners() -> list:
    out = []
    if NAMESPACES:
        sp = detect("namespace")
        out.append(sp)
        if isinstance(sp, ThreadNamespaceSpawner):
            # Exercised as root too: the code paths unprivileged users get.
            out += [ZygoteSpawner(), UsernsSpawner()]
    return out


SPAWNERS = _spawners()


@pytest.mark.skipif(not SPAWNERS, reason="mount namespaces are not available here")
@pytest.mark.parametrize("spawner", SPAWNERS, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("overlay", ["probe", "none"])
def test_private_dirs(spawner, overlay: str, tmp_path: Path, settings) -> None:
    if overlay == "probe":
        overlay, options = probe_overlay(spawner, settings.home)
    else:
        options = ""
    kubectl = tmp_path / "kubectl"
    kubectl.write_text("#!/bin/sh\necho kubectl-stub\n")
    kubectl.chmod(0o755)
    wd = tmp_path / "wd"
    wd.mkdir()
    layout = plan_namespace(
        wd, {"/bin/argento-kubectl": kubectl}, ["/mnt/out/x", "/zz-argento-result.txt", "/etc/hostname"],
        working_dir="/work/argento-src", keep_visible=[str(tmp_path)],
        overlay=overlay, overlay_options=options, host_mounts=host_mount_points(),
    )
    script = ("pwd; /bin/argento-kubectl; /bin/sh -c 'echo sh-ok'; mkdir -p /mnt/out && echo x > /mnt/out/x; "
              "echo r > /zz-argento-result.txt; echo tmp > /tmp/t")
    log = wd / "log"
    with open(log, "wb") as out, open(os.devnull, "rb") as null:
        proc = spawner.spawn(layout, ["sh", "-c", script], {"PATH": "/usr/bin:/bin"},
                             stdin=null.fileno(), stdout=out.fileno(), stderr=out.fileno())
        assert proc.wait() == 0, log.read_text()
    assert log.read_text().splitlines() == ["/work/argento-src", "kubectl-stub", "sh-ok"]
    assert layout.host_path("/mnt/out/x").read_text() == "x\n"
    assert layout.host_path("/zz-argento-result.txt").read_text() == "r\n"
    assert layout.host_path("/tmp/t").read_text() == "tmp\n"
    assert layout.host_path("/etc/hostname") == Path("/etc/hostname")
    for leaked in ("/work/argento-src", "/mnt/out", "/zz-argento-result.txt", "/usr/bin/argento-kubectl"):
        assert not os.path.lexists(leaked), leaked
