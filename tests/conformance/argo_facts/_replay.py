"""Pod-state replay for the fact suite: Argo's controller tests put pods into given phases and ``operate()``;
here the fake executor plays the pods (exit codes, stdout, files, errors) so a controller fact runs in
milliseconds, through the same engine as ``argento run``.

    run, fake = replay(argo, body, script=Scripted({"flaky": [1, 1, 0]}))

``Scripted`` maps a template name to the outcomes of its successive pods (the last one repeats): an int is the
exit code, a str is an error of the pod itself (the node is ``Error`` with that message, as Argo's pod that
failed without its main container's verdict), a `StepResult` is used as is. A template it does not name acts
out the last command of its command line (``echo X`` prints X, ``exit N`` fails with N); nothing sleeps.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

from argento.errors import ArgentoError
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor

Outcome = int | str | StepResult


class Scripted:
    """The pods' outcomes per template (module doc); ``stdout`` gives a template's ``outputs.result``."""

    def __init__(
        self,
        outcomes: Mapping[str, list[Outcome]] | None = None,
        stdout: Mapping[str, str | Callable[[PodSpec], str]] | None = None,
    ) -> None:
        self.outcomes = {k: list(v) for k, v in (outcomes or {}).items()}
        self.stdout = dict(stdout or {})
        self.seen: dict[str, int] = {}

    async def __call__(self, pod: PodSpec) -> StepResult:
        n = self.seen.get(pod.template, 0)
        self.seen[pod.template] = n + 1
        plan = self.outcomes.get(pod.template)
        out = self.stdout.get(pod.template, "")
        text = out(pod) if callable(out) else out
        if not plan:
            return act_out(pod, text)
        outcome = plan[min(n, len(plan) - 1)]
        if isinstance(outcome, StepResult):
            return outcome
        if isinstance(outcome, str):
            raise ArgentoError(outcome)
        if outcome:
            return StepResult(exit_code=outcome, result=text)
        return StepResult(exit_code=0, result=text)


def act_out(pod: PodSpec, stdout: str = "") -> StepResult:
    """A pod's end as its last shell command says: ``exit N`` fails with N, ``echo X`` prints X."""
    words = [*pod.command, *pod.args]
    if words[:1] == ["/argosay"]:
        words = words[1:]
    text = pod.script_source if pod.script_source is not None else " ".join(
        words[2:] if len(words) > 2 and words[1] == "-c" else words
    )
    last = text.replace("&&", ";").strip().split(";")[-1].strip() if text.strip() else ""
    parts = last.split()
    if len(parts) == 2 and parts[0] == "exit" and parts[1].isdigit() and parts[1] != "0":
        return StepResult(exit_code=int(parts[1]), result=stdout)
    if not stdout and parts[:1] == ["echo"] and ">" not in last and "|" not in last:
        stdout = last[5:].strip()
    return StepResult(exit_code=0, result=stdout)


def replay(
    argo: Any,
    body: str,
    *,
    script: Callable[[PodSpec], Any] | None = None,
    files: Callable[[PodSpec], Mapping[str, str | bytes]] | None = None,
    delay: float = 0.0,
    **kwargs: Any,
) -> tuple[Any, FakeExecutor]:
    """Run ``body`` (a manifest without apiVersion and kind) on the fake executor; the run and the fake."""
    fake = FakeExecutor(script or Scripted(), files=files, delay=delay)

    def use_fake(options: Any) -> None:
        options.executor = fake
        options.executor_name = "fake"

    argo.configure.append(use_fake)
    try:
        run = argo.run("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(),
                       **kwargs)
    finally:
        argo.configure.remove(use_fake)
    return run, fake


class Concurrency:
    """A fake script that counts how many pods run at once. A pod holds until ``width`` pods have run together
    while it ran, or every one of ``total`` pods has started (conditions, never a timed guess), then ends with
    ``then``: so the most pods seen together is exactly what the engine lets run."""

    def __init__(self, width: int, total: int, then: Callable[[PodSpec], Any] | None = None) -> None:
        self.width, self.total = width, total
        self.most = self.started = 0
        self.holding: list[asyncio.Event] = []
        self.then = then

    async def __call__(self, pod: PodSpec) -> StepResult:
        release = asyncio.Event()
        self.holding.append(release)
        self.started += 1
        self.most = max(self.most, len(self.holding))
        if len(self.holding) >= self.width or self.started >= self.total:
            for event in self.holding:
                event.set()
        try:
            await asyncio.wait_for(release.wait(), 30)
        except TimeoutError:
            raise AssertionError(f"only {len(self.holding)} pods ran together, {self.started} started") from None
        finally:
            self.holding.remove(release)
        if self.then is not None:
            result = self.then(pod)
            return await result if asyncio.iscoroutine(result) else result
        return StepResult(exit_code=0)
