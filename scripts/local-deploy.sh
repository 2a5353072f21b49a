#!/usr/bin/env bash
# Deploys the CDK app to a local moto server and lists what it created.
#   scripts/local-deploy.sh            starts its own moto on a free port, deploys, checks, stops it
#   ENDPOINT=http://localhost:PORT scripts/local-deploy.sh   uses a running moto
# moto must run WITHOUT state-machine execution (its default): CloudFormation-made state machines do
# not show while execution is on. Needs a built tree: `mvn -B -Plambda -pl functions,cdk -am package
# -DskipTests` (the Lambda jars) and `npm ci` (the pinned CDK CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
STACKS=(${STACKS:-OrchestraData OrchestraWorkflows OrchestraApi})
MOTO_PID=""
if [[ -z "${ENDPOINT:-}" ]]; then
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m moto.server -p "$PORT" > "${TMPDIR:-/tmp}/orchestra-moto-$PORT.log" 2>&1 &
  MOTO_PID=$!
  trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
  ENDPOINT="http://localhost:$PORT"
  for _ in $(seq 1 100); do curl -sf "$ENDPOINT/moto-api/" > /dev/null && break; sleep 0.1; done
fi
export AWS_ENDPOINT_URL="$ENDPOINT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
ACCOUNT=123456789012
npx cdk bootstrap "aws://$ACCOUNT/us-east-1" --context orchestra:account=$ACCOUNT --context orchestra:emulator=true
# --method=direct: moto's change sets create stacks without their outputs (so no exports).
for stack in "${STACKS[@]}"; do
  npx cdk deploy "$stack" --exclusively --method=direct --require-approval never \
    --context orchestra:account=$ACCOUNT --context orchestra:emulator=true
done
python3 scripts/local-deploy-check.py "${STACKS[@]}"
