"""A stand-in training run: reads its assignments from the environment Orchestra sets, computes
the Branin function, and writes the metric to ORCHESTRA_METRICS_FILE."""
import json
import math
import os

x1 = float(os.environ["ORCHESTRA_PARAM_X1"])
x2 = float(os.environ["ORCHESTRA_PARAM_X2"])

a, b, c = 1.0, 5.1 / (4 * math.pi ** 2), 5 / math.pi
r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
value = a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s

print(f"branin({x1:.4f}, {x2:.4f}) = {value:.6f}")
with open(os.environ["ORCHESTRA_METRICS_FILE"], "w") as f:
    json.dump({"value": value}, f)
