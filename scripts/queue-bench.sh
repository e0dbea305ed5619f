#!/usr/bin/env bash
# Queue throughput benchmark (a printed figure, not a test): starts a throwaway
# PostgreSQL cluster (fsync off, as the tests), builds in release mode and runs QueueBench.
# Besides jobs/s it prints the CPU time the client and the server spent per job, which
# stays meaningful when other work shares the machine.
#   scripts/queue-bench.sh [--jobs 20000 --enqueuers 1 --enqueue-batch 100 --renderers 2 --deliverers 1] [--phases | --steady]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh
source scripts/lib/throwaway-postgres.sh
swift build -c release --product QueueBench >&2

# Backends are reaped by the postmaster, so its children's CPU time is the server side's
# cost; QueueBench reads it around the measured part.
postmaster=$(head -n 1 "$lienzo_tmp/pg/data/postmaster.pid")
"$(swift build -c release --show-bin-path)/QueueBench" --server-pid "$postmaster" "$@"
