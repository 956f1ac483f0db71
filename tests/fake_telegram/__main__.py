"""Serve the fake Bot API in its own process until SIGTERM or SIGINT.

    python -m tests.fake_telegram --port 8081 --delay-ms 20

Once listening it prints one JSON line to stdout, {"port", "base_url", "base_file_url",
"control_url", "token"}, so a parent process started with --port 0 learns the port. The
control surface (see control.py) is served under /__control/.
"""

import argparse
import asyncio
import json
import signal

from tests.fake_telegram.server import DEFAULT_TOKEN, FakeTelegram


async def serve(host: str, port: int, delay_ms: float, token: str) -> None:
    fake = FakeTelegram(token, host=host, port=port, delay=delay_ms / 1000)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with fake:
        ready = {
            "port": fake.port,
            "base_url": fake.base_url,
            "base_file_url": fake.base_file_url,
            "control_url": f"{fake.url}/__control",
            "token": fake.token,
        }
        print(json.dumps(ready), flush=True)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fake_telegram",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="added to every call")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.delay_ms, args.token))


if __name__ == "__main__":
    main()
