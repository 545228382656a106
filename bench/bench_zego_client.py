"""Cost of signing and building one ZEGO request, relative to a bare requests prepare().

Run: .venv/bin/python -m bench.bench_zego_client [--n N]
Nothing is sent: `Client.build_request()` returns the PreparedRequest.
"""

from __future__ import annotations

import argparse
import json
import timeit
from collections.abc import Callable

import requests

import zego

URL = (
    "https://cloudrecord-api.zego.im/?Action=DescribeRecordStatus&AppId=1234567890"
    "&SignatureNonce=a1b2c3d4e5f60718&Timestamp=1700000000"
    "&Signature=c90a56c08221a571fbf3007d1d7300d6&SignatureVersion=2.0"
)
BODY = {"TaskId": "YRHu6-E4IyvEAAAD"}
HEADERS = {
    "User-Agent": zego.DEFAULT_USER_AGENT,
    "Accept": "application/json",
    "Content-Type": "application/json",
}


def per_call_seconds(func: Callable[[], object], n: int, repeat: int = 5) -> float:
    """Best of `repeat` runs, which filters out scheduler noise on a shared machine."""
    func()  # warm caches and lazy imports
    return min(timeit.repeat(func, number=n, repeat=repeat)) / n


def bare_prepare() -> requests.PreparedRequest:
    return requests.Request("POST", URL, headers=HEADERS, data=json.dumps(BODY).encode()).prepare()


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="calls per timing run")
    args = parser.parse_args(argv)

    client = zego.Client(1234567890, "0123456789abcdef0123456789abcdef")
    ours = per_call_seconds(lambda: client.build_request("DescribeRecordStatus", BODY), args.n)
    bare = per_call_seconds(bare_prepare, args.n)
    ratio = ours / bare
    print(f"zego Client.build_request (sign + build): {ours * 1e6:8.1f} µs/call")
    print(f"bare requests.Request(...).prepare():     {bare * 1e6:8.1f} µs/call")
    print(f"ratio: {ratio:.2f}")
    return ratio


if __name__ == "__main__":
    main()
