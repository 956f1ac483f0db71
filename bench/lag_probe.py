"""Event-loop lag of a bot under test: `python -m bench.lag_probe <module> [args...]`.

Runs `<module>` as `python -m <module>` would, with a ticker on the event loop that
`asyncio.run` starts: it asks to wake every TICK seconds and records, each time, how
late it woke (time.monotonic(), which on Linux every process shares, so the driver can
keep the samples from its own measured window). Any work that holds the loop (SQLite
on the loop, JSON, building objects) shows up as lateness. At exit the samples are
written to the file named by LOOP_LAG_FILE as lines of `<woke_at> <late_seconds>`.
"""

import asyncio
import atexit
import os
import runpy
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

TICK = 0.010
T = TypeVar("T")
samples: list[tuple[float, float]] = []


async def _ticker() -> None:
    while True:
        due = time.monotonic() + TICK
        await asyncio.sleep(TICK)
        woke = time.monotonic()
        samples.append((woke, woke - due))


def _write() -> None:
    target = os.environ.get("LOOP_LAG_FILE")
    if target:
        Path(target).write_text("".join(f"{at:.6f} {late:.6f}\n" for at, late in samples))


def _probed_run(real_run: Any) -> Any:
    def run(main: Coroutine[Any, Any, T], **kwargs: Any) -> T:
        async def probed() -> T:
            ticker = asyncio.create_task(_ticker())
            try:
                return await main
            finally:
                ticker.cancel()

        result: T = real_run(probed(), **kwargs)
        return result

    return run


def main() -> None:
    module, sys.argv = sys.argv[1], sys.argv[1:]
    atexit.register(_write)
    asyncio.run = _probed_run(asyncio.run)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
