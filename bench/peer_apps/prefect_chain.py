"""Prefect 3: a flow of 40 sequential tasks, each spawning ``sh -c true`` (``python prefect_chain.py``)."""

from __future__ import annotations

import subprocess

from prefect import flow, task

STEPS = 40


@task
def step(i: int) -> int:
    subprocess.run(["sh", "-c", "true"], check=True)
    return i


@flow
def chain() -> None:
    for i in range(STEPS):
        step(i)


if __name__ == "__main__":
    chain()
