#!/usr/bin/env bash
# Sets everything up and runs the bot: installs the Debian packages, builds in release
# mode, and starts Ingest, Renderer and Deliver. With no DATABASE_URL it starts a private
# PostgreSQL cluster in .data/pg (kept across runs; stopped again when the bot stops).
#   TELEGRAM_BOT_TOKEN=123:abc LIENZO_MODEL=/path/to/model scripts/run.sh
#
# The settings are checked first, all at once, before anything is built or started.
# The release build is skipped when nothing changed since it was made.
# LIENZO_BIN=DIR runs the Ingest, Renderer and Deliver found in DIR instead of building.
#
# Stopping: Ctrl-C (or SIGTERM) once stops the three stages gracefully: the Renderer
# finishes the batch being drawn within LIENZO_SHUTDOWN_GRACE. A second Ctrl-C stops
# them now (the batch goes back to the queue); a third kills them.
set -euo pipefail

# A relative LIENZO_MODEL means the caller's folder, not the repository's.
if [ -n "${LIENZO_MODEL:-}" ] && [[ $LIENZO_MODEL != /* ]] && [ -e "$LIENZO_MODEL" ]; then
  LIENZO_MODEL=$(cd "$(dirname "$LIENZO_MODEL")" && pwd)/$(basename "$LIENZO_MODEL")
  export LIENZO_MODEL
fi
cd "$(dirname "$0")/.."
scripts/lib/check-settings.sh || exit 2

private_cluster=""
pids=()
declare -A stage_of=()
stop_requests=0

cleanup() {
  [ -n "$private_cluster" ] && scripts/pg-cluster.sh stop "$private_cluster" || true
}
trap cleanup EXIT

# Before the stages run, Ctrl-C just ends the script (the EXIT trap stops PostgreSQL).
trap 'exit 130' INT TERM

scripts/install-packages.sh
if [ -n "${LIENZO_BIN:-}" ]; then
  bin=$(cd "$LIENZO_BIN" && pwd)
else
  bin=$(swift build -c release --show-bin-path)
  if scripts/lib/build-is-current.sh "$bin" Ingest Renderer Deliver 2>/dev/null; then
    echo "the release build is up to date" >&2
  else
    for product in Ingest Renderer Deliver; do swift build -c release --product "$product" >&2; done
  fi
fi

if [ -z "${DATABASE_URL:-}" ]; then
  private_cluster=.data/pg
  DATABASE_URL=$(scripts/pg-cluster.sh start "$private_cluster")
  export DATABASE_URL
  echo "using the private PostgreSQL cluster in $private_cluster ($DATABASE_URL)" >&2
fi

# Metrics on all three stages, at the ports deploy/prometheus/prometheus.yml scrapes (the
# stages themselves default Ingest's and Deliver's to off; 0 here turns one off too).
export LIENZO_METRICS_PORT=${LIENZO_METRICS_PORT:-9464}
export INGEST_METRICS_PORT=${INGEST_METRICS_PORT:-9465}
export DELIVER_METRICS_PORT=${DELIVER_METRICS_PORT:-9466}

# Each request to stop is forwarded once: the stages run in sessions of their own
# (setsid), so the terminal's Ctrl-C reaches this script only, never them directly.
request_stop() {
  stop_requests=$((stop_requests + 1))
  case $stop_requests in
    1) echo "stopping gracefully (a batch being drawn may finish); Ctrl-C again stops now" >&2
       signal=TERM ;;
    2) echo "stopping now: unfinished work goes back to the queue; Ctrl-C again kills" >&2
       signal=TERM ;;
    *) echo "killing the stages" >&2
       signal=KILL ;;
  esac
  [ ${#pids[@]} -gt 0 ] && kill -"$signal" "${pids[@]}" 2>/dev/null || true
}

# Migrate once up front so the three stages start on a ready schema.
"$bin/Ingest" migrate
trap request_stop INT TERM
for stage in Ingest Renderer Deliver; do
  # A background job of a script is no process group leader, so setsid execs the stage
  # in place and $! is the stage itself.
  setsid "$bin/$stage" run &
  pids+=($!)
  stage_of[$!]=$stage
done
echo "Lienzo is running (Ingest, Renderer, Deliver); Ctrl-C stops it" >&2

# `wait -n` returns when a stage exits or a signal comes (its trap runs first); then
# whatever is no longer running is collected (bash keeps the status of a reaped child).
status=0
exited=""
while [ ${#pids[@]} -gt 0 ]; do
  wait -n "${pids[@]}" 2>/dev/null || true
  running=()
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then running+=("$pid"); continue; fi
    code=0
    wait "$pid" 2>/dev/null || code=$?
    [ "$code" = 0 ] || status=$code
    if [ "$stop_requests" = 0 ] && [ -z "$exited" ]; then
      exited=${stage_of[$pid]}
      echo "$exited exited by itself (status $code); stopping the others" >&2
    fi
  done
  pids=("${running[@]+"${running[@]}"}")
  [ -z "$exited" ] || [ "$stop_requests" != 0 ] || request_stop
done
if [ -n "$exited" ]; then
  [ "$status" != 0 ] || status=1  # an unasked-for stop is a failure, even a clean one
  exit "$status"
fi
echo "Lienzo stopped" >&2
exit "$status"
