"""A stand-in training run: reads its parameters from the environment Orchestra sets and writes
its metrics to ORCHESTRA_METRICS_FILE. Replace the body with your training code."""
import json
import math
import os

learning_rate = float(os.environ["ORCHESTRA_PARAM_LEARNING_RATE"])
hidden_units = int(float(os.environ["ORCHESTRA_PARAM_HIDDEN_UNITS"]))
optimizer = os.environ["ORCHESTRA_PARAM_OPTIMIZER"]

# A made-up score, best near learning_rate 0.01 and 128 hidden units with adam.
accuracy = (
    0.95
    - 0.05 * (math.log10(learning_rate) + 2) ** 2
    - 0.1 * ((hidden_units - 128) / 128) ** 2
    - (0.0 if optimizer == "adam" else 0.02)
)
print(f"lr={learning_rate:.5f} units={hidden_units} {optimizer}: accuracy {accuracy:.4f}")
with open(os.environ["ORCHESTRA_METRICS_FILE"], "w") as f:
    json.dump({"accuracy": accuracy}, f)
