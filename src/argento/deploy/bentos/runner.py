"""The process that serves a bento: ``python -m argento.deploy.bentos.runner BENTO_DIR [--port …]``.

Runs inside the bento's environment. It imports the service from the bento's ``src/``, pins every
``argento.models.ref(...)`` of the service class to the concrete version recorded at build time (so an alias
that moved since does not change what the bento serves), then hands over to the serving runtime.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml


def pin_models(cls: type, models: list[dict[str, str]]) -> None:
    """Point the class's model references at the versions the bento recorded."""
    from argento.registry.model import ModelRef

    pins = {ModelRef.of(m["ref"]).tag: m["tag"] for m in models if m.get("ref")}
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
    from argento.serving.runtime import ServeOptions, load_service, serve

    root = Path(args.bento)
    manifest = yaml.safe_load((root / "bento.yaml").read_text()) or {}
    src = root / "src"
    cls = load_service(manifest["service"], src)
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
