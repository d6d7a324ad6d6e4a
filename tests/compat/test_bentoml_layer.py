"""``import bentoml`` without BentoML: Argento's compatibility layer (argento.compat), in fresh interpreters.

Each check runs in a subprocess whose import path Argento set up as its processes get it, so this test
process's ``sys.modules`` never holds a ``bentoml``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from argento import compat

pytestmark = pytest.mark.skipif(compat.real_bentoml_installed(), reason="the real BentoML is installed here")


def _python(
    code: str,
    *,
    home: Path,
    cwd: Path | None = None,
    pythonpath: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    paths = [*(pythonpath or []), str(compat.SITE)]
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("ARGENTO_")}
    run_env.update(
        {
            "ARGENTO_HOME": str(home),
            "PYTHONPATH": os.pathsep.join(paths),
            "ARGENTO_PYTHON": sys.executable,
            **(env or {}),
        }
    )
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=run_env,
        cwd=cwd,
        timeout=120,
    )


def test_nothing_named_bentoml_is_installed() -> None:
    # Checked in a fresh interpreter: this test process may have served a service in-process earlier (the
    # serving runtime puts the compatibility site on its own path, as every process Argento starts has it).
    assert not compat.real_bentoml_installed()
    probe = f"import sys, argento, argento.serving; print({str(compat.SITE)!r} in sys.path)"
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=clean, check=True)
    assert shown.stdout.strip() == "False"
    proc = subprocess.run(
        [sys.executable, "-c", "import bentoml"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert proc.returncode == 1 and "No module named 'bentoml'" in proc.stderr


def test_the_real_bentoml_wins_when_installed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "bentoml").mkdir(parents=True)
    (real / "bentoml" / "__init__.py").write_text("REAL = True\n")
    (real / "bentoml" / "io.py").write_text("KIND = 'real io'\n")
    # The compatibility folder first on the path: the shim hands the import over to the real package.
    proc = _python(
        """
        import bentoml, bentoml.io
        from argento import compat
        print(bentoml.REAL, bentoml.io.KIND, compat.activate(), compat.environ({}))
    """,
        home=tmp_path,
        pythonpath=[],
        env={"PYTHONPATH": os.pathsep.join([str(compat.SITE), str(real)])},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "real", "io", "False", "{}"]


def test_activate_makes_import_bentoml_work_in_this_process(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from argento import compat; compat.activate(); import os, bentoml; "
            "print(bentoml.__version__, os.environ['PYTHONPATH'])",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "ARGENTO_HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    version, path = proc.stdout.split()
    assert version.startswith("1.2.0+argento.") and path.endswith(str(compat.SITE))


def test_unsupported_apis_name_the_argento_equivalent(tmp_path: Path) -> None:
    proc = _python(
        """
        import bentoml
        print(hasattr(bentoml, "Runner"))
        try:
            bentoml.containerize("x")
        except AttributeError as exc:
            print(exc)
        try:
            import bentoml.onnx
        except ImportError as exc:
            print(exc)
        try:
            bentoml.io.SSE
        except AttributeError as exc:
            print(exc)
    """,
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "False"
    assert (
        "bentoml.containerize (API) is not provided" in lines[1] and "`argento containerize TAG`" in lines[1]
    )
    assert "bentoml.onnx (module) is not provided" in lines[2] and "argento.models.create" in lines[2]
    assert "bentoml.io.SSE" in lines[3]


def test_models_and_frameworks(tmp_path: Path) -> None:
    proc = _python(
        """
        import bentoml, json
        from sklearn.datasets import load_iris
        from sklearn.tree import DecisionTreeClassifier
        X, y = load_iris(return_X_y=True)
        v1 = bentoml.sklearn.save_model("iris:v1", DecisionTreeClassifier().fit(X, y), labels={"team": "ml"})
        v2 = bentoml.picklable_model.save_model("iris", {"weights": [1, 2]})
        tagged = bentoml.models.tag("iris:v1", "production")
        out = {
            "tags": [m.tag for m in bentoml.models.list("iris")],
            "only_v1": [m.tag for m in bentoml.models.list("iris:v1")],
            "production": bentoml.models.get("iris:production").tag,
            "tagged": tagged.tag,
            "predict": int(bentoml.sklearn.load_model("iris:production").predict(X[:1])[0]),
            "latest_framework": bentoml.models.get("iris:latest").framework,
        }
        try:
            bentoml.sklearn.load_model("iris:latest")
        except bentoml.exceptions.BentoMLException as exc:
            out["wrong_framework"] = str(exc)
        try:
            bentoml.models.get("iris:v9")
        except bentoml.exceptions.NotFound:
            out["not_found"] = True
        print(json.dumps(out))
    """,
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["tags"][-1] == "iris:v1" and len(out["tags"]) == 2 and out["only_v1"] == ["iris:v1"]
    assert out["production"] == out["tagged"] == "iris:v1" and out["predict"] == 0
    assert out["latest_framework"] == "pickle" and "not 'sklearn'" in out["wrong_framework"]
    assert out["not_found"] is True


SERVICE = """\
import bentoml
from bentoml.io import JSON


@bentoml.service(resources={"cpu": "1"}, traffic={"timeout": 10, "external_queue": True}, workers="cpu_count")
class Greeter:
    @bentoml.api(input=JSON(), output=JSON())
    def greet(self, body: dict) -> dict:
        return {"hello": body["name"]}
"""


def test_build_finds_the_declared_service(tmp_path: Path) -> None:
    (tmp_path / "service.py").write_text(SERVICE)
    proc = _python(
        """
        import bentoml
        from service import Greeter
        print(Greeter().greet({"name": "x"}))
        bento = bentoml.build("greeter-bento:v2")
        print(bento.tag, bento.service)
        print([b.tag for b in bentoml.list("greeter-bento")])
    """,
        home=tmp_path / "home",
        cwd=tmp_path,
        pythonpath=[str(tmp_path)],
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "{'hello': 'x'}",
        "greeter-bento:v2 service:Greeter",
        "['greeter-bento:v2']",
    ]


def test_build_from_a_bentofile_and_from_a_class_defined_in_the_session(tmp_path: Path) -> None:
    (tmp_path / "service.py").write_text(SERVICE)
    (tmp_path / "bentofile.yaml").write_text("service: service:Greeter\nname: from-file\n")
    proc = _python(
        """
        import bentoml
        print(bentoml.build().tag.split(":")[0])
        exec(open("service.py").read())        # the class now lives in __main__
        print(bentoml.build(Greeter, name="from-session").service)
    """,
        home=tmp_path / "home",
        cwd=tmp_path,
        pythonpath=[str(tmp_path)],
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["from-file", "service:Greeter"]


def test_deploy_and_yatai_client_validate_before_calling_the_server(tmp_path: Path) -> None:
    proc = _python(
        """
        import bentoml
        for call in (lambda: bentoml.deploy("x", platform="sagemaker"),
                     lambda: bentoml.YataiClient("http://deployer.mlops:3000"),
                     lambda: bentoml.deploy("nothing-here")):
            try:
                call()
            except Exception as exc:
                print(type(exc).__name__, "|", exc)
        print(bentoml.YataiClient("http://yatai.ml-platform:3000").endpoint)
    """,
        home=tmp_path,
        env={"ARGENTO_SERVER": "http://127.0.0.1:4321"},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("SpecError | platform: platform 'sagemaker' is not available here")
    assert lines[1].startswith("UnmappedAddress | http://deployer.mlops:3000 is an in-cluster address")
    assert (
        lines[2]
        == "NotFound | nothing-here is neither a bento nor a model here (argento bentos list, argento models list)"
    )
    assert lines[3] == "http://127.0.0.1:4321"


def test_bentoml_command(tmp_path: Path) -> None:
    def bentoml(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ARGENTO_HOME": str(tmp_path), "ARGENTO_PYTHON": sys.executable}
        return subprocess.run(
            [str(compat.BIN / "bentoml"), *args], capture_output=True, text=True, env=env, timeout=120
        )

    assert (
        _python('import bentoml; bentoml.picklable_model.save_model("m:v1", [1])', home=tmp_path).returncode
        == 0
    )
    listed = bentoml("models", "list")
    assert listed.returncode == 0 and listed.stdout.splitlines()[1].split()[:2] == ["m:v1", "bentoml.pickle"]
    missing = bentoml("deploy", "nothing-here", "--yatai-endpoint", "http://yatai.ml-platform:3000")
    assert missing.returncode == 2 and missing.stderr.startswith(
        "error: nothing-here is neither a bento nor a model"
    )
    other = bentoml("containerize", "m:v1")
    assert other.returncode == 2 and "use `argento containerize TAG`" in other.stderr


def test_bentoml_serve_and_build_commands(tmp_path: Path) -> None:
    import socket
    import time

    import httpx

    (tmp_path / "service.py").write_text(SERVICE)
    (tmp_path / "bentofile.yaml").write_text("service: service:Greeter\n")
    env = {**os.environ, "ARGENTO_HOME": str(tmp_path / "home"), "ARGENTO_PYTHON": sys.executable}
    built = subprocess.run(
        [str(compat.BIN / "bentoml"), "build", "-o", "tag"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert built.returncode == 0 and built.stdout.startswith("greeter:"), built.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [str(compat.BIN / "bentoml"), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "bentoml serve did not become ready"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        answer = httpx.post(f"http://127.0.0.1:{port}/greet", json={"name": "seed"}, timeout=10).json()
        assert answer == {"hello": "seed"}
    finally:
        proc.terminate()
        proc.wait(30)
