#!/usr/bin/env bash
# Cold start of each Java function in a fresh JVM, from its shaded jar, without SnapStart: handler
# initialization + first invocation against a local moto (table, bucket and queue created first).
# Also lists the SDK clients each function built (from the JVM's class-load log), so a function
# that builds a client it does not use shows up. Needs `mvn -B -Plambda -pl functions,cdk -am
# package -DskipTests` (jars + the probe in cdk/target/test-classes).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m moto.server -p "$PORT" > "${TMPDIR:-/tmp}/orchestra-coldstart-moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://localhost:$PORT/moto-api/" > /dev/null && break; sleep 0.1; done
export AWS_ENDPOINT_URL="http://localhost:$PORT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
python3 - <<'PY'
import boto3
boto3.client("dynamodb").create_table(TableName="orchestra-experiments", BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
boto3.client("s3").create_bucket(Bucket="orchestra-local")
boto3.client("sqs").create_queue(QueueName="orchestra-results")
PY
export ORCHESTRA_TABLE=orchestra-experiments ORCHESTRA_BUCKET=orchestra-local
export ORCHESTRA_RESULTS_QUEUE_URL="http://localhost:$PORT/123456789012/orchestra-results"
export ORCHESTRA_EXPERIMENT_STATE_MACHINE_ARN=arn:aws:states:us-east-1:123456789012:stateMachine:orchestra-experiment
export ORCHESTRA_RUN_STATE_MACHINE_ARN=arn:aws:states:us-east-1:123456789012:stateMachine:orchestra-run
export JAVA_TOOL_OPTIONS="-XX:+TieredCompilation -XX:TieredStopAtLevel=1"
S3_EVENT='{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"orchestra-local\"},\"object\":{\"key\":\"experiments/demo/experiment.yml\"}}}]}'
RUN='{"experimentId":"demo-1","runId":"demo-1-r1","attempt":1,"token":"t","result":{},"error":"x","cause":"y"}'
probe() { # function jar-group input
  local log; log=$(mktemp)
  ORCHESTRA_FUNCTION="$1" java -Xlog:class+load=info:file="$log" \
    -cp "functions/target/orchestra-functions-$2.jar:cdk/target/test-classes" \
    dev.orchestra.cdk.bench.ColdStartProbe "$3" 2>/dev/null | tail -1 | tr -d '\n'
  echo " clients=[$(grep -oE 'software\.amazon\.awssdk\.services\.[a-z0-9]+\.Default[A-Za-z]+Client ' "$log" \
    | sed -E 's/.*\.(Default[A-Za-z]+Client) /\1/' | sort -u | tr '\n' ' ' | sed 's/ $//')]"
  rm -f "$log"
}
probe orchestra-intake loop "{\"Records\":[{\"messageId\":\"m1\",\"body\":\"$S3_EVENT\"}]}"
probe orchestra-prepare loop '{"experimentId":"demo-1"}'
probe orchestra-wait-until-done loop '{"experimentId":"demo-1","token":"t"}'
probe orchestra-finalize loop '{"experimentId":"demo-1"}'
probe orchestra-dispatch dispatch "$RUN"
probe orchestra-record loop "$RUN"
probe orchestra-record-failure loop "$RUN"
probe orchestra-results loop '{"Records":[{"messageId":"m1","body":"{\"experimentId\":\"demo-1\",\"runId\":\"demo-1-r1\",\"attempt\":1,\"kind\":\"heartbeat\"}"}]}'
