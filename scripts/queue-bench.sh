#!/usr/bin/env bash
# Queue throughput benchmark (a printed figure, not a test): starts a throwaway
# PostgreSQL cluster (fsync off, as the tests), builds in release mode and runs QueueBench.
#   scripts/queue-bench.sh [--jobs 20000 --enqueuers 2 --renderers 2 --deliverers 1]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh
base=$(mktemp -d /tmp/lienzo-bench.XXXXXX)
cleanup() { scripts/pg-cluster.sh stop "$base/pg" >/dev/null 2>&1 || true; rm -rf "$base"; }
trap cleanup EXIT
export DATABASE_URL=$(PG_FAST=1 scripts/pg-cluster.sh start "$base/pg")
swift build -c release --product QueueBench >&2
.build/release/QueueBench "$@"
