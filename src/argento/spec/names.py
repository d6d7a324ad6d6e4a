"""Argo's naming rules (``workflow/validate/validate.go``), with Argo's messages.

- Template, step and task names: ``[a-zA-Z0-9][-a-zA-Z0-9]*``, at most 128 characters.
- Parameter and artifact names: ``[-a-zA-Z0-9_]+``.
- Resource names: at most 63 characters (52 for a CronWorkflow, which appends ``-<unix time>``).
- Prometheus metric names: ``[a-zA-Z_:][a-zA-Z0-9_:]*``.
"""

from __future__ import annotations

import re

WORKFLOW_FIELD_NAME_RE = re.compile(
    r"^[a-zA-Z0-9][-a-zA-Z0-9]*\Z"
)  # \Z: Go's $ (Python's also matches before a final \n)
WORKFLOW_FIELD_MAX_LENGTH = 128
PARAM_OR_ARTIFACT_NAME_RE = re.compile(r"^[-a-zA-Z0-9_]+\Z")
#: A value that is one ``{{…}}`` reference (Argo's ``isParameter``).
PARAMETER_REF_RE = re.compile(r"{{[-a-zA-Z0-9]+(\.[-a-zA-Z0-9_]+)*}}")
METRIC_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
MAX_OBJECT_NAME = 63
MAX_CRON_WORKFLOW_NAME = 52

FIELD_NAME_MESSAGE = (
    "name must consist of alpha-numeric characters or '-', and must start with an alpha-numeric character "
    "(e.g. My-name1-2, 123-NAME)"
)
PARAM_NAME_MESSAGE = (
    "Parameter/Artifact name must consist of alpha-numeric characters, '_' or '-' e.g. my_param_1, MY-PARAM-1"
)


def workflow_field_name_errors(name: str) -> list[str]:
    """Why ``name`` is not a valid template/step/task name (empty list when it is)."""
    errors: list[str] = []
    if len(name) > WORKFLOW_FIELD_MAX_LENGTH:
        errors.append(f"must be no more than {WORKFLOW_FIELD_MAX_LENGTH} characters")
    if not WORKFLOW_FIELD_NAME_RE.match(name):
        errors.append(FIELD_NAME_MESSAGE)
    return errors


def param_name_errors(name: str) -> list[str]:
    """Why ``name`` is not a valid parameter/artifact name (empty list when it is)."""
    return [] if PARAM_OR_ARTIFACT_NAME_RE.match(name) else [PARAM_NAME_MESSAGE]


def is_parameter(value: str) -> bool:
    """Whether ``value`` contains a ``{{…}}`` reference (so it is only known at run time)."""
    return PARAMETER_REF_RE.search(value) is not None


#: A ``{{…}}`` tag with no tag inside it.
_SIMPLE_TAG_RE = re.compile(r"{{[^{}]*}}")
#: A simple tag that sits inside another tag (``{{steps.run-{{inputs.parameters.d}}.status}}``): it is followed
#: by a closing ``}}`` before any opening ``{{``.
NESTED_TAG_RE = re.compile(r"{{([^{}]+)}}(?=[^{]*}})")


def skeleton(name: str) -> str:
    """``name`` with every ``{{…}}`` replaced by ``x``: what Argo validates of a templated name.

    Argo substitutes a template's inputs (with placeholders) before it checks step, task, argument and output
    names (``validateTemplate`` → ``ProcessArgs``, then ``isValidStepName``), so ``run-{{inputs.parameters.d}}``
    is judged by its literal parts ("skeleton") only; an unresolvable tag is reported on its own.
    """
    return _SIMPLE_TAG_RE.sub("x", name) if "{{" in name else name


def flatten_nested(text: str) -> str:
    """``text`` with every tag nested inside another tag replaced by ``x`` (see :func:`skeleton`)."""
    while "{{" in text:
        flat = NESTED_TAG_RE.sub("x", text)
        if flat == text:
            break
        text = flat
    return text
