"""Argo's enhanced depends: parsing, bare-name expansion, evaluation and the wait/run/omit decision."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from argento.errors import ExpressionError
from argento.expr import (
    TASK_RESULTS,
    ContinueOn,
    Decision,
    Depends,
    TaskStatus,
    from_dependencies,
    parse_depends,
)

SUCCEEDED = TaskStatus("Succeeded")
FAILED = TaskStatus("Failed")
ERROR = TaskStatus("Error")
SKIPPED = TaskStatus("Skipped")
OMITTED = TaskStatus("Omitted")
DAEMON = TaskStatus("Running", daemoned=True)
RUNNING = TaskStatus("Running", completed=False)


def statuses(**by_name: TaskStatus) -> Callable[[str], TaskStatus]:
    return lambda name: by_name[name.replace("-", "_")]


# --- parsing ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names", "resolved"),
    [
        ("A", {"A"}, "(A.Succeeded || A.Skipped || A.Daemoned)"),
        (
            "B && C",
            {"B", "C"},
            "(B.Succeeded || B.Skipped || B.Daemoned) && (C.Succeeded || C.Skipped || C.Daemoned)",
        ),
        ("producer.Succeeded || producer.Skipped", {"producer"}, "producer.Succeeded || producer.Skipped"),
        (
            "stage-a && (stage-b || stage-b.Skipped)",
            {"stage-a", "stage-b"},
            "(stage-a.Succeeded || stage-a.Skipped || stage-a.Daemoned) && "
            "((stage-b.Succeeded || stage-b.Skipped || stage-b.Daemoned) || stage-b.Skipped)",
        ),
        ("(task-2.Succeeded || task-2.Skipped) && !task-3.Failed", {"task-2", "task-3"}, None),
        ("A.AnySucceeded || B.AllFailed", {"A", "B"}, "A.AnySucceeded || B.AllFailed"),
        ("!(a_1.Errored)", {"a_1"}, "!a_1.Errored"),
        ("1st.Omitted", {"1st"}, "1st.Omitted"),
        ("  A.Daemoned\n&&\tB ", {"A", "B"}, None),
    ],
)
def test_parse(text: str, names: set[str], resolved: str | None) -> None:
    depends = parse_depends(text)
    assert depends.task_names() == names
    if resolved is not None:
        assert depends.resolved() == resolved
        assert str(depends) == resolved


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A &&", "expected a task name, '!' or '(' but found end of expression at column 5"),
        ("A.Foo", "task result 'Foo' for task 'A' is invalid"),
        ("A.succeeded", "task result 'succeeded' for task 'A' is invalid (expected one of Succeeded,"),
        ("A & B", "unexpected character '&' at column 3"),
        ("A and B", "unexpected 'and' at column 3"),
        ("(A", "expected ')' but found end of expression at column 3"),
        ("A)", "unexpected ')' at column 2"),
        ("A B", "unexpected 'B' at column 3"),
        ("A.", "expected a task result after 'A.' at column 3"),
        ("A.Succeeded.Failed", "unexpected character '.' at column 12"),
        ("&& A", "expected a task name, '!' or '(' but found '&&' at column 1"),
        ("   ", "empty expression"),
        ("-A", "unexpected character '-' at column 1"),
        ("A || !", "found end of expression at column 7"),
    ],
)
def test_parse_errors_name_token_and_column(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_depends(text)
    assert message in str(info.value)
    assert repr(text) in str(info.value)


def test_empty_depends_always_runs() -> None:
    depends = parse_depends("")
    assert depends.task_names() == set()
    assert depends.evaluate(statuses()) is True
    assert depends.decide(lambda name: None) is Decision.RUN
    assert from_dependencies([]).decide(lambda name: None) is Decision.RUN


# --- evaluation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (SUCCEEDED, {"Succeeded"}),
        (FAILED, {"Failed"}),
        (ERROR, {"Errored"}),
        (SKIPPED, {"Skipped"}),
        (OMITTED, {"Omitted"}),
        (DAEMON, {"Daemoned"}),
        (TaskStatus("Pending", daemoned=True), set()),  # a daemon is Daemoned once it is not Pending
        (TaskStatus.of_group("Succeeded", ["Succeeded", "Failed"]), {"Succeeded", "AnySucceeded"}),
        (TaskStatus.of_group("Failed", ["Failed", "Failed"]), {"Failed", "AllFailed"}),
        (TaskStatus.of_group("Failed", ["Failed", "Error"]), {"Failed"}),  # Error is not Failed
        (TaskStatus.of_group("Failed", ["Failed", None]), {"Failed"}),  # unknown child: not AllFailed
        (TaskStatus.of_group("Succeeded", []), {"Succeeded"}),  # no children: AllFailed is false
    ],
)
def test_each_task_result(status: TaskStatus, expected: set[str]) -> None:
    for result in TASK_RESULTS:
        assert parse_depends(f"A.{result}").evaluate(statuses(A=status)) is (result in expected), result


@pytest.mark.parametrize(
    ("status", "runs"),
    [(SUCCEEDED, True), (SKIPPED, True), (DAEMON, True), (FAILED, False), (ERROR, False), (OMITTED, False)],
)
def test_bare_name_means_succeeded_skipped_or_daemoned(status: TaskStatus, runs: bool) -> None:
    assert parse_depends("A").evaluate(statuses(A=status)) is runs
    assert from_dependencies(["A"]).evaluate(statuses(A=status)) is runs


def test_continue_on_widens_bare_names_only() -> None:
    continue_on = {"A": ContinueOn(failed=True), "B": ContinueOn(error=True)}
    depends = parse_depends("A && B", continue_on=continue_on)
    assert depends.evaluate(statuses(A=FAILED, B=ERROR)) is True
    assert depends.evaluate(statuses(A=ERROR, B=ERROR)) is False  # A continues on Failed, not Error
    assert depends.resolved() == (
        "(A.Succeeded || A.Skipped || A.Daemoned || A.Failed) && (B.Succeeded || B.Skipped || B.Daemoned || B.Errored)"
    )
    assert parse_depends("A.Succeeded", continue_on=continue_on).evaluate(statuses(A=FAILED)) is False
    deps = from_dependencies(["A", "B"], continue_on=continue_on)
    assert deps.evaluate(statuses(A=FAILED, B=ERROR)) is True


def test_argo_documented_examples() -> None:
    # docs/enhanced-depends-logic.md
    depends = parse_depends("task || task-2.Failed")
    assert depends.evaluate(statuses(task=FAILED, task_2=FAILED)) is True
    assert depends.evaluate(statuses(task=FAILED, task_2=SUCCEEDED)) is False
    depends = parse_depends("(task-2.Succeeded || task-2.Skipped) && !task-3.Failed")
    assert depends.evaluate(statuses(task_2=SKIPPED, task_3=SUCCEEDED)) is True
    assert depends.evaluate(statuses(task_2=SKIPPED, task_3=FAILED)) is False
    # examples/dag-conditional-parameters-style: "A && (C.Succeeded || C.Failed)"
    depends = parse_depends("A && (C.Succeeded || C.Failed)")
    assert depends.evaluate(statuses(A=SUCCEEDED, C=FAILED)) is True
    assert depends.evaluate(statuses(A=SUCCEEDED, C=ERROR)) is False


def test_from_dependencies_is_a_conjunction() -> None:
    deps = from_dependencies(["A", "B", "C"])
    assert deps.task_names() == {"A", "B", "C"}
    assert deps.evaluate(statuses(A=SUCCEEDED, B=SKIPPED, C=DAEMON)) is True
    assert deps.evaluate(statuses(A=SUCCEEDED, B=FAILED, C=SUCCEEDED)) is False
    with pytest.raises(ExpressionError):
        from_dependencies(["A", "B.Failed"])


# --- decision -----------------------------------------------------------------------------------------------


def test_decide_waits_for_every_named_task() -> None:
    depends = parse_depends("A || B")  # true as soon as A succeeded, but Argo waits for B anyway
    assert depends.decide({"A": SUCCEEDED, "B": RUNNING}.get) is Decision.WAIT
    assert depends.decide({"A": SUCCEEDED}.get) is Decision.WAIT
    assert depends.decide({"A": SUCCEEDED, "B": FAILED}.get) is Decision.RUN
    assert depends.decide({"A": FAILED, "B": ERROR}.get) is Decision.OMIT
    assert depends.decide({"A": DAEMON, "B": OMITTED}.get) is Decision.RUN  # a running daemon is fulfilled


# --- properties ---------------------------------------------------------------------------------------------

_TASKS = ["a", "b-1", "c_2"]
_PHASES = st.sampled_from(["Succeeded", "Failed", "Error", "Skipped", "Omitted", "Running"])
_STATUS = st.builds(
    TaskStatus, phase=_PHASES, daemoned=st.booleans(), any_succeeded=st.booleans(), all_failed=st.booleans()
)
_RESULT_MEANING: dict[str | None, Callable[[TaskStatus], bool]] = {
    "Succeeded": lambda s: s.phase == "Succeeded",
    "Failed": lambda s: s.phase == "Failed",
    "Errored": lambda s: s.phase == "Error",
    "Skipped": lambda s: s.phase == "Skipped",
    "Omitted": lambda s: s.phase == "Omitted",
    "Daemoned": lambda s: s.daemoned and s.phase != "Pending",
    "AnySucceeded": lambda s: s.any_succeeded,
    "AllFailed": lambda s: s.all_failed,
    None: lambda s: s.phase in ("Succeeded", "Skipped") or (s.daemoned and s.phase != "Pending"),
}


@st.composite
def _trees(draw: st.DrawFn, depth: int = 0) -> tuple:
    if depth >= 4 or draw(st.integers(0, 2)) == 0:
        return ("leaf", draw(st.sampled_from(_TASKS)), draw(st.sampled_from([None, *TASK_RESULTS])))
    kind = draw(st.sampled_from(["and", "or", "not"]))
    if kind == "not":
        return ("not", draw(_trees(depth + 1)))
    return (kind, draw(_trees(depth + 1)), draw(_trees(depth + 1)))


def _render(tree: tuple, draw_space: Callable[[], str]) -> str:
    kind = tree[0]
    if kind == "leaf":
        return tree[1] + (f".{tree[2]}" if tree[2] else "")
    if kind == "not":
        return f"!{draw_space()}({_render(tree[1], draw_space)})"
    op = "&&" if kind == "and" else "||"
    return f"({_render(tree[1], draw_space)}){draw_space()}{op}{draw_space()}({_render(tree[2], draw_space)})"


def _direct(tree: tuple, status: dict[str, TaskStatus]) -> bool:
    kind = tree[0]
    if kind == "leaf":
        return _RESULT_MEANING[tree[2]](status[tree[1]])
    if kind == "not":
        return not _direct(tree[1], status)
    if kind == "and":
        return _direct(tree[1], status) and _direct(tree[2], status)
    return _direct(tree[1], status) or _direct(tree[2], status)


def _names(tree: tuple) -> set[str]:
    if tree[0] == "leaf":
        return {tree[1]}
    return set().union(*(_names(t) for t in tree[1:]))


@given(tree=_trees(), status=st.fixed_dictionaries({t: _STATUS for t in _TASKS}), data=st.data())
def test_random_expressions_match_a_direct_evaluation(
    tree: tuple, status: dict[str, TaskStatus], data: st.DataObject
) -> None:
    text = _render(tree, lambda: data.draw(st.sampled_from(["", " ", "\n"])))
    depends = parse_depends(text)
    assert depends.task_names() == _names(tree)
    assert depends.evaluate(status.__getitem__) is _direct(tree, status)
    # the resolved text means the same thing
    assert parse_depends(depends.resolved()).evaluate(status.__getitem__) is _direct(tree, status)


@given(
    ops=st.lists(st.tuples(st.sampled_from(["&&", "||"]), st.sampled_from(_TASKS)), max_size=6),
    first=st.sampled_from(_TASKS),
    status=st.fixed_dictionaries({t: _STATUS for t in _TASKS}),
)
def test_and_binds_tighter_than_or(
    ops: list[tuple[str, str]], first: str, status: dict[str, TaskStatus]
) -> None:
    bare = _RESULT_MEANING[None]
    text = first
    groups = [bare(status[first])]
    for op, task in ops:
        text += f" {op} {task}"
        if op == "&&":
            groups[-1] = groups[-1] and bare(status[task])
        else:
            groups.append(bare(status[task]))
    assert parse_depends(text).evaluate(status.__getitem__) is any(groups)


@given(st.text(max_size=40))
def test_random_text_never_crashes(text: str) -> None:
    try:
        depends = parse_depends(text)
    except ExpressionError:
        return
    assert isinstance(depends, Depends)
    depends.task_names()
