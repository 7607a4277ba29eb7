"""The command line: ``python run.py COMMAND ...``.

Commands: run (a scenario, R seeded runs, tables, figures, report), and, where installed, validate,
compare, sweep, analyze and app. Each command module provides ``configure(parser)`` and ``run(args)``.
Bad input of any kind ends with one clear message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from sim.scenario.errors import ScenarioError

COMMANDS = {
    "run": ("sim.commands.run_command", "run a scenario and write tables, figures and a report"),
    "validate": ("sim.validation.command", "score the replay against dated checkpoints and the UN data"),
    "compare": ("sim.comparison.command", "run scenarios (or read sweep results) side by side and compare them"),
    "sweep": ("sim.sweep.command", "run a parameter sweep declared in a sweep file"),
    "analyze": ("sim.sweep.analyze_command", "sensitivity analysis and scenario discovery on sweep results"),
    "app": ("sim.app.command", "serve the classroom app in the browser (Mesa SolaraViz)"),
    "class": ("sim.app.classroom_server", "a role-play session: teams play the powers turn by turn in the browser"),
}


class UsageError(Exception):
    """A command-line value is wrong: the message says which and what was expected."""


def chosen_command(argv: list[str] | None) -> str | None:
    """The command named on the command line (the first word that is not an option), if any."""
    args = sys.argv[1:] if argv is None else argv
    for a in args:
        if a == "--":
            continue
        return a if not a.startswith("-") else None
    return None


def installed(module_name: str) -> bool:
    """Whether a command's module is part of this installation, found by its file (importing it, or even
    its package, would cost the very time the lazy parser saves)."""
    import sim

    parts = module_name.split(".")[1:]
    return any(Path(root, *parts).with_suffix(".py").is_file() for root in sim.__path__)


def build_parser(argv: list[str] | None = None) -> tuple[argparse.ArgumentParser, dict]:
    """The parser, with the options of the command named in ``argv`` only: each command's module (and what
    it imports: pandas, matplotlib, the model) is imported only when that command runs, so ``--help`` and a
    command's start stay quick."""
    parser = argparse.ArgumentParser(prog="run.py", description="greatgame: the contest for influence in "
                                     "Central Asia, an agent-based model.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = chosen_command(argv)
    modules = {}
    for name, (module_name, help_text) in COMMANDS.items():
        if name != chosen:
            if installed(module_name):
                sub.add_parser(name, help=help_text)
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name and module_name.startswith(e.name):
                continue  # that command is not part of this installation
            raise
        p = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip().split("\n\n")[0])
        module.configure(p)
        modules[name] = module
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    parser, modules = build_parser(argv)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    from sim.core.world_checks import NonFiniteState
    from sim.outputs.folders import OutputFolderError

    problem = environment_problem()
    if problem:
        error(problem)
        return 2
    try:
        return int(modules[args.command].run(args) or 0)
    except (ScenarioError, UsageError, OutputFolderError, NonFiniteState) as e:
        error(str(e))
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        error("out of memory; nothing was written (see docs/limits.md for the limits of each command)")
        return 2
    except OSError as e:  # the disk full, a file vanished or made read-only while the command ran
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        error(f"{where}{e.strerror or e}; nothing was written in place of the results")
        return 2


def environment_problem() -> str | None:
    """What is wrong with the environment variables the model reads, said before any work: GREATGAME_KERNELS
    (how the month step's kernels run, sim.core.rules.kernels) must be auto, python or compiled."""
    if os.environ.get("GREATGAME_KERNELS") is None:
        return None
    from sim.core.rules import kernels

    try:
        kernels.mode_from_env()
    except ValueError as e:
        return str(e)
    return None


def error(message: str) -> None:
    """Print ``error: message`` to stderr, whatever the bytes of the file names in it (a name that is not
    UTF-8 is shown with backslash escapes instead of raising)."""
    text = f"error: {message}".encode("utf-8", "backslashreplace").decode("utf-8")
    try:
        print(text, file=sys.stderr)
    except UnicodeEncodeError:
        print(text.encode("ascii", "backslashreplace").decode("ascii"), file=sys.stderr)
