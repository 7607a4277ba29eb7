#!/usr/bin/env bash
# Mutation run over the model's core (sim/core/rules, sim/core/step.py, sim/core/events.py, sim/core/controllers.py) with mutmut,
# against the fast rule tests only; configuration in pyproject.toml [tool.mutmut], results in docs/mutation.md.
# Usage: bash scripts/mutation.sh [--fresh]   (--fresh forgets earlier results; JOBS=n sets the workers, default 2)
# Not part of .ci/run: a full run takes about 45 minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/mutmut ] || { echo "mutation: .venv/bin/mutmut is missing; run: bash scripts/setup.sh dev" >&2; exit 2; }
if [ "${1:-}" = "--fresh" ]; then
  rm -rf mutants
elif [ -n "${1:-}" ]; then
  echo "mutation: unknown option '$1' (expected --fresh or nothing)" >&2; exit 2
fi
# mutmut exits non-zero when mutants survive; the score below is what counts
mkdir -p mutants
nice -n 10 .venv/bin/mutmut run --max-children "${JOBS:-2}" > mutants/run.log 2>&1 || true
.venv/bin/mutmut export-cicd-stats > /dev/null
.venv/bin/python - <<'PY'
import json

s = json.load(open("mutants/mutmut-cicd-stats.json"))
killed, total = s["killed"], s["total"]
print(f"killed {killed}, survived {s['survived']}, no tests {s['no_tests']}, timeout {s['timeout']}, "
      f"suspicious {s['suspicious']}, skipped {s['skipped']}, total {total}")
print(f"score {killed / total:.1%} (killed / total)")
PY
echo "survivors: .venv/bin/mutmut results; one mutant's diff: .venv/bin/mutmut show NAME"
