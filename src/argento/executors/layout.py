"""Where a step's container paths live on the host: the *path problem*.

Argo steps write to absolute container paths (``/tmp/hello_world.txt``, ``/mnt/out/x``, ``/result.txt``) and
parallel steps must not collide. A `Layout` is planned in the parent before the step starts; it says how each
container path is provided and answers `Layout.host_path` for outputs. Two modes:

**namespace** (the step runs in a private mount namespace, see `sandbox`):

- ``/tmp`` is the step's private ``workdir/tmp`` (bind mount); each ``mounts`` entry is bind-mounted at its
  container path.
- When every mount target exists on the host and every output parent lies under ``/tmp`` or a mount (the
  common case), that is all: a handful of mount calls.
- Otherwise the step gets a *private root*: ``workdir/root`` becomes ``/`` (chroot). Directories the step
  needs that the host lacks (``/mnt/out``, ``/go/src``, ``/``-level files like ``/result.txt``) are real
  directories inside it; a host directory on such a path (``/``, ``/mnt``) is *grafted*: rebuilt inside the
  root with each host entry bind-mounted back (``rbind``, symlinks copied). New files land in the private
  root; files that exist on the host stay the host's (a step that rewrites ``/etc/hosts`` writes the host's).
- Host paths the executor itself needs (the interpreter, the step's workdir) stay visible at their own path
  even when ``/tmp`` is replaced (homes under ``/tmp`` are common in tests and CI). ``ARGENTO_HOME`` is replaced
  by the step's view of it (``home_view``, see `homeview`): bound over the home last, after every bind whose
  source lies inside it.
- Programs the image provides at container paths (``programs``) are bound at their path where the host has
  nothing there, which makes their directory private like an output's.
- Outputs are read back through `Layout.resolve_output`: symbolic links are followed as the step sees them and
  must end in the step's own files.

**rewrite** (no namespaces available): occurrences of the known container paths in command, args, env values
and script source are rewritten to host paths: ``/tmp`` -> ``workdir/tmp``, mounts -> their host dirs, each
output path outside those -> ``workdir/root/<path>`` (or its top-most missing ancestor, so ``mkdir -p
/go/src/x`` keeps working). A path only counts at a path boundary (``/var/tmp`` and ``$HOME/tmp`` are left
alone); the executor's own host paths are never rewritten. Paths a step builds at run time (``d=/t; $d"mp"``)
are not seen — the documented limit of this mode. ``TMPDIR`` points at the private tmp.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

MS_RDONLY = 1
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384

_PATH_CHAR = r"[\w.~-]"
_MAX_LINKS = 40  # Linux's MAXSYMLINKS


def _identity(path: str) -> str:
    return path


def _norm(path: str, cwd: str = "/") -> str:
    return posixpath.normpath(posixpath.join(cwd, path)) if path else cwd


def _under(path: str, prefix: str) -> bool:
    return path == prefix or prefix == "/" or path.startswith(prefix + "/")


def _ancestors(path: str) -> list[str]:
    """``/a/b/c`` -> ``["/", "/a", "/a/b", "/a/b/c"]``."""
    out = ["/"]
    acc = ""
    for part in path.strip("/").split("/"):
        if part:
            acc += "/" + part
            out.append(acc)
    return out


@dataclass
class Layout:
    """A planned step filesystem. Build with `plan_namespace` or `plan_rewrite`."""

    mode: str  # "namespace" | "rewrite"
    workdir: Path
    #: (container path, host path), shallow before deep.
    binds: list[tuple[str, str]]
    #: Working directory as the process sees it (a container path in namespace mode, a host path otherwise).
    cwd: str
    #: The private root (host dir) when the step is chrooted, else None.
    root: str | None = None
    grafted: set[str] = field(default_factory=set)
    fresh: set[str] = field(default_factory=set)
    #: Container dir -> upper host dir, for dirs made private with overlayfs (``/`` included when privileged).
    overlays: dict[str, str] = field(default_factory=dict)
    #: Container paths inside grafted dirs that are host entries bound back in.
    bound_entries: set[str] = field(default_factory=set)
    #: Mount operations for the child, in order: (source, target, fstype, flags, data); targets as seen
    #: before the chroot.
    ops: list[tuple[bytes, bytes, bytes | None, int, bytes | None]] = field(default_factory=list)
    #: Container working dir (what relative container paths resolve against).
    container_cwd: str = "/"
    #: Host dirs holding the step's own files (its workdir, private /tmp, volumes, input artifacts): where an
    #: output reached through a symbolic link may lead (`resolve_output`).
    own: list[str] = field(default_factory=list)
    _rewrite_rx: re.Pattern[str] | None = None
    _rewrite_map: dict[str, str] = field(default_factory=dict)

    # -- host_path --------------------------------------------------------------------------------------
    def _bind_for(self, path: str) -> tuple[str, str] | None:
        best: tuple[str, str] | None = None
        for c, h in self.binds:
            if _under(path, c) and (best is None or len(c) > len(best[0])):
                best = (c, h)
        return best

    def host_path(self, container_path: str) -> Path:
        """The host location of ``container_path`` (absolute, or relative to the container working dir)."""
        if self.mode == "rewrite" and not container_path.startswith("/"):
            return Path(self.cwd) / container_path  # the process's cwd is a host path already
        path = _norm(container_path, self.container_cwd)
        bind = self._bind_for(path)
        if bind is not None:
            c, h = bind
            return Path(h + path[len(c) :])
        if self.root is None:
            return Path(path)
        path = _canon(path)
        best = ""
        for o in self.overlays:
            if _under(path, o) and len(o) >= len(best):
                best = o
        if best:
            upper = _upper_path(self, best, path)
            return Path(upper) if os.path.lexists(upper) else Path(path)
        for d in reversed(_ancestors(path)):
            if d in self.fresh:
                return Path(self.root + path)
            if d in self.grafted:
                if d == path:
                    return Path(self.root + path)
                child = d.rstrip("/") + "/" + path[len(d) :].lstrip("/").split("/", 1)[0]
                return Path(path) if child in self.bound_entries else Path(self.root + path)
        return Path(path)

    # -- outputs ----------------------------------------------------------------------------------------
    def resolve_output(self, container_path: str) -> Path:
        """The host file behind ``container_path`` with its symbolic links followed *as the step sees them*.

        Argo's executor archives an output from inside the container, so a link resolves in the container's
        filesystem. Here each link is read through this layout (an absolute target is a container path, ``..``
        stops at the step's root; in rewrite mode links hold host paths). A path reached through a link must
        lie in the step's own files (`own`); otherwise `UnsafeOutputPath` is raised — a link to
        ``/etc/passwd`` or to ``<home>/secrets/key`` is never read from the host.
        """
        from .base import UnsafeOutputPath

        if self.mode == "rewrite":
            start, mapping = str(self.host_path(container_path)), _identity
        else:
            start, mapping = _norm(container_path, self.container_cwd), self.host_path
        pending = [p for p in start.split("/") if p]
        done, hops = "/", 0
        while pending:
            part = pending.pop(0)
            if part == ".":
                continue
            if part == "..":
                done = posixpath.dirname(done)
                continue
            path = posixpath.join(done, part)
            host = mapping(path)
            if not os.path.islink(host):
                done = path
                continue
            hops += 1
            if hops > _MAX_LINKS:
                raise UnsafeOutputPath(f"{container_path}: too many levels of symbolic links")
            target = os.readlink(host)
            pending = [p for p in target.split("/") if p] + pending
            if target.startswith("/"):
                done = "/"
        final = Path(mapping(done))
        if hops and not self._owns(final):
            raise UnsafeOutputPath(
                f"{container_path}: a symbolic link leads to {done}, outside the step's own files "
                "(its /tmp, volumes, artifacts and private root)"
            )
        return final

    def _owns(self, host: Path) -> bool:
        real = os.path.realpath(host)
        for own in self.own:
            base = os.path.realpath(own)
            if real == base or real.startswith(base.rstrip("/") + "/"):
                return True
        return False

    # -- rewrite mode -----------------------------------------------------------------------------------
    def rewrite(self, text: str) -> str:
        """Replace known container paths in ``text`` by their host paths (rewrite mode only)."""
        if self._rewrite_rx is None or "/" not in text:
            return text
        return self._rewrite_rx.sub(self._rewrite_one, text)

    def _rewrite_one(self, m: re.Match[str]) -> str:
        hit = m.group("hit")
        if hit is None:
            return m.group(0)
        return self._rewrite_map[hit]


def _canon(path: str) -> str:
    """Resolve host symlinks on the existing part of ``path`` (``/var/run/x`` -> ``/run/x``)."""
    return os.path.realpath(path)


def _host_kind(path: str) -> str | None:
    """ "dir", "file", "link" or None (missing) for a host path."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return "link"
    return "dir" if stat.S_ISDIR(st.st_mode) else "file"


def _binds(workdir: Path, mounts: Mapping[str, Path]) -> dict[str, str]:
    tmp = workdir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    binds = {"/tmp": str(tmp)}
    for c, h in mounts.items():
        binds[_norm(c)] = str(h)
    return binds


def _outputs_parent_dirs(paths: Iterable[str], cwd: str) -> list[str]:
    return [posixpath.dirname(_norm(p, cwd)) for p in paths]


def plan_namespace(
    workdir: Path,
    mounts: Mapping[str, Path],
    output_paths: Iterable[str] = (),
    working_dir: str | None = None,
    keep_visible: Iterable[str] = (),
    *,
    overlay: str = "none",
    overlay_options: str = "",
    host_mounts: Iterable[str] = (),
    programs: Mapping[str, str] | None = None,
    home_view: Mapping[str, str] | None = None,
    read_only: Iterable[str] = (),
    private: Callable[[], tuple[str, str, Iterable[str]]] | None = None,
) -> Layout:
    """Plan a namespace-mode layout (creates the host-side dirs and mountpoints it needs).

    ``overlay`` says how a host directory is made private: ``any`` (privileged: overlayfs on any dir, host
    submounts bound back on top), ``plain`` (unprivileged: overlayfs on dirs without submounts), ``none``
    (graft: rebuild the dir with each entry bind-mounted). ``host_mounts``: the host's mount points.
    ``programs``: files the image provides at container paths (placed where the host has nothing).
    ``home_view``: the binds that replace ``ARGENTO_HOME`` (`homeview.HomeView.binds`; the first key is the
    home itself). ``read_only``: container paths of binds remounted read-only. ``private``, when given,
    returns ``(overlay, overlay_options, host_mounts)`` in their place, called only for a step that needs a
    private root (the usual step does not: the executor probes overlayfs only once one does).
    """
    binds = _binds(workdir, mounts)
    # Mount targets outside /tmp are resolved through host symlinks (/bin/kubectl -> /usr/bin/kubectl).
    binds = {(c if _under(c, "/tmp") else _canon(c)): h for c, h in binds.items()}
    own = [str(workdir), *binds.values()]
    container_cwd = _norm(working_dir) if working_dir else "/"
    layout = Layout("namespace", workdir, [], cwd=container_cwd, container_cwd=container_cwd)
    layout.own = own
    home = next(iter(home_view)) if home_view else None
    for c, h in (home_view or {}).items():
        binds.setdefault(c, h)
    for c, h in (programs or {}).items():
        # The image's file at its path: only where the host has nothing (a host /bin/sh stays the host's).
        parent = posixpath.dirname(c)
        target = posixpath.join(parent if _under(parent, "/tmp") else _canon(parent), posixpath.basename(c))
        if _host_kind(target) is None and not any(_under(target, b) for b in binds):
            binds[target] = h

    # Executor paths hidden by a bind (ARGENTO_HOME under /tmp) are bound back at their own path.
    for path in keep_visible:  # real, existing host paths
        for c in list(binds):
            if _under(path, c) and path != c:
                binds.setdefault(path, path)
    layout.binds = sorted(binds.items(), key=lambda kv: (kv[0].count("/") if kv[0] != "/" else 0, kv[0]))

    def covered(path: str) -> bool:
        return layout._bind_for(path) is not None

    # Which container dirs must be private and do not come from a bind?
    bind_map = dict(layout.binds)
    outer_of = {c: _outer_host(layout, c, bind_map) for c in bind_map}
    source_is_dir = {h: os.path.isdir(h) for h in bind_map.values()}
    need: set[str] = set()
    for c, h in layout.binds:
        if outer_of[c] is not None:
            continue  # its mountpoint is made inside the outer bind's host dir
        if _host_kind(c) != ("dir" if source_is_dir[h] else "file"):
            need.add(posixpath.dirname(c))
    for path in output_paths:
        path = _norm(path, container_cwd)
        # An output that exists on the host (/etc/hosts, /etc) is read from the host as is. Otherwise the
        # nearest existing ancestor is made private and writable, but missing parents are not created: as in a
        # real container, a step that writes /mnt/out/x makes /mnt/out itself (`os.mkdir` must not fail).
        if not covered(path) and _host_kind(path) is None:
            parent = posixpath.dirname(path)
            while parent != "/" and _host_kind(parent) != "dir":
                parent = posixpath.dirname(parent)
            need.add(_canon(parent))
    if working_dir and not covered(container_cwd) and _host_kind(container_cwd) != "dir":
        need.add(_canon(container_cwd))
    if need:
        if private is not None:
            overlay, overlay_options, host_mounts = private()
        _plan_private_root(layout, need, overlay, overlay_options, sorted(set(host_mounts)))

    # Mountpoints, created where they will be seen (inside a bind's host dir, or in the private root).
    for c, h in layout.binds:
        host = _premount_location(layout, c, outer_of[c])
        if host is None:
            continue  # exists on the host
        if source_is_dir[h]:
            if not os.path.isdir(host):  # most exist already (the run's home view): one stat, no EEXIST
                os.makedirs(host, exist_ok=True)
        elif not os.path.exists(host):
            os.makedirs(os.path.dirname(host), exist_ok=True)
            open(host, "a").close()
    if working_dir and covered(container_cwd):
        # The container runtime makes a missing workingDir (Docker's WORKDIR rule); under a bind (the step's
        # private /tmp, a volume) it is made in the bind's host dir.
        os.makedirs(layout.host_path(container_cwd), exist_ok=True)
    # Deepest first: a nested bind is mounted at its place inside the outer bind's *host* dir, and the outer
    # bind (recursive) then carries it along. Mounting outer-first would shadow sources living under it
    # (an ARGENTO_HOME or artifact dir under the host's /tmp).
    prefix = layout.root or ""
    last = None
    frozen = set(read_only)
    for c, h in sorted(layout.binds, key=lambda kv: -kv[0].count("/")):
        outer = outer_of[c]
        target = outer if outer is not None else prefix + c
        op = (h.encode(), target.encode(), None, MS_BIND | MS_REC, None)
        if c == home and outer is None and not prefix:
            last = op  # bound over the real home: after every bind whose source lies in it
        else:
            layout.ops.append(op)
        if c in frozen:  # before an outer bind copies it (a copy keeps the flag)
            layout.ops.append((b"none", target.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY, None))
    if last is not None:
        layout.ops.append(last)
    if layout.root is None and not working_dir:
        # Relative paths of a step without workingDir land in its private workdir, not in the host's /.
        layout.cwd = layout.container_cwd = str(workdir)
    return layout


def _plan_private_root(
    layout: Layout, need: set[str], overlay: str, options: str, host_mounts: list[str]
) -> None:
    """Decide, per directory on the way to each needed path, how it is made private; emit the mounts."""
    workdir = layout.workdir
    covered = layout._bind_for
    submounts = [m for m in host_mounts if m != "/"]

    def can_overlay(a: str) -> bool:
        if overlay == "none" or any(ch in a for ch in ",:\\"):
            return False
        if overlay == "any":
            return True
        return a != "/" and not any(_under(m, a) for m in submounts)

    def in_overlay(a: str) -> str | None:
        for o in layout.overlays:
            if _under(a, o) and not any(_under(m, o) and m != o and _under(a, m) for m in submounts):
                return o
        return None

    uppers = 0
    for target in sorted(need):
        for a in _ancestors(target):
            if covered(a) is not None:
                break
            o = in_overlay(a)
            if o is not None:
                os.makedirs(_upper_path(layout, o, target), exist_ok=True)
                break
            if a in layout.fresh or _host_kind(a) != "dir":
                layout.fresh.update(x for x in _ancestors(target) if _under(x, a))
                break
            if can_overlay(a):
                upper = workdir / "root" if a == "/" else workdir / "upper" / str(uppers)
                uppers += 1
                layout.overlays[a] = str(upper)
                os.makedirs(_upper_path(layout, a, target), exist_ok=True)
                break
            layout.grafted.add(a)

    if "/" in layout.overlays:
        root = workdir / "rootfs"  # the merged view; writes land in the upper dir workdir/root
    else:
        root = workdir / "root"  # a real directory, grafted entry by entry
    root.mkdir(exist_ok=True)
    layout.root = str(root)
    special = layout.grafted | layout.fresh | set(layout.overlays) | {c for c, _ in layout.binds}
    for a in sorted(layout.grafted, key=_depth):
        base = a.rstrip("/")
        os.makedirs(layout.root + a, exist_ok=True)
        with os.scandir(a) as it:
            entries = list(it)
        for e in entries:
            cp = f"{base}/{e.name}"
            dst = layout.root + cp
            if cp in special:
                if cp in layout.overlays:
                    os.makedirs(dst, exist_ok=True)
                continue
            if e.is_symlink():
                if not os.path.lexists(dst):
                    os.symlink(os.readlink(e.path), dst)
            elif e.is_dir():
                os.makedirs(dst, exist_ok=True)
                layout.ops.append((cp.encode(), dst.encode(), None, MS_BIND | MS_REC, None))
            elif e.is_file():
                if not os.path.exists(dst):
                    open(dst, "a").close()
                layout.ops.append((cp.encode(), dst.encode(), None, MS_BIND, None))
            else:
                continue  # sockets, fifos, devices at this level are not carried over
            layout.bound_entries.add(cp)
    for a in layout.fresh:
        os.makedirs(layout.root + a, exist_ok=True)
    for n, (o, upper) in enumerate(sorted(layout.overlays.items(), key=lambda kv: _depth(kv[0]))):
        work = workdir / "ovlwork" / str(n)
        os.makedirs(upper, exist_ok=True)
        os.makedirs(work, exist_ok=True)
        data = f"lowerdir={o},upperdir={upper},workdir={work}{',' + options if options else ''}"
        target = layout.root if o == "/" else layout.root + o
        layout.ops.append((b"overlay", target.encode(), b"overlay", 0, data.encode()))
        # An overlay shows only the lower directory's own file system: bind its submounts back on top.
        chosen: list[str] = []
        for m in submounts:
            if _under(m, o) and m != o and not any(_under(m, c) for c in chosen):
                chosen.append(m)
                layout.ops.append((m.encode(), (layout.root + m).encode(), None, MS_BIND | MS_REC, None))


def _depth(path: str) -> int:
    return 0 if path == "/" else path.count("/")


def _upper_path(layout: Layout, o: str, path: str) -> str:
    """Where ``path`` (under overlay ``o``) is written: inside that overlay's upper dir."""
    return layout.overlays[o] + (path if o == "/" else path[len(o) :])


def _outer_host(layout: Layout, c: str, binds: Mapping[str, str] | None = None) -> str | None:
    """Host location of ``c`` inside the innermost bind that contains it, if any (``binds``: the layout's
    binds as a dict, when the caller has it). Walks ``c``'s ancestors, deepest first (bind keys are
    normalised absolute paths)."""
    if binds is None:
        binds = dict(layout.binds)
    path = c
    while path != "/":
        path = path.rsplit("/", 1)[0] or "/"
        host = binds.get(path)
        if host is not None:
            return host + c[len(path) :]
    return None


def _premount_location(layout: Layout, c: str, outer: str | None) -> str | None:
    """Host location of mountpoint ``c`` before the child mounts anything (None: it exists on the host);
    ``outer``: `_outer_host` of ``c``."""
    if outer is not None:
        return outer
    if layout.root is not None:
        parent = posixpath.dirname(c)
        for o in sorted(layout.overlays, key=len, reverse=True):
            if _under(parent, o):
                return None if _host_kind(c) is not None else _upper_path(layout, o, c)
        if parent in layout.grafted or parent in layout.fresh:
            return layout.root + c
    return None


def plan_rewrite(
    workdir: Path,
    mounts: Mapping[str, Path],
    output_paths: Iterable[str] = (),
    working_dir: str | None = None,
    keep: Iterable[str] = (),
    programs: Mapping[str, str] | None = None,
) -> Layout:
    """Plan a rewrite-mode layout: a container-path -> host-path map applied to the step's strings.

    ``programs`` (files the image provides at container paths) join the map where the host has nothing at
    that path: ``sh -c "…; /argosay"`` is rewritten to the shim's host path.
    """
    binds = _binds(workdir, mounts)
    root = workdir / "root"
    container_cwd = _norm(working_dir) if working_dir else "/"
    layout = Layout("rewrite", workdir, [], cwd=str(workdir), container_cwd=container_cwd)
    layout.own = [str(workdir), *binds.values()]
    layout.binds = sorted(binds.items(), key=lambda kv: len(kv[0]))

    def privatize(path: str, *, is_dir: bool) -> None:
        parent = path if is_dir else posixpath.dirname(path)
        if layout._bind_for(path) is not None:
            os.makedirs(layout.host_path(parent), exist_ok=True)
            return
        if _host_kind(parent) == "dir" and not is_dir:
            key = path  # the parent is the host's: map just the file
        else:
            key = next(a for a in _ancestors(parent) if _host_kind(a) is None)
        layout.binds.append((key, str(root) + key))
        layout.binds.sort(key=lambda kv: len(kv[0]))
        os.makedirs(str(root) + parent, exist_ok=True)

    for p in output_paths:
        privatize(_norm(p, container_cwd), is_dir=False)
    if working_dir:
        if layout._bind_for(container_cwd) is None and _host_kind(container_cwd) != "dir":
            privatize(container_cwd, is_dir=True)
        layout.cwd = str(layout.host_path(container_cwd))
        os.makedirs(layout.cwd, exist_ok=True)
    else:
        layout.container_cwd = str(workdir)
    for c, h in (programs or {}).items():
        if _host_kind(c) is None and layout._bind_for(c) is None:
            layout.binds.append((c, h))
    layout.binds.sort(key=lambda kv: len(kv[0]))

    keep = list(keep)  # real host paths
    exempt = set(keep)
    for _, h in layout.binds:
        if not any(h == k or h.startswith(k + "/") for k in keep):
            exempt.add(h)
    layout._rewrite_map = dict(layout.binds)
    layout._rewrite_rx = _rewrite_regex(tuple(sorted(layout._rewrite_map)), tuple(sorted(exempt)))
    return layout


@functools.lru_cache(maxsize=256)
def _rewrite_regex(keys: tuple[str, ...], exempt: tuple[str, ...]) -> re.Pattern[str]:
    """Match an exempt host path (kept) or a known container path at a path boundary (rewritten)."""
    by_len = sorted(keys, key=len, reverse=True)
    keep = sorted(exempt, key=len, reverse=True)
    return re.compile(
        "(?P<keep>"
        + "|".join(re.escape(e) for e in keep)
        + ")"
        + f"|(?<!{_PATH_CHAR})(?P<hit>"
        + "|".join(re.escape(k) for k in by_len)
        + f")(?!{_PATH_CHAR})"
    )
