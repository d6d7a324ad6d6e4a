"""Helpers for the artifact suites: an S3 protocol server (moto) in a subprocess, workflow runs on the local
executor, and background threads that keep the engine thread's fs_struct private (see artifacts/threads.py).

Not a conftest.py (other suites import helpers `from conftest`); `conftest.py` here only re-exports fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml
from argo_corpus import corpus_file

from argento.artifacts import ArtifactDriver, RepositoryConfig, RetryPolicy
from argento.artifacts.threads import _unshare_fs
from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner
from argento.secrets import SecretResolver, SecretStore

SCALE = 0.02
BUCKET = "argento-test"
CREDS = {"accessKey": "AKIDTESTING", "secretKey": "s3cr3t-Value-42"}
FAST_RETRY = RetryPolicy(attempts=2, base=0.01, cap=0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MotoServer:
    """``python -m moto.server`` on 127.0.0.1 (a process: its threads never share the engine's fs_struct)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def start(self) -> MotoServer:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=1):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("moto server exited at start")
            time.sleep(0.05)
        raise RuntimeError("moto server did not start")

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=5):
            pass

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc = None

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id=CREDS["accessKey"], aws_secret_access_key=CREDS["secretKey"],
        )


def s3_spec(endpoint: str, bucket: str = BUCKET, **extra: Any) -> dict[str, Any]:
    """An Argo ``s3`` repository dict for the test endpoint, credentials from the ``s3-creds`` secret."""
    return {
        "bucket": bucket,
        "endpoint": endpoint,
        "insecure": True,
        "accessKeySecret": {"name": "s3-creds", "key": "accessKey"},
        "secretKeySecret": {"name": "s3-creds", "key": "secretKey"},
        **extra,
    }


def make_secrets(settings: Settings) -> SecretResolver:
    store = SecretStore(settings.home)
    if not (store.root / "argo" / "s3-creds").exists():
        store.create("argo", "s3-creds", CREDS)
    return SecretResolver(store)


def make_driver(
    settings: Settings, repo: dict[str, Any] | None = None, *, configmaps: dict[str, Any] | None = None
) -> ArtifactDriver:
    """A driver whose default repository is ``repo`` (an ArtifactRepository dict; None: the local folder)."""
    return ArtifactDriver(
        settings,
        secrets=make_secrets(settings),
        configmaps=configmaps,
        default=RepositoryConfig(repo or {}),
        s3_retry=FAST_RETRY,
    )


def load(name: str) -> dict[str, Any]:
    """A corpus manifest (never edited: tests adapt copies); the test skips when the corpus is absent."""
    docs = [d for d in yaml.safe_load_all(corpus_file(name).read_text()) if d]
    return docs[0]


#: Our own manifests for the tests that are not about Argo's examples (they run without the corpus).
#: One step writes /tmp/hello_world.txt as output artifact ``hello-art``; the next one prints it.
ARTIFACT_PASSING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: artifact-passing-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: generate-artifact, template: write}
    - - name: consume-artifact
        template: print
        arguments:
          artifacts: [{name: message, from: "{{steps.generate-artifact.outputs.artifacts.hello-art}}"}]
  - name: write
    container: {image: busybox, command: [sh, -c], args: ["echo hello world | tee /tmp/hello_world.txt"]}
    outputs:
      artifacts: [{name: hello-art, path: /tmp/hello_world.txt}]
  - name: print
    inputs:
      artifacts: [{name: message, path: /tmp/message}]
    container: {image: busybox, command: [sh, -c], args: ["cat /tmp/message"]}
"""

#: A step that reads the artifact stored under the repository key ``my-file`` (nothing writes it first).
READ_KEY = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: read-key-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks: [{name: consume, template: consume}]
  - name: consume
    inputs:
      artifacts: [{name: file, path: /tmp/file, s3: {key: my-file}}]
    container: {image: busybox, command: [cat, /tmp/file]}
"""


def run_workflow(
    workflow: dict[str, Any] | str,
    settings: Settings,
    driver: ArtifactDriver | None,
    *,
    configmaps: dict[str, dict[str, str]] | None = None,
    executor: Any = None,
) -> dict[str, Any]:
    """Run a workflow on the local executor (sleeps scaled) with ``driver``; returns it with ``status``."""
    wf = yaml.safe_load(workflow) if isinstance(workflow, str) else workflow
    settings = Settings(home=settings.home, namespace=settings.namespace, sleep_scale=SCALE)
    options = RunOptions(settings=settings, configmaps=configmaps or {}, time_scale=SCALE, executor=executor,
                         artifacts=driver, secrets=driver.secrets if driver is not None else None)

    async def go() -> dict[str, Any]:
        runner = WorkflowRunner(wf, options)
        try:
            return await asyncio.wait_for(runner.run(), 60)
        finally:
            if executor is None and runner._executor is not None:
                await runner._executor.close()

    return asyncio.run(go())


def nodes(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Nodes by display name (the last one wins for repeated names)."""
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def log_of(settings: Settings, wf: dict[str, Any], display: str) -> str:
    """The main log of the Pod node shown as ``display``."""
    from argento.cli.tree import pod_name

    node = nodes(wf)[display]
    path = settings.runs_dir / wf["metadata"]["name"] / pod_name(wf, node) / "main.log"
    return path.read_text() if path.exists() else ""


def start_thread(target: Callable[[], None]) -> threading.Thread:
    """Start a daemon thread whose fs_struct is not shared with the calling (engine) thread."""
    box: list[threading.Thread] = []

    def starter() -> None:
        _unshare_fs()
        t = threading.Thread(target=target, daemon=True)
        t.start()
        box.append(t)

    s = threading.Thread(target=starter)
    s.start()
    s.join()
    return box[0]


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3(moto_server: MotoServer) -> MotoServer:
    """The session's S3 server, emptied, with the test bucket created."""
    moto_server.reset()
    moto_server.client().create_bucket(Bucket=BUCKET)
    return moto_server
