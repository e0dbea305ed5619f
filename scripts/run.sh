#!/usr/bin/env bash
# Sets everything up and runs the bot: installs the Debian packages, builds in release
# mode, and starts Ingest, Renderer and Deliver. With no DATABASE_URL it starts a private
# PostgreSQL cluster in .data/pg (kept across runs; stopped again when the bot stops).
#   TELEGRAM_BOT_TOKEN=123:abc LIENZO_MODEL=/path/to/model scripts/run.sh
# Ctrl-C (or SIGTERM) stops the three stages gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh
swift build -c release --product Ingest >&2
swift build -c release --product Renderer >&2
swift build -c release --product Deliver >&2
bin=$(swift build -c release --show-bin-path)

private_cluster=""
if [ -z "${DATABASE_URL:-}" ]; then
  private_cluster=.data/pg
  DATABASE_URL=$(scripts/pg-cluster.sh start "$private_cluster")
  export DATABASE_URL
  echo "using the private PostgreSQL cluster in $private_cluster ($DATABASE_URL)" >&2
fi

pids=()
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait || true
  [ -n "$private_cluster" ] && scripts/pg-cluster.sh stop "$private_cluster" || true
}
trap stop INT TERM EXIT

# Migrate once up front so the three stages start on a ready schema.
"$bin/Ingest" migrate
for stage in Ingest Renderer Deliver; do
  "$bin/$stage" run &
  pids+=($!)
done
echo "Lienzo is running (Ingest, Renderer, Deliver); Ctrl-C stops it" >&2
wait -n "${pids[@]}" || true
echo "a stage exited; stopping the others" >&2
