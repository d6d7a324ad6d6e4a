"""Which ``Host`` header values a local server answers: the defence against DNS rebinding.

A page on ``evil.example`` can make its own name resolve to 127.0.0.1 a second after it loaded; the browser
then sends that page's requests to our loopback port and lets the page read the answers, because for the
browser it is still ``evil.example``. What gives such a request away is its ``Host`` header: it names the
attacker's domain. So a server answers only the names it knows (what Jupyter and the Docker API do):

- ``localhost`` and every loopback address (``127.0.0.1``, ``[::1]``, any of 127.0.0.0/8);
- the address it is bound to;
- bound to every interface (``0.0.0.0``, ``::``): any IP address literal (a literal never goes through DNS,
  so it cannot be rebound) and this machine's own host names;
- the names configured with ``ARGENTO_ALLOWED_HOSTS`` (``*`` answers any name).

The port is ignored: rebinding does not change the port, and a reverse proxy may rewrite it. A request
without a ``Host`` header (HTTP/1.0 tools) is answered: browsers always send one.

:meth:`HostCheck.allows` is called on every request of the serving runtime, so a verdict is cached per raw
header value: after the first request, the check is one set lookup.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

WILDCARD_BINDS = frozenset({"0.0.0.0", "::", "", "[::]"})
_CACHE_LIMIT = 1024


def split_host(header: str) -> str:
    """The host name of a ``Host`` header (or of an origin's netloc): no port, no brackets, lower case."""
    text = header.strip().lower()
    if text.startswith("["):  # [v6]:port
        end = text.find("]")
        return text[1:end] if end > 0 else text
    if text.count(":") == 1:  # name:port (a bare v6 address has several colons)
        text = text.partition(":")[0]
    return text.rstrip(".")


def ip_literal(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``name`` as an IP address, or None when it is a DNS name."""
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def is_loopback_name(name: str) -> bool:
    """``localhost`` or a loopback address."""
    if name == "localhost":
        return True
    ip = ip_literal(name)
    return ip is not None and ip.is_loopback


class HostCheck:
    """The ``Host`` names one server answers (see the module docstring)."""

    def __init__(self, bind: str = "127.0.0.1", extra: Iterable[str] = ()) -> None:
        self.bind = split_host(bind) if bind not in WILDCARD_BINDS else ""
        self.wildcard = bind in WILDCARD_BINDS
        names = {split_host(n) for n in extra if n.strip()}
        self.any_name = "*" in names
        names.discard("*")
        if self.bind:
            names.add(self.bind)
        if self.wildcard:
            names.update(_own_names())
        self.names = frozenset(names)
        self._verdicts: dict[bytes, bool] = {}

    def allows_name(self, name: str) -> bool:
        """Whether a host name (no port) is one this server answers."""
        if self.any_name or name in self.names or is_loopback_name(name):
            return True
        return self.wildcard and ip_literal(name) is not None

    def allows(self, header: bytes | None) -> bool:
        """Whether a raw ``Host`` header value is answered (None: no header, answered)."""
        if header is None:
            return True
        verdict = self._verdicts.get(header)
        if verdict is None:
            try:
                verdict = self.allows_name(split_host(header.decode("ascii")))
            except UnicodeDecodeError:
                verdict = False
            if len(self._verdicts) >= _CACHE_LIMIT:
                self._verdicts.clear()
            self._verdicts[header] = verdict
        return verdict


def _own_names() -> set[str]:
    """This machine's host names (what a client on the network may type)."""
    names = set()
    for name in (socket.gethostname(), socket.getfqdn()):
        if name:
            names.add(name.lower().rstrip("."))
    return names


def header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of a header in an ASGI header list (names are lower case there)."""
    for key, value in headers:
        if key == name:
            return value
    return None
