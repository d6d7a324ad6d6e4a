"""ArtifactService: downloads of a workflow's artifacts, at Argo Server's URLs (SPEC §2.5).

``GET /artifact-files/{namespace}/{workflow|workflows|archived-workflows}/{name or uid}/{nodeId}/{outputs|inputs}/
{artifactName}`` and the older ``GET /artifacts/{namespace}/{name}/{nodeId}/{artifactName}``. A file artifact
is sent as the file (unpacked from its archive, as a step sees it); a directory artifact as a ``.tar.gz``.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse

from argento.errors import NotFound, SpecError
from argento.paths import safe_join
from argento.server.api import Api
from argento.server.context import ctx

api = Api()
TAG = "ArtifactService"


def _workflow(request: Request, kind: str, ident: str) -> dict[str, Any]:
    c = ctx(request)
    if kind in ("workflow", "workflows"):
        return c.manager.get(request.path_params["namespace"], ident)
    if kind == "archived-workflows":
        return c.store.archive.get(ident)
    raise SpecError(
        f"unknown id discriminator {kind!r}: use workflow or archived-workflows", path="idDiscriminator"
    )


def _artifact(wf: dict[str, Any], node_id: str, direction: str, name: str) -> dict[str, Any]:
    node = ((wf.get("status") or {}).get("nodes") or {}).get(node_id)
    if node is None:
        raise NotFound(f'node "{node_id}" not found in workflow "{wf["metadata"]["name"]}"')
    if direction not in ("outputs", "inputs"):
        raise SpecError(
            f"unknown artifact discriminator {direction!r}: use outputs or inputs",
            path="artifactDiscriminator",
        )
    for art in (node.get(direction) or {}).get("artifacts") or []:
        if art.get("name") == name:
            return art
    raise NotFound(f'artifact "{name}" not found in the {direction} of node "{node_id}"')


async def _send(request: Request, wf: dict[str, Any], art: dict[str, Any]) -> Any:
    import asyncio

    _, driver = ctx(request).manager._artifact_support()
    tmp = Path(tempfile.mkdtemp(prefix="argento-download-"))
    try:
        dest = safe_join(tmp, str(art["name"]), what="artifact name")
    except SpecError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    def fetch() -> Path:
        driver.download(driver.recorded_location(art, wf), art, tmp / ".partial", dest)
        if dest.is_dir():  # a directory goes out as one tarball
            bundle = safe_join(tmp, f"{art['name']}.tar.gz", what="artifact name")
            with tarfile.open(bundle, "w:gz") as tar:
                tar.add(dest, arcname=str(art["name"]))
            return bundle
        return dest

    try:
        path = await asyncio.to_thread(fetch)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return FileResponse(path, filename=path.name, background=BackgroundTask(shutil.rmtree, tmp, True))


@api.route(
    "GET",
    "/artifact-files/{namespace}/{idDiscriminator}/{id}/{nodeId}/{artifactDiscriminator}/{artifactName}",
    "ArtifactService_GetArtifactFile",
    tag=TAG,
    produces="application/octet-stream",
)
async def artifact_file(request: Request) -> Any:
    """An input or output artifact of a node of a workflow (live or archived)."""
    p = request.path_params
    wf = _workflow(request, p["idDiscriminator"], p["id"])
    return await _send(request, wf, _artifact(wf, p["nodeId"], p["artifactDiscriminator"], p["artifactName"]))


@api.route(
    "GET",
    "/artifacts/{namespace}/{name}/{nodeId}/{artifactName}",
    "ArtifactService_GetOutputArtifact",
    tag=TAG,
    produces="application/octet-stream",
)
async def output_artifact(request: Request) -> Any:
    """An output artifact of a node of a live workflow (Argo's older URL)."""
    p = request.path_params
    wf = _workflow(request, "workflow", p["name"])
    return await _send(request, wf, _artifact(wf, p["nodeId"], "outputs", p["artifactName"]))
