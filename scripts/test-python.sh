#!/usr/bin/env bash
# The Python suite (no browser) on SQLite and on PostgreSQL at the same time: two pytest
# processes, one per database (tests without a database run with SQLite's). On two cores this
# takes about 60 % of the time of one process running both. Each log is printed when both
# are done, so the two outputs do not interleave; the exit status fails if either failed.
set -uo pipefail
bin=${1:-.venv/bin}
logs=$(mktemp -d)
"$bin/pytest" -q -m "not e2e" -k "not postgres" >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!
"$bin/pytest" -q -m "not e2e" -k "postgres" >"$logs/postgres.log" 2>&1 &
postgres_pid=$!
wait "$sqlite_pid"; sqlite_rc=$?
wait "$postgres_pid"; postgres_rc=$?
echo "== pytest: SQLite and tests without a database (exit $sqlite_rc)"
cat "$logs/sqlite.log"
echo "== pytest: PostgreSQL (exit $postgres_rc)"
cat "$logs/postgres.log"
rm -rf "$logs"
[ "$sqlite_rc" -eq 0 ] && [ "$postgres_rc" -eq 0 ]
