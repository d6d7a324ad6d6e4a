"""Kubernetes' object-name rules, with Kubernetes' messages (``k8s.io/apimachinery``, the version Argo 4.1 uses).

Argo leaves ``metadata.name`` to the Kubernetes API server, which checks it with ``ValidateObjectMeta`` before
the object is stored; Argento has no API server, so it applies the same rules itself, wherever a name enters
(the REST API, ``argento lint``/``run``/``submit``, the CLI's resource commands):

- most objects (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow, WorkflowEventBinding,
  Secret, ConfigMap): a DNS-1123 *subdomain* (``pkg/util/validation.IsDNS1123Subdomain``): at most 253
  characters of ``[a-z0-9.-]``, each dot-separated part starting and ending with a letter or digit;
- namespaces, Deployments' Services, containers: a DNS-1123 *label* (``IsDNS1123Label``): at most 63
  characters of ``[a-z0-9-]``, starting and ending with a letter or digit;
- ``generateName`` is checked as the name it will prefix, its trailing ``-`` masked
  (``pkg/api/validation.NameIsDNSSubdomain(name, prefix=true)``), and a generated name keeps at most 58
  characters of it before the 5 random ones (``pkg/storage/names.SimpleNameGenerator``).

An error reads as the API server's ``field.Invalid``: ``metadata.name: Invalid value: "../x": a lowercase RFC
1123 subdomain must consist of …`` (here the field path is the ``SpecError``'s ``path``).
"""

from __future__ import annotations

import re

from argento.errors import SpecError

_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = _LABEL + "(\\." + _LABEL + ")*"
#: Used with ``fullmatch`` (Python's ``$`` would also match before a trailing newline).
LABEL_RE = re.compile(_LABEL)
SUBDOMAIN_RE = re.compile(_SUBDOMAIN)
LABEL_MAX = 63
SUBDOMAIN_MAX = 253
#: ``SimpleNameGenerator``: a generated name is ``generateName[:58]`` + 5 random characters.
GENERATE_NAME_KEEP = 58

LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    f"and end with an alphanumeric character (e.g. 'my-name' or '123-abc', regex used for validation is '{_LABEL}')"
)
SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    f"start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{_SUBDOMAIN}')"
)


def go_quote(value: str) -> str:
    """Go's ``%q`` of a string (``strconv.Quote``): how Kubernetes shows an invalid value."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not ch.isprintable():
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def mask_trailing_dash(name: str) -> str:
    """``maskTrailingDash``: a ``generateName`` may end with ``-``, since characters follow it."""
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


def subdomain_errors(value: str) -> list[str]:
    """``IsDNS1123Subdomain``: why ``value`` is not a DNS-1123 subdomain (empty when it is)."""
    errors = []
    if len(value) > SUBDOMAIN_MAX:
        errors.append(f"must be no more than {SUBDOMAIN_MAX} characters")
    if not SUBDOMAIN_RE.fullmatch(value):
        errors.append(SUBDOMAIN_MESSAGE)
    return errors


def label_errors(value: str) -> list[str]:
    """``IsDNS1123Label``: why ``value`` is not a DNS-1123 label (empty when it is)."""
    errors = []
    if len(value) > LABEL_MAX:
        errors.append(f"must be no more than {LABEL_MAX} characters")
    if not LABEL_RE.fullmatch(value):
        errors.append("must not contain dots" if SUBDOMAIN_RE.fullmatch(value) else LABEL_MESSAGE)
    return errors


def invalid(path: str, value: object, detail: str) -> SpecError:
    """Kubernetes' ``field.Invalid`` as a :class:`SpecError` (``path`` is the field path)."""
    shown = go_quote(value) if isinstance(value, str) else repr(value)
    return SpecError(f"Invalid value: {shown}: {detail}", path=path)


def check_subdomain(value: object, path: str, *, prefix: bool = False) -> str:
    """``value`` if it is a DNS-1123 subdomain (a ``generateName`` prefix when ``prefix``), else SpecError."""
    if not isinstance(value, str):
        raise SpecError(f"must be a string, got {type(value).__name__}", path=path)
    if not value:
        raise SpecError("Required value: name or generateName is required", path=path)
    errors = subdomain_errors(mask_trailing_dash(value) if prefix else value)
    if errors:
        raise invalid(path, value, errors[0])
    return value


def check_label(value: object, path: str, *, prefix: bool = False) -> str:
    """``value`` if it is a DNS-1123 label (a ``generateName`` prefix when ``prefix``), else SpecError."""
    if not isinstance(value, str):
        raise SpecError(f"must be a string, got {type(value).__name__}", path=path)
    if not value:
        raise SpecError("Required value", path=path)
    errors = label_errors(mask_trailing_dash(value) if prefix else value)
    if errors:
        raise invalid(path, value, errors[0])
    return value


def check_namespace(value: object, path: str = "metadata.namespace") -> str:
    """A namespace: a DNS-1123 label (``ValidateNamespaceName``)."""
    return check_label(value, path)


def object_name_errors(meta: dict[str, object], path: str = "metadata") -> list[SpecError]:
    """Every problem of an object's ``name``/``generateName``/``namespace`` (``ValidateObjectMeta``)."""
    errors: list[SpecError] = []
    for key, prefix in (("generateName", True), ("name", False)):
        value = meta.get(key)
        if value in (None, ""):
            continue
        try:
            check_subdomain(value, f"{path}.{key}", prefix=prefix)
        except SpecError as exc:
            errors.append(exc)
    namespace = meta.get("namespace")
    if namespace not in (None, ""):
        try:
            check_namespace(namespace, f"{path}.namespace")
        except SpecError as exc:
            errors.append(exc)
    return errors
