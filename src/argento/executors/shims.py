"""Small POSIX ``sh`` programs that stand in for the tools of example images.

They are written once into the executor's bin dir (`install`) and exec'd like any host tool, so a shimmed
step costs one ``sh`` start, never a Python interpreter:

- ``argosay`` — ``argoproj/argosay:v2``: no argument prints ``hello argo``; ``echo`` prints ``hello argo``;
  ``echo MSG`` prints MSG; ``echo MSG FILE`` writes MSG (no newline) to FILE, creating its folder; ``cat FILE…``;
  ``sleep DURATION`` (Go duration such as ``2s``/``500ms``/``1m30s``, or plain seconds); ``exit [N]``;
  ``assert_contains FILE STR`` (``grep -F``); ``sh FILE``; anything else prints the usage and exits 1.
  ``argosay v1`` mode (``ARGOSAY_VERSION=1``, set by the v1 image mapping) knows only ``cat``, ``echo`` and
  ``sleep``, like Argo's first argosay; the v1 image also carries ``cowsay``.
- ``cowsay`` — ``cowsay MSG…`` (or stdin) draws MSG in a speech bubble above a cow, or above a whale when
  ``ARGENTO_COW=whale`` (the ``docker/whalesay`` mapping sets it).
- ``sleep`` — only installed when ``Settings.sleep_scale != 1``: scales every duration argument by the factor
  and execs the host ``sleep``. Conformance runs set ``ARGENTO_SLEEP_SCALE=0.01`` so examples that sleep for
  show finish fast; a step's own scripts pick the shim up through ``PATH``.
"""

from __future__ import annotations

import os
from pathlib import Path

# awk program: seconds in a duration list (Go units ns/us/ms/s/m/h plus GNU sleep's d; bare numbers are
# seconds), multiplied by `scale`. Exits 2 on a malformed duration.
_DURATION_AWK = r"""
function secs(str,   t, n, u) {
  t = 0
  if (str ~ /^[0-9]*\.?[0-9]+$/) return str + 0
  if (str == "") return -1
  while (length(str) > 0) {
    if (!match(str, /^[0-9]*\.?[0-9]+/)) return -1
    n = substr(str, 1, RLENGTH) + 0; str = substr(str, RLENGTH + 1)
    if (!match(str, /^(ns|us|ms|s|m|h|d)/)) return -1
    u = substr(str, 1, RLENGTH); str = substr(str, RLENGTH + 1)
    if (u == "ns") t += n / 1e9; else if (u == "us") t += n / 1e6; else if (u == "ms") t += n / 1e3
    else if (u == "s") t += n; else if (u == "m") t += n * 60; else if (u == "h") t += n * 3600
    else t += n * 86400
  }
  return t
}
BEGIN {
  total = 0
  for (i = 1; i < ARGC; i++) { s = secs(ARGV[i]); if (s < 0) exit 2; total += s }
  printf "%.6f\n", total * scale
}
"""

_ARGOSAY = r"""#!/bin/sh
# argosay, as provided by argento (argento.executors.shims) for argoproj/argosay images.
usage() {
  echo 'usage: argosay [assert_contains file string|cat [file...]|echo [string] [file]|sleep duration|exit [code]|sh file]' >&2
  exit 1
}
[ $# -eq 0 ] && set -- echo
cmd=$1
shift
if [ "${ARGOSAY_VERSION:-2}" = 1 ]; then
  case $cmd in cat|echo|sleep) ;; *) usage ;; esac
fi
case $cmd in
  echo)
    case $# in
      0) echo "hello argo" ;;
      1) printf '%s\n' "$1" ;;
      2) mkdir -p -- "$(dirname -- "$2")" && printf '%s' "$1" > "$2" ;;
      *) usage ;;
    esac ;;
  cat) [ $# -eq 0 ] || exec cat -- "$@" ;;
  sleep)
    [ $# -eq 1 ] || usage
    t=$(awk -v scale=@SCALE@ '@AWK@' "$1") || { echo "argosay: invalid duration \"$1\"" >&2; exit 1; }
    exec @SLEEP@ "$t" ;;
  exit)
    [ $# -le 1 ] || usage
    exit "${1:-0}" ;;
  assert_contains)
    [ $# -eq 2 ] || usage
    grep -qF -- "$2" "$1" && exit 0
    [ -r "$1" ] || exit 1
    printf 'expected "%s" to contain "%s", but was "%s"\n' "$1" "$2" "$(cat -- "$1")" >&2
    exit 1 ;;
  sh) exec sh "$@" ;;
  *) usage ;;
esac
"""

_COWSAY = r"""#!/bin/sh
# cowsay, as provided by argento (argento.executors.shims) for argosay:v1 and docker/whalesay images.
if [ $# -eq 0 ]; then COWSAY_MSG=$(cat); else COWSAY_MSG="$*"; fi
export COWSAY_MSG
exec awk 'BEGIN {
  n = split(ENVIRON["COWSAY_MSG"], lines, "\n"); w = 0
  if (n == 0) { n = 1; lines[1] = "" }
  for (i = 1; i <= n; i++) if (length(lines[i]) > w) w = length(lines[i])
  top = " "; bot = " "; for (i = 0; i < w + 2; i++) { top = top "_"; bot = bot "-" }
  print top
  for (i = 1; i <= n; i++) {
    pad = lines[i]; while (length(pad) < w) pad = pad " "
    if (n == 1) { l = "<"; r = ">" } else if (i == 1) { l = "/"; r = "\\" } else if (i == n) { l = "\\"; r = "/" } else { l = "|"; r = "|" }
    print l " " pad " " r
  }
  print bot
  if (ENVIRON["ARGENTO_COW"] == "whale") {
    print "    \\"
    print "     \\              .  ."
    print "      \\          .-\"\"\"\"-.  ."
    print "        ______ /  o     \\__"
    print "   ~~~ /                   \\~~~"
    print "       \\____________.  ___/"
    print "                     \\_\\"
  } else {
    print "        \\   ^__^"
    print "         \\  (oo)\\_______"
    print "            (__)\\       )\\/\\"
    print "                ||----w |"
    print "                ||     ||"
  }
}'
"""

_SLEEP = r"""#!/bin/sh
# sleep, scaled by ARGENTO_SLEEP_SCALE=@SCALE@ (argento.executors.shims); 'infinity' is passed through.
for a in "$@"; do [ "$a" = infinity ] && exec @SLEEP@ "$@"; done
t=$(awk -v scale=@SCALE@ '@AWK@' "$@") || exec @SLEEP@ "$@"
exec @SLEEP@ "$t"
"""


def _render(template: str, *, scale: float, sleep: str) -> str:
    return (
        template.replace("@AWK@", _DURATION_AWK.replace("'", "'\\''"))
        .replace("@SCALE@", repr(float(scale)))
        .replace("@SLEEP@", sleep)
    )


def write_executable(path: Path, text: str) -> None:
    """Write an executable file so that concurrent writers and readers never see a partial one."""
    if path.exists() and path.read_text() == text:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text)
    tmp.chmod(0o755)
    os.replace(tmp, path)


def install(bin_dir: Path, *, sleep_scale: float, host_sleep: str) -> None:
    """Write the shims into ``bin_dir`` (idempotent). ``host_sleep`` is the absolute path of the real sleep."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    write_executable(bin_dir / "argosay", _render(_ARGOSAY, scale=sleep_scale, sleep=host_sleep))
    write_executable(bin_dir / "cowsay", _COWSAY)
    sleep_shim = bin_dir / "sleep"
    if sleep_scale != 1:
        write_executable(sleep_shim, _render(_SLEEP, scale=sleep_scale, sleep=host_sleep))
    elif sleep_shim.exists():
        sleep_shim.unlink()
