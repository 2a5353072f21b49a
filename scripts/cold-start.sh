#!/usr/bin/env bash
# Cold start of each Java function in a fresh JVM, without SnapStart: handler initialization + first
# invocation, with the function's classes laid out as Lambda lays them out (it unzips the deployment
# package, here the group's shaded jar, into /var/task and loads the classes from there), against a
# local moto (tables, bucket and queue created first).
# The 8 loop functions each end at their first DynamoDB read (the store is empty); the API function
# serves GET /experiments (a scan of the empty table); the 21 cluster
# steps run in create → update → idle → rollback → destroy order on one cluster, so each makes the
# real calls of its step (IAM roles, an EKS cluster and node group in moto; steps that need what
# raw moto lacks — access entries, add-ons — end at that call; BootstrapKubernetes applies its
# manifests to fabric8's mock Kubernetes API in CRUD mode, reached through ORCHESTRA_K8S_ENDPOINT as
# in the local runtime); the pool tick (orchestra-pool-tick) ticks a pool that has no record, its
# natural first call: it looks for orphaned tagged instances and spot requests in EC2 and reads
# the pool table.
#
# moto's own per-service start-up is paid before the first probe (one read per service), not by
# the first function that calls the service.
#
# Checks, for every function, that it built no SDK client it does not use: the clients the JVM
# built (from its class-load log) must be among those its role allows (cdk FunctionSpecs, printed
# by the probe). Exits 1 when a function breaks that or its probe fails to report.
# Needs `mvn -B -Plambda -pl functions,cdk -am package -DskipTests` (jars, cdk classes and the probe
# in cdk/target/test-classes). ONLY=orchestra-cluster-validate,... runs a subset (cluster steps
# depend on the earlier ones). KEEP_LOGS=dir keeps each function's class-load log (stamped with JVM
# uptime: a gap between two loads is the JVM waiting on the network) as dir/<function>.class-load.log.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MOTO_IAM_LOAD_MANAGED_POLICIES=true python3 -m moto.server -p "$PORT" > "${TMPDIR:-/tmp}/orchestra-coldstart-moto.log" 2>&1 &
MOTO_PID=$!
K8S_PID=
TASK_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/orchestra-coldstart-task.XXXXXX")
trap 'kill "$MOTO_PID" 2>/dev/null || true; [[ -z "$K8S_PID" ]] || kill "$K8S_PID" 2>/dev/null || true; rm -rf "$TASK_ROOT"' EXIT
# BootstrapKubernetes' Kubernetes API (moto's EKS endpoint has none behind it): fabric8's mock in
# CRUD mode on a free port, which prints its URL once it listens.
K8S_OUT="${TMPDIR:-/tmp}/orchestra-coldstart-k8s.$$"
java -cp "cdk/target/test-classes:$(cat cdk/target/test-classpath.txt)" \
  dev.orchestra.cdk.bench.MockKubernetesServer > "$K8S_OUT" 2>&1 &
K8S_PID=$!
for _ in $(seq 1 100); do curl -sf "http://localhost:$PORT/moto-api/" > /dev/null && break; sleep 0.1; done
for _ in $(seq 1 300); do grep -q '^http://' "$K8S_OUT" 2>/dev/null && break; sleep 0.1; done
K8S_ENDPOINT=$(grep -m1 '^http://' "$K8S_OUT" || true)
rm -f "$K8S_OUT"
if [[ -z "$K8S_ENDPOINT" ]]; then echo "the mock Kubernetes API did not start" >&2; exit 1; fi
export AWS_ENDPOINT_URL="http://localhost:$PORT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
python3 - <<'PY'
import boto3
ddb = boto3.client("dynamodb")
ddb.create_table(TableName="orchestra-experiments", BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
ddb.create_table(TableName="orchestra-clusters", BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}])
ddb.create_table(TableName="orchestra-pools", BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
boto3.client("s3").create_bucket(Bucket="orchestra-local")
boto3.client("sqs").create_queue(QueueName="orchestra-results")
# moto builds each service's backend on that service's first request (EC2's default VPC, subnets and
# AMIs; IAM's ~1,000 managed policies): seconds that AWS never charges a function. One read per
# service the functions call, so no function's first call pays the emulator's own start.
boto3.client("ec2").describe_availability_zones()
boto3.client("eks").list_clusters()
boto3.client("iam").list_roles()
boto3.client("events").list_rules()
boto3.client("stepfunctions").list_state_machines()
boto3.client("sts").get_caller_identity()
PY
export ORCHESTRA_TABLE=orchestra-experiments ORCHESTRA_BUCKET=orchestra-local
export ORCHESTRA_CLUSTER_TABLE=orchestra-clusters
export ORCHESTRA_RESULTS_QUEUE_URL="http://localhost:$PORT/123456789012/orchestra-results"
export ORCHESTRA_EXPERIMENT_STATE_MACHINE_ARN=arn:aws:states:us-east-1:123456789012:stateMachine:orchestra-experiment
export ORCHESTRA_RUN_STATE_MACHINE_ARN=arn:aws:states:us-east-1:123456789012:stateMachine:orchestra-run
export ORCHESTRA_CLUSTER_DESTROY_STATE_MACHINE_ARN=arn:aws:states:us-east-1:123456789012:stateMachine:orchestra-cluster-destroy
export JAVA_TOOL_OPTIONS="${COLD_START_JAVA_OPTIONS:--XX:+TieredCompilation -XX:TieredStopAtLevel=1}"
CP="cdk/target/test-classes:cdk/target/classes"
S3_EVENT='{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"orchestra-local\"},\"object\":{\"key\":\"experiments/demo/experiment.yml\"}}}]}'
RUN='{"experimentId":"demo-1","runId":"demo-1-r1","attempt":1,"token":"t","result":{},"error":"x","cause":"y"}'
CLUSTER_YAML=$(python3 -c 'import json,sys; print(json.dumps(open("examples/sigopt/cluster-with-s3-access.yml").read()))')
NAME=cluster-with-s3-access
C="{\"clusterName\":\"$NAME\",\"execution\":\"cold-start\",\"principalArn\":\"arn:aws:iam::123456789012:user/demo\"}"
FAILED=()
ROWS=()
echo "load: $(uptime | sed 's/.*load average/load average/')"
# The machine's speed at the time: a fixed CPU-bound loop (lower is faster); runs are comparable
# only at similar figures (scripts/cold-start-summary.py lists them).
echo "calibration: $(python3 -c 'import time; t = time.perf_counter(); sum(i * i for i in range(3 * 10**6)); print(round(time.perf_counter() - t, 3))') s"
# PROFILE=fn,... with ASYNC_PROFILER=<libasyncProfiler.so>: those functions run under async-profiler
# (CPU samples every 1 ms, per thread), written as collapsed stacks to ${KEEP_LOGS:-$TMPDIR}/<fn>.collapsed.
profiler() {
  if [[ -n "${ASYNC_PROFILER:-}" && ",${PROFILE:-}," == *",$1,"* ]]; then
    mkdir -p "${KEEP_LOGS:-${TMPDIR:-/tmp}}"
    echo "-agentpath:$ASYNC_PROFILER=start,event=cpu,interval=1ms,threads,collapsed,file=${KEEP_LOGS:-${TMPDIR:-/tmp}}/$1.collapsed"
  fi
}
probe() { # function jar-group input
  if [[ -n "${ONLY:-}" && ",$ONLY," != *",$1,"* ]]; then return; fi
  local log line built allowed extra
  # The group's jar unzipped (once), as Lambda unzips a function's package into /var/task.
  if [[ ! -d "$TASK_ROOT/$2" ]]; then
    mkdir "$TASK_ROOT/$2" && unzip -q "functions/target/orchestra-functions-$2.jar" -d "$TASK_ROOT/$2"
  fi
  log=$(mktemp)
  line=$(ORCHESTRA_FUNCTION="$1" timeout 120 java $(profiler "$1") -Xlog:class+load=info:file="$log" \
    -cp "$TASK_ROOT/$2:$CP" \
    dev.orchestra.cdk.bench.ColdStartProbe "$3" 2>/dev/null | grep "^$1 " | tail -1 || true)
  built=$(grep -oE 'software\.amazon\.awssdk\.services\.[a-z0-9]+\.Default[A-Za-z0-9]+Client ' "$log" \
    | sed -E 's/.*\.Default([A-Za-z0-9]+)Client /\1/' | sort -u | tr '\n' ',' | sed 's/,$//' || true)
  if [[ -n "${KEEP_LOGS:-}" ]]; then mkdir -p "$KEEP_LOGS" && cp "$log" "$KEEP_LOGS/$1.class-load.log"; fi
  rm -f "$log"
  if [[ -z "$line" ]]; then
    FAILED+=("$1: the probe reported nothing")
    echo "$1 FAILED: no report"
    return
  fi
  allowed=$(sed -E 's/.* allowed=([A-Za-z0-9,]*) .*/\1/' <<< "$line")
  extra=$(comm -23 <(tr ',' '\n' <<< "$built" | grep . | sort) <(tr ',' '\n' <<< "$allowed" | grep . | sort) | tr '\n' ',' | sed 's/,$//')
  echo "$line built=[$built]${extra:+ UNUSED=[$extra]}"
  if [[ -n "$extra" ]]; then
    FAILED+=("$1 built client(s) it does not use: $extra (its role allows only: ${allowed:-none})")
  fi
  ROWS+=("$(sed -E 's/^([^ ]+) .*init_ms=([0-9]+) first_invocation_ms=([0-9]+) total_ms=([0-9]+).*/| \1 | \2 | \3 | \4 |/' <<< "$line") ${built//,/, } |")
}
probe orchestra-intake loop "{\"Records\":[{\"messageId\":\"m1\",\"body\":\"$S3_EVENT\"}]}"
probe orchestra-prepare loop '{"experimentId":"demo-1"}'
probe orchestra-wait-until-done loop '{"experimentId":"demo-1","token":"t"}'
probe orchestra-finalize loop '{"experimentId":"demo-1"}'
probe orchestra-dispatch dispatch "$RUN"
probe orchestra-record loop "$RUN"
probe orchestra-record-failure dispatch "$RUN"
probe orchestra-results loop '{"Records":[{"messageId":"m1","body":"{\"experimentId\":\"demo-1\",\"runId\":\"demo-1-r1\",\"attempt\":1,\"kind\":\"heartbeat\"}"}]}'
probe orchestra-api api '{"resource":"/{proxy+}","path":"/experiments","httpMethod":"GET","headers":{"Accept":"application/json"},"pathParameters":{"proxy":"experiments"},"requestContext":{"resourcePath":"/{proxy+}","httpMethod":"GET","path":"/v1/experiments","stage":"v1"},"isBase64Encoded":false}'
probe orchestra-cluster-validate cluster "{\"configYaml\":$CLUSTER_YAML,\"execution\":\"cold-start\"}"
probe orchestra-cluster-find-subnets cluster "$C"
# What FindSubnets hands CreateCluster through the state: two of the default VPC's default subnets.
SUBNETS=$(python3 -c 'import boto3, json; print(json.dumps(sorted(s["SubnetId"] for s in boto3.client("ec2").describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"])[:2]))')
for step in create-roles create-cluster cluster-status create-access-entries create-addons \
  create-nodegroups nodegroups-status bootstrap-kubernetes finish-create; do
  if [[ $step == bootstrap-kubernetes ]]; then
    ORCHESTRA_K8S_ENDPOINT="$K8S_ENDPOINT" probe "orchestra-cluster-$step" cluster "$C"
  elif [[ $step == create-cluster ]]; then
    # As the state machine gives it: the cluster role's ARN from CreateRoles' result, the subnets
    # from FindSubnets'.
    probe "orchestra-cluster-$step" cluster \
      "{\"clusterName\":\"$NAME\",\"execution\":\"cold-start\",\"clusterRoleArn\":\"arn:aws:iam::123456789012:role/orchestra/$NAME-cluster-role\",\"subnetIds\":$SUBNETS}"
  else
    probe "orchestra-cluster-$step" cluster "$C"
  fi
done
probe orchestra-cluster-plan-update cluster "{\"configYaml\":$CLUSTER_YAML,\"execution\":\"cold-start\"}"
probe orchestra-cluster-advance-update cluster "$C"
probe orchestra-cluster-update-failed cluster "{\"clusterName\":\"$NAME\",\"error\":{\"Error\":\"States.Timeout\",\"Cause\":\"cold start\"}}"
probe orchestra-cluster-idle-check cluster "$C"
probe orchestra-cluster-rollback-nodegroups cluster "$C"
probe orchestra-cluster-rollback-cluster cluster "$C"
probe orchestra-cluster-rollback-rest cluster "{\"clusterName\":\"$NAME\",\"execution\":\"cold-start\",\"error\":{\"Error\":\"States.Timeout\",\"Cause\":\"cold start\"}}"
for step in destroy-nodegroups destroy-cluster destroy-roles; do
  probe "orchestra-cluster-$step" cluster "$C"
done
ORCHESTRA_POOL_TABLE=orchestra-pools probe orchestra-pool-tick cluster '{"pool":"cold-start"}'
echo
echo "| function | init ms | first invocation ms | total ms | clients built |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo "load after: $(uptime | sed 's/.*load average/load average/')"
if (( ${#FAILED[@]} )); then
  printf 'FAILED: %s\n' "${FAILED[@]}" >&2
  exit 1
fi
echo "OK: no function built a client it does not use"
