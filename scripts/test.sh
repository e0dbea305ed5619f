#!/usr/bin/env bash
# The test command: installs the system packages, starts a throwaway PostgreSQL
# cluster in a temp dir (unix socket only), runs every test against it, removes it.
#   scripts/test.sh [extra swift test arguments, e.g. --filter SchemaTests]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh
source scripts/lib/throwaway-postgres.sh

swift build --build-tests
swift test --skip-build "$@"
