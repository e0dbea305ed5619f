#!/usr/bin/env bash
# The chaos suite (#14) at full size: the three stage executables against a PostgreSQL
# server of their own and the Bot API emulator, LIENZO_CHAOS_JOBS requests (500) while
# stage kills, PostgreSQL restarts, terminated connections and Bot API faults take turns.
# Prints the seed, delivered / lost / duplicated and the accepted → recorded window, and
# exits non-zero on any loss or any duplicate outside the Deliver kill window.
#   scripts/chaos.sh
#   LIENZO_CHAOS_JOBS=100 LIENZO_CHAOS_SEED=1234 scripts/chaos.sh   replay a run's choices
# LIENZO_SCRATCH_PATH=DIR builds there instead of .build. CI runs the same test with 60
# jobs as part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh >/dev/null
# The test starts its own PostgreSQL server; this one only gives the run a temp folder
# (LIENZO_TEST_TMP, where the stages' logs go) that is removed afterwards.
source scripts/lib/throwaway-postgres.sh
export LIENZO_CHAOS_JOBS=${LIENZO_CHAOS_JOBS:-500}
scratch=(${LIENZO_SCRATCH_PATH:+--scratch-path "$LIENZO_SCRATCH_PATH"})
swift build --build-tests "${scratch[@]}"
swift test --skip-build "${scratch[@]}" --filter 'StageTests\.ChaosTests'
