#!/usr/bin/env bash
# Checks the monitoring files in deploy/ offline: the Prometheus config and alert rules with
# promtool (Debian's `prometheus` package; skipped with a note when it is missing), the
# alerts' unit tests (deploy/prometheus/alerts_test.yml) and the Grafana dashboard as JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m json.tool deploy/grafana/lienzo.json > /dev/null
if ! command -v promtool > /dev/null; then
  echo "check-ops: promtool not installed (apt-get install prometheus); only the dashboard was checked" >&2
  exit 0
fi
promtool check config deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts_test.yml
