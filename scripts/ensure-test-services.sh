#!/usr/bin/env bash
# Makes sure what the test suite needs outside Python is present on this machine:
# Debian's chromium (for Playwright), Debian's Dovecot (the email tests start their own IMAP
# server from it) and a PostgreSQL server on 127.0.0.1:5432 that accepts postgres/postgres.
# Installs and starts them when missing; does nothing when they are there.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q || true
  as_root apt-get install -y -q "$@"
}

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Debian's chromium for browser tests"
  apt_install chromium
fi

if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
  echo "== installing Debian's Dovecot for the email channel tests"
  apt_install dovecot-imapd
fi

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }

if ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "== installing PostgreSQL"
    apt_install postgresql postgresql-client
  fi
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    echo "PostgreSQL is installed but has no cluster" >&2
    exit 1
  fi
  echo "== starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi

if ! pg_up; then
  echo "PostgreSQL is not accepting connections on 127.0.0.1:5432" >&2
  exit 1
fi

# The tests sign in as postgres/postgres. Where trust auth is configured the password is
# ignored; on a fresh Debian install (scram over TCP) this sets it.
if ! PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\""
fi
echo "== test services ready (chromium: $(command -v chromium), PostgreSQL on 127.0.0.1:5432)"
