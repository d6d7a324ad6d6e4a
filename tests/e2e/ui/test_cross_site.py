"""Other web pages cannot drive the server (issue 14 item 1), in a real Chromium.

A page served from another origin (a tiny HTTP server on 127.0.0.2) tries what any web page can do without
the user noticing: a "simple" cross-site POST (``text/plain``, no CORS preflight) by ``fetch`` and by a form,
a JSON POST (which needs a preflight), and reading the workflow list. Before the fix the simple POST created
a workflow (whose step could run any command); now nothing is created and nothing can be read. A DNS-rebinding
page (Chromium told to resolve ``rebind.test`` to 127.0.0.1) is refused on the UI and the API. The UI itself
keeps working under its Content-Security-Policy: the list loads and a submit from the UI runs, in server and
in client auth mode (where it sends the anti-CSRF token).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

ATTACKER_HOST = "127.0.0.2"


def workflow(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "container": {"image": "alpine", "command": ["sh", "-c", "id"]}}],
        },
    }


ATTACK = """<!doctype html>
<html><body>
<iframe name="sink" style="display:none"></iframe>
<form id="f" method="POST" enctype="text/plain" target="sink" action="%(target)s/api/v1/workflows/argo">
  <input name='%(form_name)s' value='"}'>
</form>
<script>
window.results = {};
(async () => {
  const target = %(target_json)s;
  const url = target + "/api/v1/workflows/argo";
  try {
    await fetch(url, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"},
                      body: JSON.stringify({workflow: %(simple)s})});
    results.simple = "sent";
  } catch (e) { results.simple = "error " + e; }
  document.getElementById("f").submit();
  try {
    const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                body: JSON.stringify({workflow: %(json)s})});
    results.json = "answered " + r.status;
  } catch (e) { results.json = "blocked"; }
  try {
    const r = await fetch(url);
    results.read = "read " + r.status + " " + (await r.text()).slice(0, 80);
  } catch (e) { results.read = "blocked"; }
  results.done = true;
})();
</script>
</body></html>
"""


@pytest.fixture
def attacker(server: Any) -> Iterator[str]:
    """A page on another origin (127.0.0.2, a free port) aimed at the suite's server."""
    form_name = json.dumps({"workflow": workflow("pwned-form"), "pad": ""})[:-2]  # ...,"pad":"  + ="}
    page = ATTACK % {
        "target": server.url,
        "target_json": json.dumps(server.url),
        "form_name": form_name.replace("'", "&#39;"),
        "simple": json.dumps(workflow("pwned-simple")),
        "json": json.dumps(workflow("pwned-json")),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    try:
        httpd = ThreadingHTTPServer((ATTACKER_HOST, 0), Handler)
    except OSError as exc:
        pytest.skip(f"cannot listen on {ATTACKER_HOST}: {exc}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://{ATTACKER_HOST}:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_page_on_another_origin_can_neither_run_nor_read(
    browser: Any, server: Any, attacker: str, artifacts: Path
) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(attacker + "/")
        page.wait_for_function("() => window.results && window.results.done", timeout=15_000)
        results = page.evaluate("() => window.results")
        page.wait_for_timeout(500)  # the form's POST goes out with the iframe navigation
        page.screenshot(path=str(artifacts / "40-cross-site-attack.png"))
    finally:
        context.close()
    assert results["simple"] == "sent"  # the browser did send it: the server has to refuse it
    assert results["json"] == "blocked"  # preflight unanswered: the JSON POST never leaves the browser
    assert results["read"] == "blocked", results  # no CORS: the list cannot be read
    names = [
        w["metadata"]["name"] for w in server.api.get("/api/v1/workflows/argo").json().get("items") or []
    ]
    assert not [n for n in names if n.startswith("pwned")], names


def test_a_dns_rebinding_page_is_refused(browser: Any, server: Any, chromium: tuple[str, list[str]]) -> None:
    port = server.url.rsplit(":", 1)[1]
    path, args = chromium
    # Chromium's Private Network Access would already stop this page's requests (a "public" page calling
    # loopback); other browsers do not, so it is turned off: the server's own check must hold by itself.
    pna = "BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessRespectPreflightResults,LocalNetworkAccessChecks"
    rebinding = browser.browser_type.launch(
        executable_path=path,
        args=[*args, "--host-resolver-rules=MAP rebind.test 127.0.0.1", f"--disable-features={pna}"],
    )
    try:
        page = rebinding.new_page()
        answer = page.goto(f"http://rebind.test:{port}/workflows/argo")
        assert answer is not None and answer.status == 403
        # The attacker's own page, served (before the rebinding) under the attacker's name; its requests
        # then reach our server under that name, as same-origin requests for the browser.
        page.route(
            f"http://rebind.test:{port}/attack",
            lambda route: route.fulfill(status=200, content_type="text/html", body="<p>rebinding</p>"),
        )
        page.goto(f"http://rebind.test:{port}/attack")
        status = page.evaluate(
            """async () => {
                const r = await fetch("/api/v1/workflows/argo");
                return [r.status, (await r.json()).code];
            }"""
        )
        assert status == [403, 7]
    finally:
        rebinding.close()


def test_the_ui_still_lists_and_submits_under_its_csp(page: Any, server: Any) -> None:
    listed = server.submit(workflow(f"listed-{int(time.time() * 1000) % 100000}"))["metadata"]["name"]
    page.goto("/workflows/argo")
    expect(page.locator(f"tr[data-name='{listed}']")).to_be_visible()
    page.get_by_role("button", name="+ Submit").click()
    page.locator("textarea.code").fill(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: from-ui-}\n"
        "spec:\n  entrypoint: main\n  templates:\n  - name: main\n"
        "    container: {image: alpine, command: [echo, hi]}\n"
    )
    page.locator("dialog").get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/workflows/argo/from-ui-\w+$"))
    expect(page.locator(".page-head .badge").first).to_have_attribute(
        "data-phase", "Succeeded", timeout=30_000
    )


def test_client_mode_ui_sends_the_csrf_token(browser: Any, server_class: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "ARGENTO_HOME": str(home)}
    token = (
        subprocess.run(
            [sys.executable, "-m", "argento.cli.main", "auth", "token", "create", "--name", "ui"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    srv = server_class(home, "--auth-mode", "client", token=token).start()
    errors: list[str] = []
    try:
        context = browser.new_context(base_url=srv.url)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto("/login")
        page.get_by_label("Token").fill(token)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/workflows/argo$"))
        # A change made by the UI goes through (it sends X-CSRF-Token) ...
        page.get_by_role("button", name="+ Submit").click()
        page.locator("textarea.code").fill(
            "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: csrf-ok-}\n"
            "spec:\n  entrypoint: main\n  templates:\n  - name: main\n"
            "    container: {image: alpine, command: [echo, hi]}\n"
        )
        page.locator("dialog").get_by_role("button", name="Submit").click()
        page.wait_for_url(re.compile(r"/workflows/argo/csrf-ok-\w+$"))
        # ... while the same request with the cookie alone is refused.
        status = page.evaluate(
            """async (wf) => (await fetch("/api/v1/workflows/argo", {method: "POST",
                headers: {"Content-Type": "application/json"}, body: JSON.stringify({workflow: wf})})).status""",
            workflow("cookie-only"),
        )
        assert status == 403
        context.close()
    finally:
        srv.stop()
    assert not errors, errors
