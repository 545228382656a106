"""`python -m zego_emulator --host 127.0.0.1 --port 8810 --app APP_ID:SECRET ...`"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from .app import create_server
from .config import parse_config


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Access lines carry signed URLs and, polled every few seconds, drown what matters.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    config = parse_config(argv)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    server, engine = create_server(config)

    def shutdown(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    apps = ", ".join(str(app.app_id) for app in config.apps)
    print(
        f"ZEGO emulator listening on {config.base_url} (apps: {apps}, time scale {config.time_scale})",
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        engine.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
