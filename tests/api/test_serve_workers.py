"""``salesmind serve --workers 2`` runs two server processes that answer with one session secret."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from salesmind.core.settings import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def test_serve_with_two_workers_answers(sqlite_settings: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "SALESMIND_HOME": str(sqlite_settings.home),
           "SALESMIND_DATABASE_URL": sqlite_settings.database_url}
    env.pop("SALESMIND_SECRET_KEY", None)  # the workers must share the key stored in the home folder
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([str(Path(sys.executable).parent / "salesmind"), "serve", "--port", str(port),
                               "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        health = None
        while health is None and time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                health = _get(f"http://127.0.0.1:{port}/api/health")
            except OSError:
                time.sleep(0.3)
        assert health is not None and health["status"] == "ok"
        assert all(_get(f"http://127.0.0.1:{port}/api/health")["status"] == "ok" for _ in range(10))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert "with 2 server processes" in (tmp_path / "serve.log").read_text()
