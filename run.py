#!/usr/bin/env python3
"""greatgame command line: python run.py run scenarios/replay_1999_2008.yaml (see README)."""

import sys

if sys.version_info < (3, 12):
    sys.exit("greatgame needs Python 3.12 or newer (Mesa 3.5 does): run `bash scripts/setup.sh` and use "
             ".venv/bin/python run.py ...")

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main())
