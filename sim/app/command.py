"""Serve the classroom app in the browser: map, charts, why panel and what-ifs, offline, on this machine.

Usage: python run.py app [--port 8765] [--host 127.0.0.1]. The page (sim/app/app.py) is served by Solara
on this machine only (127.0.0.1) unless another host is asked for. It needs no internet: the browser files come from the
``solara-assets`` package that ``bash scripts/setup.sh app`` (or ``dev``) installs, and Solara's usage
statistics are switched off. Stop it with Ctrl+C.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from sim.cli import UsageError

APP_FILE = Path(__file__).resolve().parent / "app.py"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def configure(parser) -> None:
    parser.add_argument("--port", default="8765",
                        help="port to serve on (default 8765; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens the app "
                             "to the local network, e.g. for a classroom)")


def parse_port(text) -> int:
    try:
        port = int(str(text))
    except ValueError:
        raise UsageError(f"--port: expected a whole number from 0 to 65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise UsageError(f"--port: expected a whole number from 0 to 65535, got {port}")
    return port


def free_port(host: str, port: int) -> int:
    """The port to use: ``port`` if it can be bound on ``host`` (a free one for 0). Raises UsageError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except socket.gaierror:
            raise UsageError(f"--host: {host!r} is not an address of this machine") from None
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise UsageError(f"--port: port {port} is already in use on {host}; choose another, "
                                 "e.g. --port 8766") from None
            raise UsageError(f"--host/--port: cannot listen on {host}:{port} ({e.strerror})") from None
        return s.getsockname()[1]


def assets_installed() -> bool:
    """Whether the browser files Solara would otherwise fetch from the internet are on this machine."""
    from solara.server import settings

    cache = Path(settings.assets.proxy_cache_dir)
    return any(cache.glob("@widgetti/solara-vuetify-app@*/dist")) and any(cache.glob("requirejs@*"))


def server_env() -> dict:
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"  # no usage statistics sent anywhere
    env["SOLARA_THEME_SHOW_BANNER"] = "False"  # no "This website runs on Solara" over the page
    env.setdefault("MPLBACKEND", "Agg")
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def server_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", str(APP_FILE), "--host", host, "--port", str(port),
            "--production", "--no-open", "--log-level", "warning"]


def run(args) -> int:
    try:
        import solara
        import solara.server  # noqa: F401
    except ImportError:
        raise UsageError("the app needs Solara, which the 'app' extra installs: bash scripts/setup.sh app") from None
    host = str(args.host)
    port = free_port(host, parse_port(args.port))
    if not assets_installed():
        print("warning: Solara's browser files are not installed here, so the page would fetch them from the "
              "internet; install them with: bash scripts/setup.sh app", file=sys.stderr)
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        print(f"note: listening on every network interface: anyone on this network can open the app "
              f"at this machine's address, port {port}", file=sys.stderr)
        shown = "127.0.0.1"
    print(f"greatgame app: open http://{shown}:{port}/ in your browser (Ctrl+C to stop)", flush=True)
    proc = subprocess.Popen(server_command(host, port), env=server_env())

    def stop(signum, frame):  # a polite stop (kill, a test's teardown) stops the server too
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        print("app stopped")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
