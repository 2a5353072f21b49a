#!/bin/sh
# Orchestra reporter: runs in the `reporter` container beside `training` and is the only holder of
# the run attempt's nonce. It shares the directory $ORCHESTRA_DIR (an emptyDir) with the training
# container, whose wrapper writes there:
#   started      when the user's command begins
#   output.log   the command's stdout and stderr
#   metrics.json the metrics file the command writes (ORCHESTRA_METRICS_FILE)
#   exit_code    the command's exit status, written once it has ended
# While exit_code is absent the reporter sends a heartbeat every ORCHESTRA_HEARTBEAT_SECONDS, each
# followed by an upload of the output so far when it grew (its first ORCHESTRA_PARTIAL_OUTPUT_BYTES,
# marked orchestra-output=partial), so `orchestra logs --follow` shows progress; then it uploads the
# whole output.log, marked final, to s3://$ORCHESTRA_BUCKET/runs/<experiment>/<run>/a<attempt>/
# output.log (RunStorage.outputKey) and sends one result message. Needs POSIX sh, sed, tr, head,
# tail, grep, sleep and the AWS CLI v2.
set -u

dir=${ORCHESTRA_DIR:-/orchestra}
poll=${ORCHESTRA_POLL_SECONDS:-1}
heartbeat_every=${ORCHESTRA_HEARTBEAT_SECONDS:-60}
start_timeout=${ORCHESTRA_START_TIMEOUT_SECONDS:-1800}
# RunStorage.PARTIAL_OUTPUT_LIMIT: a running attempt's output is uploaded up to this many bytes.
partial_limit=${ORCHESTRA_PARTIAL_OUTPUT_BYTES:-8388608}
experiment=$ORCHESTRA_EXPERIMENT_ID
run=$ORCHESTRA_RUN_ID
attempt=$ORCHESTRA_ATTEMPT
nonce=$ORCHESTRA_NONCE
queue=$ORCHESTRA_RESULTS_QUEUE_URL
bucket=$ORCHESTRA_BUCKET
tail_lines=50
tail_bytes=8192
max_metrics_bytes=65536
# exit code reported when the training container never started
not_started_code=125

log() {
  echo "orchestra-reporter: $*" >&2
}

is_number() {
  case $1 in
    '' | *[!0-9]*) return 1 ;;
    *) return 0 ;;
  esac
}

for setting in "$attempt" "$poll" "$heartbeat_every" "$start_timeout" "$partial_limit"; do
  if ! is_number "$setting"; then
    log "a numeric setting is not a whole number: '$setting'"
    exit 2
  fi
done

# When the pod is stopped (Job deleted, node drained) keep going: the training container gets the
# same signal, and if it ends within the grace period its result is still worth sending.
trap 'log "asked to stop; waiting for the training command to end"' TERM INT

tab=$(printf '\t')
cr=$(printf '\r')

# Drops byte sequences that are not UTF-8 (a tail cut mid-character, binary output): iconv when the
# image has it, otherwise every non-ASCII byte.
valid_utf8() {
  if command -v iconv >/dev/null 2>&1; then
    iconv -f UTF-8 -t UTF-8 -c 2>/dev/null
  else
    LC_ALL=C tr -d '\200-\377'
  fi
}

# Standard input as the inside of a JSON string: control characters other than tab, newline and
# carriage return are dropped, lines are joined with \n (a final newline is not kept).
json_text() {
  valid_utf8 \
    | LC_ALL=C tr -d '\000-\010\013\014\016-\037' \
    | LC_ALL=C sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e "s/$tab/\\\\t/g" -e "s/$cr/\\\\r/g" \
      -e '$!s/$/\\n/' \
    | tr -d '\n'
}

json_string() {
  printf '%s' "$1" | json_text
}

# The metrics file must be one flat JSON object of metric name -> number. Python's json module
# writes NaN, Infinity and -Infinity bare; the message carries them as the strings "NaN",
# "Infinity" and "-Infinity".
ws='[[:space:]]*'
key='"([^"\\[:cntrl:]]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'
number='-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?'
value="($number|NaN|-?Infinity|\"NaN\"|\"-?Infinity\")"
pair="$ws$key$ws:$ws$value$ws"
flat_object="^$ws[{]($pair(,$pair)*|$ws)[}]$ws\$"

metrics=null
note=

read_metrics() {
  file=$dir/metrics.json
  if [ ! -f "$file" ]; then
    note="orchestra: the run wrote no metrics file (ORCHESTRA_METRICS_FILE)"
    return
  fi
  size=$(wc -c <"$file" | tr -d ' ')
  if [ "$size" -gt "$max_metrics_bytes" ]; then
    note="orchestra: the metrics file is $size bytes, more than $max_metrics_bytes"
    return
  fi
  flat=$(LC_ALL=C tr '\n\r\t' '   ' <"$file")
  if printf '%s\n' "$flat" | LC_ALL=C grep -Eq "$flat_object"; then
    metrics=$(printf '%s' "$flat" \
      | LC_ALL=C sed -E 's/(:[[:space:]]*)(NaN|-?Infinity)([[:space:]]*[,}])/\1"\2"\3/g')
  else
    note="orchestra: the metrics file is not one JSON object of metric name to number"
  fi
}

send() {
  aws sqs send-message --queue-url "$queue" --message-body "$1" --output text \
    --query MessageId >/dev/null
}

send_heartbeat() {
  body=$(printf '{"v":1,"experiment_id":"%s","run_id":"%s","attempt":%s,"kind":"heartbeat","nonce":"%s"}' \
    "$(json_string "$experiment")" "$(json_string "$run")" "$attempt" "$(json_string "$nonce")")
  send "$body" || log "heartbeat not sent; trying again in ${heartbeat_every}s"
}

# The exit status once the wrapper has written it completely, else nothing.
read_exit_code() {
  if [ -f "$dir/exit_code" ]; then
    code=$(tr -d ' \n' <"$dir/exit_code")
    if is_number "$code"; then
      printf '%s' "$code"
    fi
  fi
}

# Copies the output written since the last call to this container's log, so `kubectl logs -c
# reporter` shows the training output as it grows.
chunk=${TMPDIR:-/tmp}/orchestra-output-chunk.$$
shown=0
show_new_output() {
  if [ -f "$dir/output.log" ]; then
    tail -c +$((shown + 1)) "$dir/output.log" >"$chunk" 2>/dev/null || return
    shown=$((shown + $(wc -c <"$chunk" | tr -d ' ')))
    cat "$chunk"
    rm -f "$chunk"
  fi
}

output_key="runs/$experiment/$run/a$attempt/output.log"
output_url="s3://$bucket/$output_key"

# Uploads the output so far (its first $partial_limit bytes, copied first so the object matches
# what was read) when it grew since the last upload. A failed upload is tried at the next heartbeat.
snapshot=${TMPDIR:-/tmp}/orchestra-output-partial.$$
uploaded=0
upload_partial_output() {
  [ -f "$dir/output.log" ] || return 0
  head -c "$partial_limit" "$dir/output.log" >"$snapshot" 2>/dev/null || return 0
  size=$(wc -c <"$snapshot" | tr -d ' ')
  if [ "$size" -gt "$uploaded" ]; then
    if aws s3 cp "$snapshot" "$output_url" --only-show-errors \
      --content-type 'text/plain; charset=utf-8' --metadata orchestra-output=partial; then
      uploaded=$size
    else
      log "the output so far was not uploaded; trying again with the next heartbeat"
    fi
  fi
  rm -f "$snapshot"
}

elapsed=0
since_heartbeat=$heartbeat_every
started=no
exit_code=
while :; do
  exit_code=$(read_exit_code)
  [ -n "$exit_code" ] && break
  if [ "$started" = no ]; then
    if [ -f "$dir/started" ]; then
      started=yes
    elif [ "$elapsed" -ge "$start_timeout" ]; then
      exit_code=$not_started_code
      note="orchestra: the training container did not start within ${start_timeout}s (image pull or scheduling)"
      break
    fi
  fi
  if [ "$since_heartbeat" -ge "$heartbeat_every" ]; then
    send_heartbeat
    upload_partial_output
    since_heartbeat=0
  fi
  show_new_output
  sleep "$poll"
  elapsed=$((elapsed + poll))
  since_heartbeat=$((since_heartbeat + poll))
done
show_new_output

if [ -f "$dir/output.log" ]; then
  if ! aws s3 cp "$dir/output.log" "$output_url" --only-show-errors \
    --content-type 'text/plain; charset=utf-8' --metadata orchestra-output=final; then
    log "could not upload the output to $output_url"
  fi
fi

if [ "$exit_code" != "$not_started_code" ] || [ "$started" = yes ]; then
  read_metrics
fi

tail_text=
if [ -f "$dir/output.log" ]; then
  tail_text=$(tail -n "$tail_lines" "$dir/output.log" | tail -c "$tail_bytes" | json_text)
fi
if [ -n "$note" ]; then
  if [ -n "$tail_text" ]; then
    tail_text="$tail_text\\n"
  fi
  tail_text="$tail_text$(json_string "$note")"
fi

body=$(printf '{"v":1,"experiment_id":"%s","run_id":"%s","attempt":%s,"kind":"result","nonce":"%s","exit_code":%s,"metrics":%s,"output_tail":"%s"}' \
  "$(json_string "$experiment")" "$(json_string "$run")" "$attempt" "$(json_string "$nonce")" \
  "$exit_code" "$metrics" "$tail_text")

tries=0
until send "$body"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 5 ]; then
    log "result not sent after $tries tries"
    exit 1
  fi
  sleep $((tries * 2))
done
log "result sent: exit code $exit_code"
