#!/bin/sh
# Orchestra pool agent: runs on every instance of an EC2 pool, started by the instance's user data
# with the settings below in its environment. It takes one run at a time from the pool's SQS work
# queue, runs the run's image with the run contract's environment (and every GPU when the run asks
# for GPUs), and carries the run exactly as the reporter container does on Kubernetes: the
# reporter script runs here, on the host, and is the only holder of the nonce (the container never
# sees it, and with the instance's IMDSv2 hop limit of 1 it cannot reach the instance's
# credentials). After ORCHESTRA_IDLE_TIMEOUT_SECONDS without work it shuts the instance down (the
# instance terminates on shutdown). Needs POSIX sh, base64, date, curl, docker and the AWS CLI v2.
#
# It also reports its own state on the results queue (an AgentReport, "kind": "agent"): idle or
# busy with one run attempt, when that changes and then every heartbeat period, so the scaling tick
# knows which instances are idle and which run an instance carried when it vanished. The instance
# id comes from the metadata service with an IMDSv2 session token (ORCHESTRA_METADATA_URL overrides
# its address, for tests).
#
# A work item is one line of space-separated fields (PoolWorkItem): "orchestra-work v1", then
# name=base64(value) for experiment_id, run_id, attempt, nonce, image, command, gpus and one env=
# per training variable (base64 of NAME=VALUE).
set -uf

work_queue=$ORCHESTRA_WORK_QUEUE_URL
results_queue=$ORCHESTRA_RESULTS_QUEUE_URL
bucket=$ORCHESTRA_BUCKET
idle_timeout=$ORCHESTRA_IDLE_TIMEOUT_SECONDS
heartbeat_every=${ORCHESTRA_HEARTBEAT_SECONDS:-60}
wait_seconds=${ORCHESTRA_RECEIVE_WAIT_SECONDS:-20}
visibility=${ORCHESTRA_VISIBILITY_SECONDS:-600}
base=${ORCHESTRA_AGENT_DIR:-/var/lib/orchestra}
reporter=${ORCHESTRA_REPORTER:-/opt/orchestra/reporter.sh}
shutdown_command=${ORCHESTRA_SHUTDOWN_COMMAND:-shutdown -h now}
metadata_url=${ORCHESTRA_METADATA_URL:-http://169.254.169.254}
pool=${ORCHESTRA_POOL:-}
# exit code reported when the image could not be started (pull refused, no such image)
not_started_code=125

log() {
  echo "orchestra-agent: $*" >&2
}

is_number() {
  case $1 in
    '' | *[!0-9]*) return 1 ;;
    *) return 0 ;;
  esac
}

for setting in "$idle_timeout" "$heartbeat_every" "$wait_seconds" "$visibility"; do
  if ! is_number "$setting"; then
    log "a numeric setting is not a whole number: '$setting'"
    exit 2
  fi
done

decode() {
  printf '%s' "$1" | base64 -d
}

tab=$(printf '\t')

# Characters a report may carry unquoted in JSON (ids are made of these).
plain() {
  case $1 in
    '' | *[!A-Za-z0-9._-]*) return 1 ;;
    *) return 0 ;;
  esac
}

instance_id=
# The instance's id, from the metadata service: a session token first (IMDSv2 is required), then
# the id with that token. Retried at the next report when the service does not answer.
read_instance_id() {
  [ -n "$instance_id" ] && return 0
  if imds_token=$(curl -sf --max-time 2 -X PUT \
    -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$metadata_url/latest/api/token") \
    && id=$(curl -sf --max-time 2 -H "X-aws-ec2-metadata-token: $imds_token" \
      "$metadata_url/latest/meta-data/instance-id") \
    && plain "$id"; then
    instance_id=$id
    return 0
  fi
  log "could not read the instance id from the metadata service; reporting later"
  return 1
}

# Sends this agent's state on the results queue: report idle SINCE, or report busy SINCE (with the
# run's fields). "at" strictly increases across the agent's reports (the pool keeps the latest).
report() {
  read_instance_id || return 0
  plain "$pool" || return 0
  at=$(date +%s)
  previous=$(cat "$base/last-report-at" 2>/dev/null) || previous=0
  is_number "$previous" || previous=0
  if [ "$at" -le "$previous" ]; then
    at=$((previous + 1))
  fi
  echo "$at" >"$base/last-report-at"
  if [ "$1" = busy ]; then
    body=$(printf '{"v":1,"kind":"agent","pool":"%s","instance_id":"%s","state":"busy","experiment_id":"%s","run_id":"%s","attempt":%s,"since":%s,"at":%s}' \
      "$pool" "$instance_id" "$experiment" "$run" "$attempt" "$2" "$at")
  else
    body=$(printf '{"v":1,"kind":"agent","pool":"%s","instance_id":"%s","state":"idle","since":%s,"at":%s}' \
      "$pool" "$instance_id" "$2" "$at")
  fi
  aws sqs send-message --queue-url "$results_queue" --message-body "$body" >/dev/null \
    || log "could not send the agent report ($1)"
}

# Takes one work item: sets the run's fields, writes the training environment to $env_file.
# Returns 1 (and the item is left for another agent) when the item is not one.
parse_item() {
  experiment= run= attempt= nonce= image= command= gpus=0
  : >"$env_file"
  set -- $1
  if [ "${1:-}" != orchestra-work ] || [ "${2:-}" != v1 ]; then
    return 1
  fi
  shift 2
  for field in "$@"; do
    value=$(decode "${field#*=}") || return 1
    case $field in
      experiment_id=*) experiment=$value ;;
      run_id=*) run=$value ;;
      attempt=*) attempt=$value ;;
      nonce=*) nonce=$value ;;
      image=*) image=$value ;;
      command=*) command=$value ;;
      gpus=*) gpus=$value ;;
      env=*) printf '%s\n' "$value" >>"$env_file" ;;
    esac
  done
  [ -n "$experiment" ] && [ -n "$run" ] && [ -n "$nonce" ] && [ -n "$image" ] \
    && plain "$experiment" && plain "$run" && is_number "$attempt" && is_number "$gpus"
}

# Logs in to the image's ECR registry (a private image of this account), if it is one.
registry_login() {
  registry=${image%%/*}
  case $registry in
    *.dkr.ecr.*.amazonaws.com)
      region=$(printf '%s' "$registry" | sed -E 's/.*\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/\1/')
      aws ecr get-login-password --region "$region" \
        | docker login --username AWS --password-stdin "$registry" >/dev/null 2>&1 \
        || log "could not log in to $registry"
      ;;
  esac
}

run_item() {
  name="$run-a$attempt"
  dir=$base/runs/$name
  mkdir -p "$dir"
  chmod 0777 "$dir"
  registry_login
  gpu_flags=
  if [ "$gpus" -gt 0 ]; then
    gpu_flags="--gpus all"
  fi
  # Never --network host: on the bridge network the container is one hop further from the
  # instance metadata service than the hop limit allows.
  # shellcheck disable=SC2086
  if ! docker run --detach --name "$name" --label "orchestra.dev/run=$run" \
    --label "orchestra.dev/attempt=$attempt" $gpu_flags --env-file "$env_file" \
    --volume "$dir:/orchestra" --entrypoint /bin/sh "$image" \
    -c "$ORCHESTRA_TRAINING_WRAPPER" orchestra-training "$command" \
    >"$base/docker.out" 2>"$base/docker.err"; then
    log "could not start $image for $name"
    {
      echo "orchestra: the image $image could not be started:"
      cat "$base/docker.err"
    } >"$dir/output.log"
    echo "$not_started_code" >"$dir/exit_code"
  fi
  ORCHESTRA_DIR=$dir ORCHESTRA_EXPERIMENT_ID=$experiment ORCHESTRA_RUN_ID=$run \
    ORCHESTRA_ATTEMPT=$attempt ORCHESTRA_NONCE=$nonce ORCHESTRA_RESULTS_QUEUE_URL=$results_queue \
    ORCHESTRA_BUCKET=$bucket ORCHESTRA_HEARTBEAT_SECONDS=$heartbeat_every \
    sh "$reporter" || log "the reporter of $name failed"
  docker rm --force "$name" >/dev/null 2>&1
  rm -rf "$dir"
}

mkdir -p "$base/runs"
env_file=$base/training.env
idle_since=$(date +%s)
log "polling $work_queue; idle timeout ${idle_timeout}s"
report idle "$idle_since"
reported=$(date +%s)
while :; do
  if [ $(($(date +%s) - reported)) -ge "$heartbeat_every" ]; then
    report idle "$idle_since"
    reported=$(date +%s)
  fi
  if [ $(($(date +%s) - idle_since)) -ge "$idle_timeout" ]; then
    log "no work for ${idle_timeout}s: shutting the instance down"
    $shutdown_command
    exit 0
  fi
  if ! received=$(aws sqs receive-message --queue-url "$work_queue" --max-number-of-messages 1 \
    --wait-time-seconds "$wait_seconds" --visibility-timeout "$visibility" \
    --query 'Messages[0].[ReceiptHandle,Body]' --output text); then
    log "could not poll the work queue; trying again"
    sleep 5
    continue
  fi
  case $received in
    '' | None) continue ;;
  esac
  receipt=${received%%"$tab"*}
  body=${received#*"$tab"}
  if ! parse_item "$body"; then
    log "ignoring a message that is not a work item"
    continue
  fi
  # Taken: from here the run's heartbeats show that it lives.
  aws sqs delete-message --queue-url "$work_queue" --receipt-handle "$receipt" \
    || log "could not delete the work item of $run; it may run twice (the nonce keeps one result)"
  log "running $run attempt $attempt ($image)"
  busy_since=$(date +%s)
  report busy "$busy_since"
  (while sleep "$heartbeat_every"; do report busy "$busy_since"; done) &
  busy_reports=$!
  run_item
  kill "$busy_reports" 2>/dev/null
  wait "$busy_reports" 2>/dev/null
  idle_since=$(date +%s)
  report idle "$idle_since"
  reported=$(date +%s)
done
