#!/usr/bin/env bash
# tests/infra/test-infra.sh install|start|stop
#
# Throwaway test services for Styrbord, on loopback only:
#   install  Debian packages (PostgreSQL, Chromium, fonts, LibreOffice, poppler), a Python venv with schemathesis and the
#            npm packages of tests/e2e. Idempotent: a machine that has everything skips apt, pip
#            and npm entirely. Never downloads a browser (Chromium comes from Debian).
#   start    a fresh PostgreSQL cluster in $STYRBORD_TEST_DIR/pg on 127.0.0.1:55432, trust auth,
#            superuser "postgres". A cluster left behind by an earlier run is stopped and wiped first.
#            An SMTP sink (aiosmtpd) on 127.0.0.1:55025 that files every message it receives in the
#            Maildir $STYRBORD_TEST_DIR/mail (emptied at start).
#   stop     stops what start started, by its pid file.
#
# $STYRBORD_TEST_DIR defaults to ${TMPDIR:-/tmp}/styrbord-test. Must run as root (apt, runuser).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=${STYRBORD_TEST_DIR:-${TMPDIR:-/tmp}/styrbord-test}
PG_PORT=55432
# LibreOffice (Writer, Calc) and poppler open the exported DOCX, XLSX and PDF in the export tests.
APT_PACKAGES=(postgresql chromium fonts-dejavu-core fonts-liberation2 curl
  libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils)
SCHEMATHESIS_VERSION=4.32.5
AIOSMTPD_VERSION=1.4.6
SMTP_PORT=55025
export DEBIAN_FRONTEND=noninteractive

t0=$SECONDS
say() { echo "test-infra: [$((SECONDS - t0))s] $*"; }
die() { echo "test-infra: error: $*" >&2; exit 1; }

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql (run: $0 install)"
  echo "$d"
}

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# NB: not named "install": that would shadow install(1).
do_install() {
  local missing=() p
  mkdir -p "$T"
  for p in "${APT_PACKAGES[@]}"; do is_installed "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "apt: installing ${missing[*]}"
    apt-get update -qq </dev/null >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >"$T/apt.log" 2>&1 ||
      { tail -40 "$T/apt.log" >&2; die "apt-get install failed"; }
    rm -f "$T/apt.log"
  else
    say "apt: all packages present"
  fi
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing after install"
  command -v soffice >/dev/null || die "soffice (LibreOffice) missing after install"
  command -v pdftotext >/dev/null || die "pdftotext (poppler-utils) missing after install"

  if [ -x "$T/py/bin/schemathesis" ] && "$T/py/bin/python" -c \
      "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$SCHEMATHESIS_VERSION' or m.version('aiosmtpd') != '$AIOSMTPD_VERSION')" 2>/dev/null; then
    say "pip: schemathesis $SCHEMATHESIS_VERSION and aiosmtpd $AIOSMTPD_VERSION present"
  else
    say "pip: installing schemathesis $SCHEMATHESIS_VERSION and aiosmtpd $AIOSMTPD_VERSION into $T/py"
    rm -rf "$T/py"
    python3 -m venv "$T/py"
    "$T/py/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" "aiosmtpd==$AIOSMTPD_VERSION" </dev/null
  fi

  local e2e=$ROOT/tests/e2e stamp=$ROOT/tests/e2e/node_modules/.styrbord-lock
  if [ -f "$stamp" ] && cmp -s "$stamp" "$e2e/package-lock.json" && [ -d "$e2e/node_modules/playwright-core" ]; then
    say "npm: tests/e2e/node_modules up to date"
  else
    say "npm: installing tests/e2e dependencies"
    # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: belt and braces; playwright-core itself downloads nothing.
    if [ -f "$e2e/package-lock.json" ]; then
      (cd "$e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) </dev/null
    else
      (cd "$e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error) </dev/null
    fi
    cp "$e2e/package-lock.json" "$stamp"
  fi
  say "install done"
}

# Every parent of $1 must be traversable by the postgres user (a mode-700 $TMPDIR breaks initdb).
make_traversable() {
  local d=$1
  while [ "$d" != / ] && [ -n "$d" ]; do
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      chmod a+x "$d"
    fi
    d=$(dirname "$d")
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_pg() {
  local pgbin pid=
  pgbin=$(pg_bin)
  [ -f "$T/postgres.pid" ] && pid=$(cat "$T/postgres.pid")
  if [ -f "$T/pg/data/postmaster.pid" ]; then
    [ -n "$pid" ] || pid=$(head -1 "$T/pg/data/postmaster.pid")
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$T/pg/data" -m fast -w -t 30 stop </dev/null >/dev/null 2>&1 || true
  fi
  # If pg_ctl could not stop it (data dir damaged or gone), end the postmaster by its pid,
  # but only if that pid still is a postgres process.
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
     [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$T/postgres.pid"
}

# Ends the SMTP sink by its pid, if that pid still is the sink.
stop_smtp() {
  local pid
  [ -f "$T/smtp.pid" ] || return 0
  pid=$(cat "$T/smtp.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q aiosmtpd; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$T/smtp.pid"
}

start_smtp() {
  [ -x "$T/py/bin/python" ] || die "no Python venv in $T/py (run: $0 install)"
  stop_smtp
  port_open $SMTP_PORT && die "port $SMTP_PORT on 127.0.0.1 is in use by a process this script did not start"
  rm -rf "$T/mail"
  mkdir -p "$T/mail/tmp" "$T/mail/new" "$T/mail/cur"
  "$T/py/bin/python" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$T/mail" \
    </dev/null >"$T/smtp.log" 2>&1 &
  echo $! >"$T/smtp.pid"
  for _ in $(seq 100); do port_open $SMTP_PORT && break; sleep 0.1; done
  port_open $SMTP_PORT || { cat "$T/smtp.log" >&2; die "the SMTP sink did not start"; }
  say "SMTP sink up on 127.0.0.1:$SMTP_PORT (pid $(cat "$T/smtp.pid"), Maildir $T/mail)"
}

do_start() {
  local pgbin
  pgbin=$(pg_bin)
  id postgres >/dev/null 2>&1 || die "no postgres user (run: $0 install)"
  mkdir -p "$T"
  chmod 755 "$T"
  make_traversable "$T"

  # A previous run may have left a cluster behind (killed before its stop ran): stop and wipe it.
  if [ -f "$T/postgres.pid" ] || [ -f "$T/pg/data/postmaster.pid" ]; then
    say "stopping a cluster left by an earlier run"
    stop_pg
  fi
  rm -rf "$T/pg"
  port_open $PG_PORT && die "port $PG_PORT on 127.0.0.1 is in use by a process this script did not start"

  mkdir -p "$T/pg"
  chown postgres:postgres "$T/pg"
  chmod 755 "$T/pg"
  runuser -u postgres -- "$pgbin/initdb" -D "$T/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    </dev/null >"$T/pg/initdb.log" 2>&1 || { cat "$T/pg/initdb.log" >&2; die "initdb failed"; }
  cat >>"$T/pg/data/postgresql.conf" <<EOF

# styrbord test cluster: loopback only, throwaway, fast
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$T/pg'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  # pg_ctl starts the postmaster with stdin from /dev/null and its output into the -l log file.
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$T/pg/data" -l "$T/pg/server.log" -w -t 60 start \
    </dev/null >"$T/pg/pg_ctl.log" 2>&1 || { cat "$T/pg/pg_ctl.log" "$T/pg/server.log" >&2 2>/dev/null; die "PostgreSQL did not start"; }
  head -1 "$T/pg/data/postmaster.pid" >"$T/postgres.pid"
  psql "postgres://postgres@127.0.0.1:$PG_PORT/postgres" -qAtc 'select 1' </dev/null >/dev/null ||
    die "PostgreSQL started but does not answer on 127.0.0.1:$PG_PORT"
  say "PostgreSQL up on 127.0.0.1:$PG_PORT (pid $(cat "$T/postgres.pid"), data $T/pg/data)"
  start_smtp
}

do_stop() {
  if [ -f "$T/postgres.pid" ]; then
    stop_pg
    say "PostgreSQL stopped"
  fi
  if [ -f "$T/smtp.pid" ]; then
    stop_smtp
    say "SMTP sink stopped"
  fi
}

case "${1:-}" in
  install) do_install ;;
  start) do_start ;;
  stop) do_stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
