# Sourced by scripts that need a PostgreSQL server for one run: starts a cluster in a
# temp dir (unix socket only, fsync off), exports DATABASE_URL and LIENZO_TEST_TMP, and
# removes it all on exit.
lienzo_tmp=$(mktemp -d /tmp/lienzo.XXXXXX)
lienzo_cleanup() {
    local status=$?
    # A failed run shows what the server itself saw (a backend that died, too many clients):
    # the log goes with the temp dir.
    if [ "$status" -ne 0 ] && [ -f "$lienzo_tmp/pg/server.log" ]; then
        echo "== the throwaway PostgreSQL's complaints (server.log):" >&2
        grep -E "FATAL|PANIC|ERROR:  (deadlock|out of)|terminated by signal|was terminated|too many" "$lienzo_tmp/pg/server.log" | tail -n 40 >&2 || true
    fi
    scripts/pg-cluster.sh stop "$lienzo_tmp/pg" >/dev/null 2>&1 || true
    rm -rf "$lienzo_tmp"
}
trap lienzo_cleanup EXIT
DATABASE_URL=$(PG_FAST=1 scripts/pg-cluster.sh start "$lienzo_tmp/pg")
export DATABASE_URL
export LIENZO_TEST_TMP=$lienzo_tmp
echo "throwaway PostgreSQL: $DATABASE_URL" >&2
