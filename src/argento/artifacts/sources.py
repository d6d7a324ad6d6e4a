"""Input artifacts that do not live in a repository: ``raw`` data, ``http`` downloads and ``git`` checkouts.

Each fetcher writes the artifact to a host path (a file for raw/http, a folder for git) and raises
`ArtifactNotFound` when the source says the thing does not exist (so ``optional`` inputs can be skipped) or
`ArtifactError` with a clear message otherwise. Credentials come from the secret store through ``secret``
(a ``secretKeyRef`` → value function) and never appear in messages or on a command line.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from argento.artifacts.base import ArtifactError, ArtifactNotFound, RepositoryUnreachable
from argento.artifacts.local import atomic_write

SecretFn = Callable[[Mapping[str, Any]], str]

HTTP_TIMEOUT = 30.0
HTTP_ATTEMPTS = 3


def fetch_raw(art: Mapping[str, Any], dest: Path) -> None:
    """``raw.data`` written as the file."""
    data = str((art.get("raw") or {}).get("data") or "")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(data)


def _http_target(art: Mapping[str, Any], secret: SecretFn) -> tuple[str, dict[str, str]]:
    """The URL and headers of an ``http`` or ``artifactory`` artifact (Argo's http driver: ``artifactory`` is
    basic auth from ``usernameSecret``/``passwordSecret``; ``http`` has ``headers`` and ``auth.basicAuth``)."""
    if art.get("artifactory") is not None:
        spec = art["artifactory"] or {}
        user = secret(spec.get("usernameSecret") or {}) if spec.get("usernameSecret") else ""
        password = secret(spec.get("passwordSecret") or {}) if spec.get("passwordSecret") else ""
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return str(spec.get("url") or ""), {"Authorization": "Basic " + token}
    spec = art.get("http") or {}
    headers = {
        str(h.get("name")): str(h.get("value", "")) for h in spec.get("headers") or [] if h.get("name")
    }
    auth = spec.get("auth") or {}
    if auth.get("basicAuth"):
        basic = auth["basicAuth"]
        user = secret(basic.get("usernameSecret") or {})
        password = secret(basic.get("passwordSecret") or {})
        if user and password:  # http.go: basic auth only when both are set
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    oauth = auth.get("oauth2") or {}
    if oauth.get("clientIDSecret") and oauth.get("clientSecretSecret") and oauth.get("tokenURLSecret"):
        headers["Authorization"] = "Bearer " + _oauth2_token(art, oauth, secret)
    return str(spec.get("url") or ""), headers


def _oauth2_token(art: Mapping[str, Any], oauth: Mapping[str, Any], secret: SecretFn) -> str:
    """An access token by the OAuth2 client-credentials grant (Argo's http/clients.go CreateOauth2Client:
    ``scopes`` space-joined, ``endpointParams`` added to the form, the client's credentials as basic auth)."""
    client_id = secret(oauth["clientIDSecret"])
    client_secret = secret(oauth["clientSecretSecret"])
    token_url = secret(oauth["tokenURLSecret"])
    form: list[tuple[str, str]] = [("grant_type", "client_credentials")]
    if oauth.get("scopes"):
        form.append(("scope", " ".join(str(x) for x in oauth["scopes"])))
    form += [(str(p.get("key")), str(p.get("value", ""))) for p in oauth.get("endpointParams") or []]
    basic = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(client_secret, safe='')}"
    request = urllib.request.Request(
        token_url,
        data=urllib.parse.urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + base64.b64encode(basic.encode()).decode(),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as resp:
            body = json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise ArtifactError(f"artifact {art.get('name')}: oauth2 token request failed: {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ArtifactError(f"artifact {art.get('name')}: oauth2 token request failed: {reason}") from None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not token:
        raise ArtifactError(f"artifact {art.get('name')}: oauth2 token response has no access_token")
    return str(token)


@contextlib.contextmanager
def _tls_context(art: Mapping[str, Any], secret: SecretFn) -> Iterator[ssl.SSLContext | None]:
    """The TLS context of an ``http`` artifact with ``auth.clientCert`` (Argo's CreateClientWithCertificate: the
    PEM certificate and key from their secrets; the server is verified as usual), else None."""
    cert = (((art.get("http") or {}).get("auth") or {}).get("clientCert")) or {}
    if not (cert.get("clientCertSecret") and cert.get("clientKeySecret")):
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="argento-cert-") as folder:
        cert_file, key_file = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        for path, ref in ((cert_file, cert["clientCertSecret"]), (key_file, cert["clientKeySecret"])):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secret(ref))
        context = ssl.create_default_context()
        try:
            context.load_cert_chain(cert_file, key_file)
        except (ssl.SSLError, OSError) as exc:
            raise ArtifactError(f"artifact {art.get('name')}: invalid client certificate or key: {exc}") from None
        yield context


def fetch_http(art: Mapping[str, Any], dest: Path, secret: SecretFn) -> None:
    """GET an ``http`` or ``artifactory`` artifact's URL into ``dest``, streaming, with retries."""
    url, headers = _http_target(art, secret)
    request = urllib.request.Request(url, headers=headers)
    for attempt in range(HTTP_ATTEMPTS):
        try:
            with (
                _tls_context(art, secret) as tls,
                urllib.request.urlopen(request, timeout=HTTP_TIMEOUT, context=tls) as resp,
            ):
                atomic_write(dest, resp)
            return
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise ArtifactNotFound(f"loading file from HTTP: 404 Not Found ({url})") from None
            if exc.code < 500 or attempt == HTTP_ATTEMPTS - 1:
                raise ArtifactError(f"loading file from HTTP: {exc.code} {exc.reason} ({url})") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            if attempt == HTTP_ATTEMPTS - 1:
                reason = getattr(exc, "reason", exc)
                raise RepositoryUnreachable(f"loading file from HTTP: cannot reach {url}: {reason}") from None
        except ValueError as exc:  # a malformed URL
            raise ArtifactError(f"artifact {art.get('name')}: invalid http url {url!r}: {exc}") from None
        time.sleep(0.2 * 2**attempt)


def put_http(art: Mapping[str, Any], src: Path, secret: SecretFn) -> None:
    """PUT the (packed) file ``src`` to an ``http`` or ``artifactory`` output's URL (Argo's http driver
    ``Save``: a non-2xx answer fails the save, naming the URL and status)."""
    url, headers = _http_target(art, secret)
    headers["Content-Length"] = str(src.stat().st_size)
    try:
        with src.open("rb") as body, _tls_context(art, secret) as tls:
            request = urllib.request.Request(url, data=body, headers=headers, method="PUT")
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT, context=tls):
                pass
    except urllib.error.HTTPError as exc:
        raise ArtifactError(f"saving file {src.name} to {url} failed with reason: {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RepositoryUnreachable(f"saving file to HTTP: cannot reach {url}: {reason}") from None
    except ValueError as exc:
        raise ArtifactError(f"artifact {art.get('name')}: invalid http url {url!r}: {exc}") from None


def fetch_git(art: Mapping[str, Any], dest: Path, secret: SecretFn, *, git: str = "git") -> None:
    """Clone ``git.repo`` into the folder ``dest`` and check out ``revision`` (local ``git`` binary)."""
    spec = art.get("git") or {}
    repo = str(spec.get("repo") or "")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    keyfile: str | None = None
    extra_config: list[tuple[str, str]] = []
    if spec.get("usernameSecret") or spec.get("passwordSecret"):
        user = secret(spec.get("usernameSecret") or {}) if spec.get("usernameSecret") else ""
        password = secret(spec.get("passwordSecret") or {}) if spec.get("passwordSecret") else ""
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        extra_config.append(("http.extraHeader", f"Authorization: Basic {token}"))
    if spec.get("insecureSkipTLS"):
        extra_config.append(("http.sslVerify", "false"))
    if spec.get("sshPrivateKeySecret"):
        fd, keyfile = tempfile.mkstemp(prefix="argento-git-key-")
        with os.fdopen(fd, "w") as f:
            f.write(secret(spec["sshPrivateKeySecret"]).rstrip("\n") + "\n")
        os.chmod(keyfile, 0o600)
        host_check = "no" if spec.get("insecureIgnoreHostKey") else "accept-new"
        env["GIT_SSH_COMMAND"] = (
            f"ssh -i {keyfile} -o IdentitiesOnly=yes -o StrictHostKeyChecking={host_check}"
        )
    # Credentials travel in the environment (GIT_CONFIG_*), never on the command line.
    env["GIT_CONFIG_COUNT"] = str(len(extra_config))
    for i, (k, v) in enumerate(extra_config):
        env[f"GIT_CONFIG_KEY_{i}"] = k
        env[f"GIT_CONFIG_VALUE_{i}"] = v
    clone = [git, "clone", "--quiet"]
    if spec.get("depth"):
        clone += ["--depth", str(int(spec["depth"]))]
    if spec.get("singleBranch"):
        clone.append("--single-branch")
    if spec.get("branch"):
        clone += ["--branch", str(spec["branch"])]
    if not spec.get("disableSubmodules"):
        clone.append("--recurse-submodules")
    try:
        _git([*clone, "--", repo, str(dest)], env, repo)
        for refspec in spec.get("fetch") or []:
            _git([git, "-C", str(dest), "fetch", "--quiet", "origin", str(refspec)], env, repo)
        revision = str(spec.get("revision") or "")
        if revision:
            checkout = [
                git,
                "-C",
                str(dest),
                "-c",
                "advice.detachedHead=false",
                "checkout",
                "--quiet",
                revision,
            ]
            try:
                _git(checkout, env, repo)
            except ArtifactError:  # a shallow clone may lack the revision: fetch it, then check it out
                _git([git, "-C", str(dest), "fetch", "--quiet", "origin", revision], env, repo)
                _git([*checkout[:-1], "FETCH_HEAD"], env, repo)
    finally:
        if keyfile:
            with contextlib.suppress(OSError):
                os.unlink(keyfile)


def _git(cmd: list[str], env: dict[str, str], repo: str) -> None:
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    except FileNotFoundError:
        raise ArtifactError("git artifacts need the git binary on PATH") from None
    except subprocess.TimeoutExpired:
        raise ArtifactError(f"git {cmd[1]} of {repo} timed out") from None
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        detail = lines[-1] if lines else f"exit code {proc.returncode}"
        if "not found" in detail or "does not exist" in detail or "does not appear to be a git" in detail:
            raise ArtifactNotFound(f"failed to clone {repo}: {detail}")
        raise ArtifactError(f"git {cmd[1] if cmd[1] != '-C' else cmd[3]} of {repo} failed: {detail}")
