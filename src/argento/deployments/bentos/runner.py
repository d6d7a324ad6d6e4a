"""The process that serves a bento: ``python -m argento.deployments.bentos.runner BENTO_DIR [--port …]``.

Runs inside the bento's environment. It pins every model tag the bento recorded to its concrete version —
``argento.models.ref(...)`` of the service class and every tag the model store resolves in this process and
its workers (``ARGENTO_MODEL_PINS``), so an alias that moved since, or that does not exist on this machine,
does not change what the bento serves — imports the service from the bento's ``src/`` and hands over to the
serving runtime.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from argento.yamlsafe import safe_load


def pin_models(cls: type, models: list[dict[str, str]]) -> None:
    """Point the class's model references at the versions the bento recorded."""
    from argento.errors import SpecError
    from argento.registry.refs import ModelRef

    pins: dict[str, str] = {}
    for m in models:
        if not m.get("ref"):
            continue
        try:
            pins[ModelRef.of(m["ref"]).tag] = m["tag"]
        except SpecError:
            # A reference of a model source this process has not registered (an `mlflow:` model listed in the
            # build file, while the service never imported argento.models): no attribute of the class can
            # hold it (a ModelRef of that source could not have been made here), so there is nothing to pin.
            continue
    for klass in cls.__mro__:
        for attr, value in list(vars(klass).items()):
            if isinstance(value, ModelRef) and value.tag in pins:
                setattr(klass, attr, ModelRef.of(pins[value.tag]))


def main(argv: list[str] | None = None) -> int:
    """Serve the bento in ``argv[0]``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="argento-bento-runner")
    parser.add_argument("bento")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--uds", default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    from argento.errors import ArgentoError
    from argento.serving.runtime import ServeOptions, load_service, serve

    root = Path(args.bento)
    manifest = safe_load((root / "bento.yaml").read_text(), str(root / "bento.yaml")) or {}
    src = root / "src"
    from argento.registry.store import pin_env

    models = manifest.get("models") or []
    os.environ.update(pin_env({m["ref"]: m["tag"] for m in models if m.get("ref") and m.get("tag")}))
    try:
        cls = load_service(manifest["service"], src)
    except ArgentoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    pin_models(cls, manifest.get("models") or [])
    options = ServeOptions(
        target=manifest["service"],
        host=args.host,
        port=args.port,
        uds=args.uds,
        workers=args.workers,
        access_log=not args.no_access_log,
        version=str(manifest.get("version", "dev")),
        log_level=args.log_level,
        working_dir=str(src),
    )
    return serve(options)


if __name__ == "__main__":
    sys.exit(main())
