"""Helpers for the Ray tests: the session's cluster (a head started in-process, extra nodes on demand).

Only imported inside the private network namespace that ``tests/ray/netns.py`` makes (see there for why).
One cluster serves the whole session (Ray takes seconds to start); extra nodes are ``ray start --block``
processes stopped by pid, and the head stops with ``ray.shutdown()``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argento.executors.ray_cluster import CLUSTER

RAY_BIN = Path(sys.executable).parent / "ray"
HEAD_CPUS = 2


def inside_netns() -> bool:
    return os.environ.get("ARGENTO_RAY_NETNS") == "1"


@dataclass
class TestCluster:
    """The session's Ray cluster."""

    __test__ = False  # not a test class

    temp_dir: str
    gcs_address: str
    head: str
    nodes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @classmethod
    def start(cls) -> TestCluster:
        # A short temp dir: Ray's unix socket paths live under it and must stay short.
        temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
        CLUSTER.connect("", init_options={"_temp_dir": temp, "num_cpus": HEAD_CPUS, "labels": {"pool": "head"}})
        import ray

        return cls(temp, ray.get_runtime_context().gcs_address, CLUSTER.driver_node)

    def add_node(self, name: str, *, num_cpus: int, resources: dict[str, float], labels: dict[str, str]) -> str:
        """Start another Ray node (``ray start --address … --block``); returns its node id."""
        import ray

        if name in self.nodes:
            return self._node_id(labels)
        before = {n["NodeID"] for n in ray.nodes() if n["Alive"]}
        proc = subprocess.Popen(
            [str(RAY_BIN), "start", "--address", self.gcs_address, "--num-cpus", str(num_cpus),
             "--resources", json.dumps(resources), "--labels", ",".join(f"{k}={v}" for k, v in labels.items()),
             "--block", "--disable-usage-stats"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self.nodes[name] = proc
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            new = [n["NodeID"] for n in ray.nodes() if n["Alive"] and n["NodeID"] not in before]
            if new:
                CLUSTER.nodes(fresh=True)
                return new[0]
            if proc.poll() is not None:
                raise RuntimeError(f"ray start exited with {proc.returncode}")
            time.sleep(0.25)
        raise RuntimeError("the second Ray node did not join within 90 s")

    def _node_id(self, labels: dict[str, str]) -> str:
        import ray

        return next(n["NodeID"] for n in ray.nodes() if n["Alive"] and labels.items() <= n["Labels"].items())

    def stop(self) -> None:
        """Stop the extra nodes (SIGTERM to their ``ray start`` pid), then the head (``ray.shutdown``)."""
        for proc in self.nodes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.nodes.clear()
        CLUSTER.shutdown()

    def processes(self) -> list[str]:
        """Command lines of processes that still mention this cluster's temp dir."""
        out = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if self.temp_dir in cmd:
                out.append(f"{pid} {cmd[:120]}")
        return out


def node_ids(status: dict[str, Any], display_prefix: str) -> list[str]:
    """The Ray node (``hostNodeName``) of each Pod node whose displayName starts with ``display_prefix``."""
    return [
        n.get("hostNodeName", "")
        for n in status["nodes"].values()
        if n.get("type") == "Pod" and n.get("displayName", "").startswith(display_prefix)
    ]
