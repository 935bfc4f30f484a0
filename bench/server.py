"""A real HTTP server on the benchmark's database: gunicorn with one sync worker, as production would run one
process, so every figure includes WSGI, the middleware, the connection to PostgreSQL and the bytes on the socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The database this process uses (the throw-away test database), for a child process to open."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    master: subprocess.Popen

    def worker_pid(self) -> int:
        """gunicorn's one worker: the process that answers (the master only supervises)."""
        children = Path(f"/proc/{self.master.pid}/task/{self.master.pid}/children").read_text().split()
        return int(children[0])

    def _status(self, field: str) -> float:
        for line in Path(f"/proc/{self.worker_pid()}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        raise LookupError(field)

    def rss_mb(self) -> float:
        return self._status("VmRSS")

    def peak_mb(self) -> float:
        return self._status("VmHWM")

    def reset_peak(self) -> None:
        """Start the peak (VmHWM) again from the current RSS, so the next figure is one download's alone."""
        Path(f"/proc/{self.worker_pid()}/clear_refs").write_text("5")


@contextmanager
def running_server() -> Iterator[Server]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # The benches measure speed, not the rate limits: a fast answer repeated would meet them within seconds.
        "THROTTLE_ANON": "1000000/minute",
        "THROTTLE_DOWNLOADS": "1000000/hour",
    }
    master = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ilms_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "600",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(url + "/api/v1/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not answer within 30 s")
        yield Server(url=url, master=master)
    finally:
        master.terminate()
        master.wait(timeout=30)
