"""``/docs.json`` (OpenAPI 3.0) and the docs page at ``/``, both rendered once at start-up.

Each API operation carries ``x-argento-api`` (its input/output kinds and parameter names) so that
:mod:`argento.serving.client` can build typed methods without guessing.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from argento.serving.decorators import ServiceSpec
    from argento.serving.routes import CompiledAPI


class DocumentedApp(Protocol):
    """What the document is made of, from :class:`argento.serving.app.ServiceApp` (which serves it)."""

    spec: ServiceSpec
    apis: list[CompiledAPI]
    version: str


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "machine-readable code (invalid_input, timeout, …)"},
        "detail": {"type": "string", "description": "what went wrong, for a person"},
    },
}

_ERRORS = {
    "400": "Invalid input (bad JSON, schema, shape or dtype)",
    "413": "Body too large",
    "429": "Over max_concurrency",
    "500": "The API raised (the detail names the request id)",
    "503": "Not ready, or shed by the batcher (deadline)",
    "504": "Timed out (traffic.timeout)",
}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _system_path(summary: str, content_type: str = "application/json") -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "tags": ["infrastructure"],
            "responses": {"200": {"description": "OK", "content": {content_type: {"schema": {}}}}},
        }
    }


def build_openapi(app: DocumentedApp) -> dict[str, Any]:
    """The OpenAPI 3.0 document of a service."""
    spec = app.spec
    paths: dict[str, Any] = {}
    for api in app.apis:
        operation = {
            "operationId": api.name,
            "summary": api.spec.doc.splitlines()[0] if api.spec.doc else api.name,
            "description": api.spec.doc,
            "tags": ["APIs"],
            "requestBody": {
                "required": bool(api.params) or not api.hinted,
                "content": api.input.openapi_content(),
            },
            "responses": {
                "200": {"description": "OK", "content": api.output.openapi_content()},
                **{code: _error_response(text) for code, text in _ERRORS.items()},
            },
            "x-argento-api": api.describe(),
        }
        if api.batchable:
            operation["x-argento-batching"] = {
                "max_batch_size": api.spec.max_batch_size,
                "max_latency_ms": api.spec.max_latency_ms,
            }
        paths[api.route] = {"post": operation}
    paths.update(
        {
            "/livez": _system_path("Liveness"),
            "/healthz": _system_path("Health"),
            "/readyz": _system_path("Readiness: 200 once models loaded and startup hooks ran"),
            "/metrics": _system_path("Prometheus metrics", "text/plain"),
        }
    )
    return {
        "openapi": "3.0.3",
        "info": {"title": spec.name, "version": app.version, "description": (spec.cls.__doc__ or "").strip()},
        "paths": paths,
        "components": {"schemas": {"Error": ERROR_SCHEMA}},
        "x-argento-service": {
            "name": spec.name,
            "traffic": {
                "timeout": spec.traffic.timeout,
                "max_concurrency": spec.traffic.max_concurrency,
                "max_body_size": spec.traffic.max_body_size,
            },
        },
    }


def openapi_document(app: DocumentedApp) -> bytes:
    """``build_openapi`` as JSON bytes."""
    return json.dumps(build_openapi(app), default=str).encode()


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · Argento</title>
<style>
body{{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222;padding:0 1rem}}
h1{{font-size:1.5rem}} .op{{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.8rem 1rem}}
.m{{background:#2b6;color:#fff;border-radius:4px;padding:2px 6px;font-weight:600;margin-right:.5rem}}
textarea{{width:100%;min-height:5rem;font-family:monospace}} pre{{background:#f6f6f6;padding:.6rem;overflow:auto}}
button{{margin-top:.4rem}}
</style></head><body>
<h1>{title}</h1><p>OpenAPI document: <a href="docs.json">/docs.json</a> ·
<a href="metrics">/metrics</a> · <a href="readyz">/readyz</a></p><div id="ops">loading…</div>
<script>
fetch("docs.json").then(r => r.json()).then(doc => {{
  const ops = document.getElementById("ops"); ops.textContent = "";
  for (const [path, item] of Object.entries(doc.paths)) {{
    const post = item.post; if (!post) continue;
    const div = document.createElement("div"); div.className = "op";
    const ct = Object.keys(post.requestBody.content)[0];
    div.innerHTML = `<div><span class="m">POST</span><code>${{path}}</code> ${{post.summary || ""}}</div>
      <pre>${{JSON.stringify(post.requestBody.content[ct].schema, null, 1)}}</pre>
      <textarea placeholder="request body (${{ct}})"></textarea><br><button>Try it</button><pre class="out"></pre>`;
    div.querySelector("button").onclick = async () => {{
      const r = await fetch(path.slice(1), {{method: "POST", headers: {{"content-type": ct}},
        body: div.querySelector("textarea").value}});
      div.querySelector(".out").textContent = r.status + "\\n" + await r.text();
    }};
    ops.appendChild(div);
  }}
}});
</script></body></html>
"""


def docs_page(title: str) -> bytes:
    """A self-contained docs page (no external assets) listing the APIs with a try-it form."""
    return _PAGE.format(title=html.escape(title)).encode()
