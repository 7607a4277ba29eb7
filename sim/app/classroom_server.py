"""``run.py class``: a role-play session served on the classroom network, a teacher page and team pages.

Usage: python run.py class [--session results/class/NAME] [--scenario FILE] [--seed N] [--turn year|quarter]
                           [--port 8766] [--host 127.0.0.1]

The teacher opens the address printed with its key (``/teacher?key=...``); the teacher's page shows each
team's join code. A team opens the server's address on its own device and types its code; the code is the
only way to act for a power, and a team's page shows the public scores and its own choices only. The
session folder (``session.json``, ``scenario.yaml``) is rewritten after every change; starting the command
again with the same ``--session`` resumes it. Standard library HTTP server, no internet, no framework.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from sim.app.session import Session, SessionError
from sim.app.teams import ChoiceError
from sim.cli import UsageError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FOLDER = ROOT / "results" / "class" / "session"


def configure(parser) -> None:
    parser.add_argument("--session", default=str(DEFAULT_FOLDER),
                        help="folder of the session (default results/class/session); an existing one resumes")
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "replay_1999_2008.yaml"),
                        help="scenario a new session plays (default the 1999-2008 replay)")
    parser.add_argument("--seed", default="0", help="seed of a new session (default 0)")
    parser.add_argument("--turn", default="year", choices=("year", "quarter"),
                        help="length of a turn in a new session (default a year)")
    parser.add_argument("--teams", default="RUS,USA,CHN",
                        help="powers played by teams, comma-separated (default RUS,USA,CHN; others follow their rules)")
    parser.add_argument("--port", default="8766", help="port to serve on (default 8766; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (127.0.0.1: this machine only; 0.0.0.0 for the classroom network)")


def open_session(args) -> Session:
    folder = Path(args.session)
    if os.path.lexists(folder) and not folder.is_dir():
        raise UsageError(f"--session {folder}: is a file, not a folder; a session is a folder of its own "
                         "(e.g. results/class/monday), where session.json is kept")
    if (folder / "session.json").exists():
        try:
            return Session.load(folder)
        except SessionError as e:
            raise UsageError(f"--session: {e}") from None
    try:
        seed = int(str(args.seed))
    except ValueError:
        raise UsageError(f"--seed: expected a whole number, got {args.seed!r}") from None
    if seed < 0:
        raise UsageError(f"--seed: expected 0 or more, got {seed}")
    if not Path(args.scenario).is_file():
        raise UsageError(f"--scenario: no file {args.scenario}")
    teams = tuple(c.strip().upper() for c in str(args.teams).split(",") if c.strip())
    try:
        return Session.create(folder, Path(args.scenario), seed=seed, turn=args.turn, powers=teams)
    except SessionError as e:
        raise UsageError(f"--teams: {e}") from None


def make_handler(session: Session, lock: threading.Lock):
    from sim.app import class_pages

    class Handler(BaseHTTPRequestHandler):
        server_version = "greatgame-class"

        def log_message(self, fmt, *a):  # quiet: the terminal is the teacher's
            pass

        def _send(self, status: int, body: str | bytes, ctype: str = "application/json",
                  filename: str | None = None) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            if filename:
                self.send_header("Content-Disposition", f"attachment; filename={filename}")
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status: int, obj) -> None:
            self._send(status, json.dumps(obj))

        def _teacher(self, q) -> bool:
            import secrets

            key = (q.get("key") or [""])[0]
            if not secrets.compare_digest(key, session.data["teacher_key"]):
                self._json(403, {"error": "key: this page is the teacher's; use the address the server printed"})
                return False
            return True

        def do_GET(self):
            u = urlparse(self.path)
            q = parse_qs(u.query)
            try:
                with lock:
                    self._get(u.path, q)
            except (SessionError, ChoiceError) as e:
                self._json(403 if "code" in str(e) else 400, {"error": str(e)})

        def _get(self, path, q):
            if path in ("/", "/join"):
                return self._send(200, class_pages.JOIN, "text/html")
            if path == "/team":
                return self._send(200, class_pages.TEAM, "text/html")
            if path == "/teacher":
                return self._send(200, class_pages.TEACHER, "text/html")
            if path == "/api/team":
                return self._json(200, session.team_view((q.get("code") or [""])[0]))
            if not path.startswith(("/api/teacher", "/export/")):
                return self._json(404, {"error": f"no page {path}"})
            if not self._teacher(q):
                return None
            if path == "/api/teacher":
                return self._json(200, session.teacher_view())
            if path == "/export/scenario.yaml":
                return self._send(200, session.scenario_yaml(), "text/yaml", "classroom_session.yaml")
            if path == "/export/drivers.csv":
                out = io.StringIO()
                w = csv.DictWriter(out, fieldnames=["date", "state", "power", "driver", "value"])
                w.writeheader()
                w.writerows({**r, "value": repr(r["value"])} for r in session.driver_rows())
                return self._send(200, out.getvalue(), "text/csv", "drivers.csv")
            if path == "/export/debrief.json":
                return self._send(200, json.dumps(session.debrief(), indent=1), "application/json",
                                  "debrief.json")
            return self._json(404, {"error": f"no page {path}"})

        def do_POST(self):
            u = urlparse(self.path)
            q = parse_qs(u.query)
            n = min(int(self.headers.get("Content-Length") or 0), 100_000)
            raw = self.rfile.read(n) if n else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                return self._json(400, {"error": "choice: the form did not arrive as JSON"})
            try:
                with lock:
                    if u.path == "/api/team/join":
                        p = session.join(body.get("code") if isinstance(body, dict) else "")
                        return self._json(200, {"power": p})
                    if u.path == "/api/team/choose":
                        return self._json(200, {"saved": session.submit((q.get("code") or [""])[0], body)})
                    if u.path in ("/api/teacher/run", "/api/teacher/end"):
                        if not self._teacher(q):
                            return None
                        if u.path.endswith("run"):
                            session.run_turn()
                        else:
                            session.end()
                        return self._json(200, {"turn": session.played, "finished": session.finished})
                return self._json(404, {"error": f"no action {u.path}"})
            except (SessionError, ChoiceError) as e:
                return self._json(403 if str(e).startswith("code") else 400, {"error": str(e)})

    return Handler


def run(args) -> int:
    from sim.app.command import free_port, parse_port

    host = str(args.host)
    port = free_port(host, parse_port(args.port))
    session = open_session(args)
    session.session_run()  # the world at the last turn played, before the first page asks for it
    server = ThreadingHTTPServer((host, port), make_handler(session, threading.Lock()))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else (f"[{host}]" if ":" in host else host)
    print(f"greatgame class: session {session.folder} ({session.played} turn(s) played)")
    print(f"teacher: open http://{shown}:{port}/teacher?key={session.data['teacher_key']}")
    print(f"teams: open http://{shown}:{port}/ on their devices and type the code the teacher's page shows",
          flush=True)
    if host in ("0.0.0.0", "::"):
        print("note: listening on every network interface: teams use this machine's address on the "
              "classroom network", file=sys.stderr)

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("class stopped (the session is saved; run the same command to resume)")
    finally:
        server.server_close()
        signal.signal(signal.SIGTERM, previous)
    return 0
