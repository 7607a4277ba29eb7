import sys, time, json
import numpy as np, cma, yaml
sys.path.insert(0, '/work/main')
from sim.parameters import make_params, BY_NAME
from sim.scenario import load_scenario
from sim.validation.spec import load_validation
from sim.validation.outcomes import simulate
from sim.validation.checkpoints import evaluate_all
from sim.validation.counterfactuals import compare
FREE = {  # name: (low, high)
 'w_security': (0.2, 5), 'w_regime': (0.2, 6), 'w_conditions': (0, 4), 'w_blame': (0.2, 8),
  'alignment_rate': (0.02, 0.15), 'choice_scale': (0.01, 0.08), 'contagion': (0.1, 2.5), 'base_blame_weight': (0, 2), 'war_encroachment': (0, 0.4),
 'stance_tolerance': (0, 2), 'assertiveness': (0, 2), 'ask_threshold': (0.02, 0.6), 'join_threshold': (0.45, 0.75),
 'base_grant': (0.35, 0.75), 'offer_threshold': (0.05, 1.0),
}
until = int(sys.argv[1]) if len(sys.argv) > 1 else 9999
budget = int(sys.argv[2]) if len(sys.argv) > 2 else 40
out_file = sys.argv[3] if len(sys.argv) > 3 else '/tmp/quickcal.yaml'
val = load_validation('/work/main/scenarios/checkpoints/replay_1999_2008.yaml')
sc = load_scenario('/work/main/scenarios/replay_1999_2008.yaml')
cal = [c for c in val.spec.checkpoints if not val.is_holdout(c, None) and int(c.window.end[:4]) <= until]
ids = {c.id for c in cal}
names = list(FREE); lo = np.array([FREE[n][0] for n in names]); hi = np.array([FREE[n][1] for n in names])
SEEDS = list(range(1000, 1010))
def rows_of(X):
    rows = []
    for x in X:
        v = lo + np.clip(x, 0, 1) * (hi - lo)
        rows.append(make_params(dict(zip(names, v))))
    return rows
CFS = [(k, cf, load_scenario(val.path.parent / cf.scenario)) for k, cf in enumerate(val.spec.counterfactuals)] \
    if until >= 9999 else []
def score(X):
    rows = rows_of(X)
    prow = [r for r in rows for _ in SEEDS]
    out = simulate(sc, SEEDS * len(rows), param_rows=prow)
    res = evaluate_all(val, out)
    n = len(SEEDS)
    cf_out = [(k, simulate(cs, SEEDS * len(rows), param_rows=prow)) for k, cf, cs in CFS]
    f = []
    for j in range(len(rows)):
        rates = [res[i][j*n:(j+1)*n].mean() for i in ids]
        sel = slice(j * n, (j + 1) * n)
        for k, o in cf_out:
            for eff in compare(val, k, out.subset(np.arange(j*n, (j+1)*n)), o.subset(np.arange(j*n, (j+1)*n))):
                rates.append(float(eff.share_expected_sign))
        f.append(1 - float(np.mean(rates)))
    return f
x0 = np.array([(min(max(make_params()[n], FREE[n][0]), FREE[n][1]) - FREE[n][0]) / (FREE[n][1] - FREE[n][0]) for n in names])
es = cma.CMAEvolutionStrategy(x0, 0.25, {'bounds': [0, 1], 'popsize': 10, 'seed': 1, 'verbose': -9})
t0 = time.time(); best = (1e9, None)
for g in range(budget):
    X = es.ask(); f = score(X); es.tell(X, f)
    i = int(np.argmin(f))
    if f[i] < best[0]: best = (f[i], X[i])
    print(g, round(time.time()-t0), 'gen best', round(min(f), 3), 'overall best', round(best[0], 3), flush=True)
v = lo + np.clip(best[1], 0, 1) * (hi - lo)
yaml.safe_dump({'objective': float(best[0]), 'until': until, 'parameters': {n: round(float(x), 4) for n, x in zip(names, v)}}, open(out_file, 'w'))
print(open(out_file).read())
