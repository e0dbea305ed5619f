#!/usr/bin/env bash
# The test command: installs the system packages, starts a throwaway PostgreSQL
# cluster in a temp dir (unix socket only), runs every test against it, removes it.
#   scripts/test.sh [extra swift test arguments, e.g. --filter SchemaTests]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh

base=$(mktemp -d /tmp/lienzo-test.XXXXXX)
cleanup() { scripts/pg-cluster.sh stop "$base/pg" >/dev/null 2>&1 || true; rm -rf "$base"; }
trap cleanup EXIT
export DATABASE_URL=$(PG_FAST=1 scripts/pg-cluster.sh start "$base/pg")
export LIENZO_TEST_TMP=$base
echo "test PostgreSQL: $DATABASE_URL" >&2

swift build --build-tests
swift test --skip-build "$@"
