"""Dagster: a job of 40 ops in a line, each spawning ``sh -c true``, executed in process
(``python dagster_chain.py``)."""

from __future__ import annotations

import subprocess

from dagster import In, Nothing, Out, job, op

STEPS = 40


def _op(i: int):
    @op(name=f"s{i}", ins={"after": In(Nothing)} if i else {}, out=Out(Nothing))
    def step() -> None:
        subprocess.run(["sh", "-c", "true"], check=True)

    return step


OPS = [_op(i) for i in range(STEPS)]


@job
def chain() -> None:
    done = OPS[0]()
    for step in OPS[1:]:
        done = step(after=done)


if __name__ == "__main__":
    assert chain.execute_in_process().success
