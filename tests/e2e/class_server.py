"""`snn-designer serve` with class options, for browser tests of the class limits (the shared
`app_server` fixture runs plain `panel serve` without a scheduler)."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from page_helpers import SERVER_ENV

REPO = Path(__file__).resolve().parents[2]
READY_DEADLINE_S = 90.0
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with _DIRECT.open(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def class_server(log_path: Path, *options: str):
    """Yield the app's URL on a fresh port once /liveness answers; the server dies with pytest."""
    port = free_port()
    command = ["setpriv", "--pdeathsig", "TERM", "--", sys.executable, "-m", "engine", "serve", "--port", str(port),
               *options]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, **SERVER_ENV})
    try:
        deadline = time.monotonic() + READY_DEADLINE_S
        while not answers(f"http://127.0.0.1:{port}/liveness?endpoint=/app"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"snn-designer serve did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/app"
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it is still there after 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
