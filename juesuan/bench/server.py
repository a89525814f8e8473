"""The published server as `make serve` runs it, on a free loopback port.

The soak and the server tests must measure what is served, so the arguments
come from the Makefile (`make -s serve-args`), not from a copy of them; only
the database, metadata and downloads paths may be pointed elsewhere (a test
build, or a synthetic 1,000-document database).
"""
from __future__ import annotations

import contextlib
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from juesuan.paths import ROOT


@dataclass(frozen=True)
class Server:
    """A running server: its base URL, process id and log file."""

    base: str
    pid: int
    log: Path


def free_port() -> int:
    """A port nobody listens on now (bound to 127.0.0.1 only)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_args(root: Path = ROOT, db: Path | None = None, metadata: Path | None = None) -> list[str]:
    """`make serve`'s datasette arguments, paths absolute, optionally redirected."""
    out = subprocess.run(["make", "-s", "--no-print-directory", "serve-args"], cwd=root,
                         capture_output=True, text=True, check=True).stdout
    args = shlex.split(out)
    for i, arg in enumerate(args[:-1]):
        value = args[i + 1]
        if arg == "-i":
            args[i + 1] = str(db or root / value)
        elif arg == "--metadata":
            args[i + 1] = str(metadata or root / value)
        elif arg in ("--plugins-dir", "--template-dir"):
            args[i + 1] = str(root / value)
    return args


@contextlib.contextmanager
def running_server(log: Path, root: Path = ROOT, db: Path | None = None, metadata: Path | None = None,
                   dist: Path | None = None, startup_seconds: float = 30.0,
                   env: dict[str, str] | None = None) -> Iterator[Server]:
    """Start `datasette serve` with `make serve`'s arguments (and extra environment); stop it on exit.
    `dist` points the downloads plugin at another downloads directory (JUESUAN_DIST)."""
    port = free_port()
    datasette = Path(sys.executable).with_name("datasette")
    cmd = [str(datasette), "serve", *serve_args(root, db, metadata), "-h", "127.0.0.1", "-p", str(port)]
    base = f"http://127.0.0.1:{port}"
    server_env = {**os.environ, **({"JUESUAN_DIST": str(dist)} if dist else {}), **(env or {})}
    with open(log, "wb") as fh:  # a file, not a pipe: an unread pipe fills up and blocks the server
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=root, env=server_env)
        try:
            deadline = time.monotonic() + startup_seconds
            while True:
                try:
                    urllib.request.urlopen(base + "/-/versions.json", timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"datasette did not start ({' '.join(cmd)}):\n"
                                           + log.read_text(errors="replace")[-2000:]) from None
                    time.sleep(0.1)
            yield Server(base, proc.pid, log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
