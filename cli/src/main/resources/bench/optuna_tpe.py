"""Drives Optuna's TPESampler (defaults, seeded) for `orchestra bench optimizer`.

Line protocol on stdin/stdout, one JSON object per line:
  {"cmd": "study", "seed": S, "parameters": [...]}  -> {"ok": true}
  {"cmd": "ask"}                                     -> {"params": {...}}
  {"cmd": "tell", "value": V}                        -> {"ok": true}
The Java side evaluates the benchmark function, so both sides score the very same code.
"""
import json
import sys

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

optuna.logging.set_verbosity(optuna.logging.WARNING)


def distributions(parameters):
    out = {}
    for p in parameters:
        if p["type"] == "double":
            out[p["name"]] = FloatDistribution(p["min"], p["max"], log=p["log"])
        elif p["type"] == "int":
            out[p["name"]] = IntDistribution(int(p["min"]), int(p["max"]), log=p["log"])
        else:
            out[p["name"]] = CategoricalDistribution(p["categories"])
    return out


def main():
    study = None
    space = None
    trial = None
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        if cmd == "study":
            sampler = optuna.samplers.TPESampler(seed=msg["seed"])
            study = optuna.create_study(direction="minimize", sampler=sampler)
            space = distributions(msg["parameters"])
            reply = {"ok": True, "version": optuna.__version__}
        elif cmd == "ask":
            trial = study.ask(space)
            reply = {"params": trial.params}
        elif cmd == "tell":
            study.tell(trial, msg["value"])
            reply = {"ok": True}
        else:
            reply = {"error": "unknown command " + cmd}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
