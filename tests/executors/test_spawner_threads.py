"""The namespace spawner keeps working after the spawning thread starts other threads.

A thread inherits its creator's fs_struct (CLONE_FS), and setns(2) into a mount namespace refuses a shared
one (EINVAL): a step started after, say, ``asyncio.to_thread`` or a Ray client thread once failed to start.
"""

from __future__ import annotations

import asyncio
import threading

import exec_support
from exec_support import needs_namespaces

from argento.config import Settings
from argento.executors.local import LocalExecutor

make_pod = exec_support.make_pod  # a fixture


@needs_namespaces
def test_steps_start_after_the_loop_thread_started_another_thread(settings: Settings, make_pod) -> None:
    async def main() -> list[int]:
        ex = LocalExecutor(settings, isolation="namespace")
        try:
            codes = [(await (await ex.start(make_pod("busybox", ["true"]))).wait()).exit_code]
            release = threading.Event()
            helper = threading.Thread(target=release.wait)
            helper.start()
            try:
                codes.append((await (await ex.start(make_pod("busybox", ["true"]))).wait()).exit_code)
            finally:
                release.set()
                helper.join()
            return codes
        finally:
            await ex.close()

    assert asyncio.run(main()) == [0, 0]
