#!/usr/bin/env bash
# Queue throughput benchmark (a printed figure, not a test): starts a throwaway
# PostgreSQL cluster (fsync off, as the tests), builds in release mode and runs QueueBench.
#   scripts/queue-bench.sh [--jobs 20000 --enqueuers 2 --renderers 1 --deliverers 1] [--phases]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh
source scripts/lib/throwaway-postgres.sh
swift build -c release --product QueueBench >&2
"$(swift build -c release --show-bin-path)/QueueBench" "$@"
