"""What a call site must get right: argument names and values, parameters the callee requires, ``enum``,
hooks, ``when`` syntax — Argo's ``validateArguments``, ``ProcessArgs`` and ``validateHooks``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from argento.spec.lint.context import Resolution, resolve
from argento.spec.models import EXIT_HOOK, Arguments, LifecycleHook, Parameter, Template
from argento.spec.names import flatten_nested, is_parameter, param_name_errors, skeleton
from argento.spec.source_map import Path

if TYPE_CHECKING:
    from argento.spec.lint.checker import Checker


def check_names(
    items: list[Parameter] | list[object] | None, path: Path, ck: Checker, *, templated: bool = True
) -> None:
    """Argo's ``validateWorkflowFieldNames`` for parameters/artifacts: required, valid, unique.

    ``templated``: the names are checked after the template's inputs are substituted (arguments, outputs), so a
    ``{{…}}`` in them counts by its :func:`~argento.spec.names.skeleton`; inputs are checked as written.
    """
    seen: set[str] = set()
    for i, item in enumerate(items or ()):
        name = getattr(item, "name", "") or ""
        if not name:
            ck.emit.error((*path, i, "name"), "name is required")
            continue
        errors = param_name_errors(skeleton(name) if templated else name)
        if errors:
            ck.emit.error((*path, i, "name"), f"name '{name}' is invalid: {';'.join(errors)}")
        elif name in seen:
            ck.emit.error((*path, i, "name"), f"name '{name}' is not unique")
        seen.add(name)


def check_arguments(args: Arguments | None, path: Path, ck: Checker, *, allow_empty: bool) -> None:
    """Argo's ``validateArguments`` for ``arguments`` at ``path``."""
    if args is None:
        return
    check_names(args.parameters, (*path, "parameters"), ck)
    check_names(args.artifacts, (*path, "artifacts"), ck)
    # Argo names a workflow's own arguments "spec.arguments.<name>"; a call's by the parameter's name.
    prefix = "spec.arguments." if tuple(path[-2:]) == ("spec", "arguments") else ""
    for i, param in enumerate(args.parameters or ()):
        p = (*path, "parameters", i)
        ref = f"{prefix}{param.name}"
        vf = param.value_from
        if vf is None and param.value is None and not allow_empty:
            ck.emit.error(p, f"{ref}.value or {ref}.valueFrom is required")
        if vf is not None:
            allowed = vf.config_map_key_ref is not None or vf.event or vf.supplied is not None
            if not allowed or vf.path or vf.json_path or vf.parameter or vf.expression:
                ck.emit.error(
                    (*p, "valueFrom"), f"{ref}.valueFrom only allows: default, configMapKeyRef and supplied"
                )
        if param.enum is not None:
            enum = param.enum_str or []
            if not enum:
                ck.emit.error((*p, "enum"), f"{ref}.enum should contain at least one value")
            elif param.value is None:
                if not allow_empty:
                    ck.emit.error(p, f"{ref}.value is required")
            elif param.value_str not in enum and not is_parameter(param.value_str or ""):
                ck.emit.error((*p, "value"), f"{ref}.value should be present in {ref}.enum list")
    for i, art in enumerate(args.artifacts or ()):
        p = (*path, "artifacts", i)
        if not art.from_ and not art.from_expression and art.location_type is None:
            ck.emit.error(p, f"{art.name}.from, artifact location, or key is required")
        if art.from_ and art.from_expression:
            ck.emit.error(p, f"{art.name} shouldn't have both `from` and `fromExpression` in Artifact")
        if art.from_expression:
            _expr(ck, art.from_expression, (*p, "fromExpression"))


def check_supplied(
    target: Template, args: Arguments | None, path: Path, ck: Checker, *, lenient: bool
) -> None:
    """The inputs ``target`` requires must be passed (Argo's ``ProcessArgs``), and literal values must be in
    the input's ``enum``. ``lenient``: an argument without a value counts (supplied at submit time)."""
    inputs = target.inputs
    if inputs is None:
        return
    for param in inputs.parameters or ():
        arg = args.parameter(param.name) if args else None
        has_own = param.value is not None or param.default is not None or param.value_from is not None
        passed = arg is not None and (arg.value is not None or arg.value_from is not None or lenient)
        if not has_own and not passed:
            ck.emit.error(
                (*path, "arguments") if args else path, f"inputs.parameters.{param.name} was not supplied"
            )
        if param.enum and arg is not None and arg.value is not None:
            value = arg.value_str or ""
            if not is_parameter(value) and value not in (param.enum_str or []):
                ck.emit.error(
                    (*path, "arguments"),
                    f"value '{value}' of inputs.parameters.{param.name} is not in its enum {param.enum_str}",
                )
    for art in inputs.artifacts or ():
        if art.optional or art.location_type is not None:
            continue
        if args is None or args.artifact(art.name) is None:
            ck.emit.error(
                (*path, "arguments") if args else path, f"inputs.artifacts.{art.name} was not supplied"
            )


def check_hooks(
    hooks: dict[str, LifecycleHook] | None,
    path: Path,
    ck: Checker,
    *,
    local: bool = True,
    argo_base: str | None = None,
) -> None:
    """Hooks other than ``exit`` need an ``expression``; each names a template that exists.

    ``argo_base``: how Argo's ``validateHooks`` names the hooks' owner (``hooks`` for the workflow's,
    ``templates.<t>.steps[<i>].<step>`` for a step's), whose message this one then is; None (a task's, which
    Argo checks only when it runs): lint's own wording."""
    for name, hook in (hooks or {}).items():
        p = (*path, "hooks", name)
        if name != EXIT_HOOK and not hook.expression:
            message = (
                f"{argo_base}.{name} Expression required"
                if argo_base
                else f"hook '{name}': expression is required"
            )
            ck.emit.error(p, message)
        if hook.expression:
            _expr(ck, hook.expression, (*p, "expression"))
        res = resolve(
            template=hook.template,
            template_ref=hook.template_ref,
            inline=None,
            holder=ck.holder,
            registry=ck.registry,
            path=p,
            local=local,
        )
        report_resolution(res, p, ck)
        check_arguments(hook.arguments, (*p, "arguments"), ck, allow_empty=False)
        if res.target is not None:
            check_supplied(res.target.template, hook.arguments, p, ck, lenient=False)


def report_resolution(res: Resolution, path: Path, ck: Checker) -> None:
    """Report why a call did not resolve."""
    if res.problem is not None:
        suffix, message = res.problem
        ck.emit.error((*path, *suffix), message)


def check_when(text: str | None, path: Path, ck: Checker) -> None:
    """``when`` must parse as govaluate once its ``{{…}}`` tags are replaced."""
    if not text:
        return
    problem = ck.exprs.when_error(flatten_nested(text))
    if problem:
        ck.emit.error(path, problem)


def _expr(ck: Checker, source: str, path: Path) -> None:
    if "{{" in source:
        return  # substituted first; checked as tags
    problem = ck.exprs.expr_error(source)
    if problem:
        ck.emit.error(path, f"invalid expression: {problem}")


check_expression = _expr
