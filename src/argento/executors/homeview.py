"""What a step sees of ``ARGENTO_HOME``: only what steps legitimately use (SPEC §2.10, issue 14.3).

Steps run as the server's user. Without care a step with no ``secretKeyRef`` could read ``secrets/key`` and
decrypt every namespace's secrets, read the state database (``argento.db*``: every workflow, node and hashed
token), the deployment state and other workflows' run folders. In Argo a pod gets only what its spec
references: its env and volumes, resolved by the controller and kubelet, never by the pod reading the API's
store. So in the namespace modes the step's ``<home>`` is a *view*: an empty directory with only these entries
bound back from the real home:

- ``models/``, ``bentos/``, ``envs/`` — the model store, the bento store and bento environments: a pipeline
  step saves a model, builds a bento and deploys it (through the server's API);
- ``mlflow/`` — the tracking store of ``argento up``'s MLflow, which every step reaches over HTTP anyway (MLflow
  has no auth); a step logging to a ``sqlite:///<home>/mlflow/…`` URI works too;
- ``runtime/`` — the executor's own programs (shims, the ``{python}`` bin dir, program wrappers);
- ``config.yaml``, read-only — the default artifact repository and the service-alias table, which Argento's
  clients in a step (``argento``, the ``bentoml`` compatibility layer) read; it names secrets, never holds their
  values, and a step cannot change what the engine reads from it;
- the step's own run folder ``runs/<workflow>/`` (its logs, script, private ``/tmp``, input artifacts; the
  sibling steps' folders of the same workflow are there too, as a shared ``emptyDir``-like area).

Everything else is absent: ``secrets/``, ``argento.db*``, ``deployments/``, ``artifacts/`` (the local artifact
repository holds every workflow's outputs; a step gets its inputs placed, and its outputs are collected by the
engine), ``memo/``, ``logs/``, ``volumes/`` (a
claim is mounted at its ``mountPath``), ``images.yaml``, ``up.json`` and whatever else a later version keeps
there — the list is what is shown, not what is hidden. Secret values reach a step only
as the engine resolves them for its spec (env ``secretKeyRef``, ``secret`` volumes).

The entries are created on the host before the first step (``models/`` etc.), so what a step writes there
persists. In ``rewrite`` mode there is no mount namespace and nothing is hidden (docs/operations.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The entries of ``<home>`` a step sees (directories, created when missing).
VISIBLE = ("models", "bentos", "envs", "mlflow", "runtime")
#: Files of ``<home>`` a step sees, when they exist as its step starts.
VISIBLE_FILES = ("config.yaml",)

#: The view's skeleton inside a run folder (one per run) or a step's workdir: mountpoints only, no data.
_VIEW_DIR = ".argento-home"


@dataclass(frozen=True)
class HomeView:
    """The binds that replace ``<home>`` for one step (container path -> host path, both real paths)."""

    home: str
    #: The skeleton directory bound over ``home``.
    view: str
    #: ``home`` -> ``view``, then each visible entry -> itself.
    binds: dict[str, str]
    #: The host folder the step owns inside ``home`` ("" when its workdir lies outside ``home``).
    own: str
    #: Binds the step may read but not write (``config.yaml``).
    read_only: tuple[str, ...] = ()


class HomeViews:
    """Plans `HomeView`s for one home; the skeleton of each run folder is made once."""

    def __init__(self, home: Path) -> None:
        self.home = os.path.realpath(home)
        self._made: set[str] = set()
        for name in VISIBLE:
            os.makedirs(os.path.join(self.home, name), exist_ok=True)

    def for_workdir(self, workdir: Path, *, real: str | None = None) -> HomeView | None:
        """The view for a step whose private folder is ``workdir`` (``real``: its real path, when the caller
        has it); None when ``<home>`` does not exist."""
        home = self.home
        if not os.path.isdir(home):
            return None
        work = real or os.path.realpath(workdir)
        runs = os.path.join(home, "runs")
        if work.startswith(runs + os.sep):
            own = os.path.join(runs, work[len(runs) + 1 :].split(os.sep, 1)[0])
        elif work.startswith(home + os.sep):
            own = work
        else:
            own = ""
        # The skeleton is the run's (or, for a workdir outside the home, the step's own): what a step writes
        # at the top of its view of the home reaches no other workflow.
        view = os.path.join(own or work, _VIEW_DIR)
        entries = [os.path.join(home, name) for name in VISIBLE]
        if own:
            entries.append(own)
        if view not in self._made or not os.path.isdir(view):
            for entry in entries:
                os.makedirs(view + entry[len(home) :], exist_ok=True)
            if own:
                self._made.add(view)
        binds = {home: view}
        binds.update((entry, entry) for entry in entries)
        read_only = []
        for name in VISIBLE_FILES:  # read-only: the engine trusts what they say
            path = os.path.join(home, name)
            if os.path.isfile(path):
                binds[path] = path
                read_only.append(path)
        return HomeView(home=home, view=view, binds=binds, own=own, read_only=tuple(read_only))
