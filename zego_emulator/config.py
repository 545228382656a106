"""Command-line options of the emulator, each also readable from an environment variable."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

DEV_APP_ID = 1234567890
DEV_SERVER_SECRET = "0123456789abcdef0123456789abcdef"
DEV_CALLBACK_SECRET = "emulator-callback-secret"


@dataclass
class AppCredentials:
    app_id: int
    server_secret: str
    callback_secret: str


@dataclass
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 8810
    apps: list[AppCredentials] = field(default_factory=list)
    callback_url: str = ""
    callback_secret: str = DEV_CALLBACK_SECRET
    s3_endpoint: str = "http://127.0.0.1:8333"
    data_dir: Path = Path("var/zego_emulator")
    time_scale: float = 1.0
    demo_rooms: bool = False
    max_concurrent_tasks: int = 200
    task_list_key: str = "TaskList"
    room_rate_limits: bool = True
    start_delay: float = 0.3
    callback_timeout: float = 5.0
    public_url: str = ""

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if not self.apps:
            self.apps = [AppCredentials(DEV_APP_ID, DEV_SERVER_SECRET, self.callback_secret)]

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


def parse_app(text: str, default_callback_secret: str) -> AppCredentials:
    """`APP_ID:SERVER_SECRET[:CALLBACK_SECRET]`."""
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or not parts[0].isdigit() or not parts[1]:
        raise argparse.ArgumentTypeError(f"expected APP_ID:SERVER_SECRET, got {text!r}")
    callback_secret = parts[2] if len(parts) == 3 and parts[2] else default_callback_secret
    return AppCredentials(int(parts[0]), parts[1], callback_secret)


def env_flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def build_parser(env: dict[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m zego_emulator", description="Local ZEGO Cloud Recording server."
    )
    parser.add_argument("--host", default=env.get("ZEGO_EMULATOR_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("ZEGO_EMULATOR_PORT", "8810")))
    parser.add_argument("--app", action="append", default=[], metavar="APP_ID:SERVER_SECRET")
    parser.add_argument("--callback-url", default=env.get("ZEGO_EMULATOR_CALLBACK_URL", ""))
    parser.add_argument(
        "--callback-secret", default=env.get("ZEGO_EMULATOR_CALLBACK_SECRET", DEV_CALLBACK_SECRET)
    )
    parser.add_argument(
        "--s3-endpoint", default=env.get("ZEGO_EMULATOR_S3_ENDPOINT", "http://127.0.0.1:8333")
    )
    parser.add_argument(
        "--data-dir", default=env.get("ZEGO_EMULATOR_DATA_DIR", "var/zego_emulator")
    )
    parser.add_argument(
        "--time-scale", type=float, default=float(env.get("ZEGO_EMULATOR_TIME_SCALE", "1"))
    )
    parser.add_argument(
        "--demo-rooms", action="store_true", default=env_flag(env.get("ZEGO_EMULATOR_DEMO_ROOMS"))
    )
    parser.add_argument(
        "--max-concurrent-tasks",
        type=int,
        default=int(env.get("ZEGO_EMULATOR_MAX_CONCURRENT_TASKS", "200")),
    )
    parser.add_argument(
        "--task-list-key",
        choices=["TaskList", "TaskidList"],
        default=env.get("ZEGO_EMULATOR_TASK_LIST_KEY", "TaskList"),
    )
    parser.add_argument(
        "--no-room-rate-limits",
        action="store_true",
        default=env.get("ZEGO_EMULATOR_ROOM_RATE_LIMITS", "1") == "0",
        help="disable the per-room limits of the RTC room queries",
    )
    parser.add_argument(
        "--start-delay", type=float, default=float(env.get("ZEGO_EMULATOR_START_DELAY", "0.3"))
    )
    parser.add_argument("--public-url", default=env.get("ZEGO_EMULATOR_PUBLIC_URL", ""))
    return parser


def parse_config(
    argv: list[str] | None = None, env: dict[str, str] | None = None
) -> EmulatorConfig:
    env = dict(os.environ) if env is None else env
    args = build_parser(env).parse_args(argv)
    app_texts = args.app or [t for t in env.get("ZEGO_EMULATOR_APPS", "").split(",") if t.strip()]
    if args.time_scale <= 0:
        raise SystemExit("--time-scale must be positive")
    return EmulatorConfig(
        host=args.host,
        port=args.port,
        apps=[parse_app(text, args.callback_secret) for text in app_texts],
        callback_url=args.callback_url,
        callback_secret=args.callback_secret,
        s3_endpoint=args.s3_endpoint,
        data_dir=Path(args.data_dir),
        time_scale=args.time_scale,
        demo_rooms=args.demo_rooms,
        max_concurrent_tasks=args.max_concurrent_tasks,
        task_list_key=args.task_list_key,
        room_rate_limits=not args.no_room_rate_limits,
        start_delay=args.start_delay,
        public_url=args.public_url,
    )
