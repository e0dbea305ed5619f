#!/usr/bin/env bash
# A private PostgreSQL cluster in a folder of its own, on a unix socket in that folder.
#
#   scripts/pg-cluster.sh start DIR    create DIR if needed (initdb), start the server,
#                                      create database "lienzo", print its conninfo
#   scripts/pg-cluster.sh stop DIR     fast shutdown
#   scripts/pg-cluster.sh restart DIR  stop then start (the data stays)
#   scripts/pg-cluster.sh crash DIR    restart with -m immediate: every connection is cut
#                                      and the server recovers as after a crash
#   scripts/pg-cluster.sh url DIR      print the conninfo of a running cluster
#
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user,
# which must be able to reach DIR, so DIR's parents get o+x where needed and DIR is
# owned by postgres. Set PG_FAST=1 for a throwaway test cluster (fsync off).
set -euo pipefail

cmd=${1:?usage: pg-cluster.sh start|stop|restart|crash|url DIR}
dir=${2:?usage: pg-cluster.sh start|stop|restart|crash|url DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pgbin=$(pg_config --bindir 2>/dev/null || true)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[ -x "$pgbin/initdb" ] || { echo "pg-cluster.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then
  as_server() { (cd / && runuser -u postgres -- "$@"); }
  superuser=root
  chown postgres "$dir"
  # postgres must be able to traverse every parent of DIR
  p=$dir
  while [ "$p" != / ]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done
else
  as_server() { "$@"; }
  superuser=$(id -un)
fi

conninfo() { echo "host=$dir port=$(cat "$dir/port") user=$superuser dbname=lienzo"; }

start() {
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_server "$pgbin/initdb" -D "$dir/data" -U "$superuser" --auth=trust -E UTF8 --locale=C.UTF-8 \
      ${PG_FAST:+--no-sync} >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' >"$dir/port"
  fi
  local opts="-k $dir -p $(cat "$dir/port") -c listen_addresses='' -c max_connections=300"
  if [ -n "${PG_FAST:-}" ]; then opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
  if ! as_server "$pgbin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_server "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s -o "$opts" start \
      || { tail -n 20 "$dir/server.log" >&2; exit 1; }
  fi
  if ! psql "host=$dir port=$(cat "$dir/port") user=$superuser dbname=postgres" -Atqc \
       "SELECT 1 FROM pg_database WHERE datname = 'lienzo'" | grep -q 1; then
    psql "host=$dir port=$(cat "$dir/port") user=$superuser dbname=postgres" -qc "CREATE DATABASE lienzo" >/dev/null
  fi
  conninfo
}

stop() {
  if [ -f "$dir/data/PG_VERSION" ]; then
    as_server "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -s stop >/dev/null 2>&1 || true
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  crash) as_server "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w -s restart >/dev/null; conninfo ;;
  url) conninfo ;;
  *) echo "pg-cluster.sh: unknown command $cmd" >&2; exit 2 ;;
esac
