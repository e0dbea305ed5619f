#!/usr/bin/env bash
# Queue throughput benchmark (a printed figure, not a test): starts a throwaway
# PostgreSQL cluster (fsync off, as the tests), builds in release mode and runs QueueBench.
# Besides jobs/s it prints the CPU time the client and the server spent per job, which
# stays meaningful when other work shares the machine.
#   scripts/queue-bench.sh [--jobs 20000 --enqueuers 2 --renderers 1 --deliverers 1] [--phases]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh
source scripts/lib/throwaway-postgres.sh
swift build -c release --product QueueBench >&2

# Backends are reaped by the postmaster, so its children's CPU time covers the server side.
postmaster=$(head -n 1 "$lienzo_tmp/pg/data/postmaster.pid")
server_ticks() { awk '{print $16 + $17}' "/proc/$postmaster/stat"; }
before=$(server_ticks)
"$(swift build -c release --show-bin-path)/QueueBench" "$@" | tee "$lienzo_tmp/bench.out"
sleep 0.5  # let the postmaster reap the bench's backends
after=$(server_ticks)
jobs=$(sed -n 's/^queue bench: \([0-9]*\) jobs.*/\1/p' "$lienzo_tmp/bench.out")
client_us=$(sed -n 's/^client CPU: .* = \([0-9]*\) µs per job/\1/p' "$lienzo_tmp/bench.out")
if [ -n "$jobs" ] && [ -n "$client_us" ]; then
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$jobs" -v c="$client_us" 'BEGIN {
    s = t / hz * 1e6 / n
    printf "server CPU: %.2f s = %.0f µs per job\n", t / hz, s
    printf "CPU per job: %.0f µs (client + server) = at most %.0f jobs/s on 2 fully available cores\n", s + c, 2e6 / (s + c)
  }'
fi
