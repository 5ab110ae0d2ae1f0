#!/usr/bin/env bash
# A local Keycloak for end-to-end tests and development, without Docker.
#
#   scripts/keycloak.sh start            fetch (once), then start in the background and wait until ready
#   scripts/keycloak.sh stop             stop it
#   scripts/keycloak.sh status           running or not (exit 0 when it answers, 3 when it is down)
#   scripts/keycloak.sh token USER PASS  print an access token from the keyhub-e2e client (password grant)
#   scripts/keycloak.sh java             print the JDK 21+ it would run Keycloak with (exit 1 if there is none)
#
# The server distribution comes from Maven Central through the project's Maven wrapper (cached in ~/.m2)
# and is unpacked under target/keycloak/. Keycloak needs a JDK 21 or newer; see find_java below.
#
# Environment:
#   KEYCLOAK_PORT            http port on 127.0.0.1 (default 8180); the issuer is http://localhost:$KEYCLOAK_PORT/realms/keyhub
#   KEYCLOAK_JAVA_HOME       the JDK to run Keycloak with (must be 21+)
#   KEYCLOAK_DB              dev-mem (default: in memory, realms imported fresh at every start) or dev-file
#                            (kept under the distribution's data/; an existing realm is not re-imported)
#   KEYCLOAK_START_TIMEOUT   seconds to wait for readiness (default 180)
#   KEYCLOAK_ADMIN_PASSWORD  password of the master realm's "admin" (admin console), default "admin"
#   JAVA_OPTS_KC_HEAP        heap options (default -Xms64m -Xmx512m)
#   KEYCLOAK_REALM, KEYCLOAK_CLIENT_ID, KEYCLOAK_CLIENT_SECRET   for "token" (default: keyhub, keyhub-e2e)
#   KEYCLOAK_REALMS          the realm files to import (default: deploy/keycloak/realm-keyhub.json and realm-other.json);
#                            ${...} placeholders in them are filled from this script's environment
#   KEYCLOAK_INSTANCE        a name for a second, separate instance (its own copy, pid and log under target/<name>;
#                            default "keycloak")
set -euo pipefail

KC_VERSION=26.7.3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="$ROOT/target/${KEYCLOAK_INSTANCE:-keycloak}"
KC_HOME="$BASE/keycloak-$KC_VERSION"
LOG="$BASE/keycloak.log"
PID_FILE="$BASE/keycloak.pid"
REALM_DIR="$ROOT/deploy/keycloak"
PORT="${KEYCLOAK_PORT:-8180}"
URL="http://localhost:$PORT"
READY_URL="$URL/realms/keyhub/.well-known/openid-configuration"
TIMEOUT="${KEYCLOAK_START_TIMEOUT:-180}"

say() { printf 'keycloak: %s\n' "$*"; }
die() { printf 'keycloak: %s\n' "$*" >&2; exit 1; }

# Prints the major version of the given java binary (8 for 1.8, 17, 21, ...), or nothing.
java_major() {
  local v
  v="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)" || true
  case "$v" in
    1.*) echo "${v#1.}" ;;
    '') ;;
    *) echo "${v%%.*}" ;;
  esac
}

is_21_plus() {
  local major
  [ -x "$1" ] || return 1
  major="$(java_major "$1")"
  [ -n "$major" ] && [ "$major" -ge 21 ]
}

# KEYCLOAK_JAVA_HOME, else JAVA_HOME if 21+, else java on PATH if 21+, else the newest 21+ JDK found
# under the usual install folders. Prints the JDK's home.
find_java() {
  if [ -n "${KEYCLOAK_JAVA_HOME:-}" ]; then
    is_21_plus "$KEYCLOAK_JAVA_HOME/bin/java" \
      || die "KEYCLOAK_JAVA_HOME=$KEYCLOAK_JAVA_HOME has no bin/java of version 21 or newer"
    echo "$KEYCLOAK_JAVA_HOME"; return
  fi
  if [ -n "${JAVA_HOME:-}" ] && is_21_plus "$JAVA_HOME/bin/java"; then
    echo "$JAVA_HOME"; return
  fi
  local on_path
  on_path="$(command -v java || true)"
  if [ -n "$on_path" ] && is_21_plus "$on_path"; then
    on_path="$(readlink -f "$on_path" 2>/dev/null || echo "$on_path")"
    dirname "$(dirname "$on_path")"; return
  fi
  local best="" best_major=0 candidate major
  for candidate in /usr/lib/jvm/*/bin/java /opt/java/*/bin/java /opt/*/bin/java \
                   /Library/Java/JavaVirtualMachines/*/Contents/Home/bin/java "$HOME"/.sdkman/candidates/java/*/bin/java; do
    [ -x "$candidate" ] || continue
    major="$(java_major "$candidate")"
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="$candidate"; best_major="$major"
    fi
  done
  [ -n "$best" ] || die "no JDK 21 or newer found (Keycloak $KC_VERSION needs one). Install one, or point KEYCLOAK_JAVA_HOME at it."
  dirname "$(dirname "$best")"
}

# Downloads the distribution with the Maven wrapper (cached in ~/.m2) and unpacks it once.
fetch() {
  [ -x "$KC_HOME/bin/kc.sh" ] && return
  say "fetching org.keycloak:keycloak-quarkus-dist:$KC_VERSION (tar.gz) from Maven Central"
  mkdir -p "$BASE/download"
  (cd "$ROOT" && ./mvnw -q -B dependency:copy \
      "-Dartifact=org.keycloak:keycloak-quarkus-dist:$KC_VERSION:tar.gz" \
      "-DoutputDirectory=$BASE/download") \
    || die "could not fetch the Keycloak distribution with ./mvnw"
  local archive="$BASE/download/keycloak-quarkus-dist-$KC_VERSION.tar.gz"
  [ -f "$archive" ] || die "expected $archive after the download"
  rm -rf "$KC_HOME.partial"
  mkdir -p "$KC_HOME.partial"
  tar -xzf "$archive" -C "$KC_HOME.partial" --strip-components=1
  mv "$KC_HOME.partial" "$KC_HOME"
  rm -f "$archive"
}

running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

answers() { curl -fsS -o /dev/null --max-time 5 "$READY_URL" 2>/dev/null; }

port_busy() {
  # A connection to the port that succeeds means something listens there.
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

start() {
  local pid
  if pid="$(running_pid)"; then
    if answers; then say "already running (pid $pid) at $URL"; return; fi
    say "already starting (pid $pid); waiting"
    wait_ready "$pid"; return
  fi
  if answers; then say "a Keycloak not started by this script already answers at $URL; using it"; return; fi
  port_busy && die "port $PORT is taken by something else (set KEYCLOAK_PORT)"

  fetch
  local java_home
  java_home="$(find_java)"

  # The realms are imported at start; with the in-memory database that is every start.
  mkdir -p "$KC_HOME/data/import"
  rm -f "$KC_HOME"/data/import/*.json
  local realms="${KEYCLOAK_REALMS:-$REALM_DIR/realm-keyhub.json $REALM_DIR/realm-other.json}"
  # shellcheck disable=SC2086 # a list of paths
  cp $realms "$KC_HOME/data/import/"

  mkdir -p "$BASE"
  : > "$LOG"
  say "starting Keycloak $KC_VERSION on $URL (JDK: $java_home, log: ${LOG#"$ROOT"/})"
  JAVA_HOME="$java_home" \
  JAVA_OPTS_KC_HEAP="${JAVA_OPTS_KC_HEAP:--Xms64m -Xmx512m}" \
  KC_BOOTSTRAP_ADMIN_USERNAME=admin \
  KC_BOOTSTRAP_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-admin}" \
    nohup "$KC_HOME/bin/kc.sh" start-dev \
      --http-host=127.0.0.1 \
      --http-port="$PORT" \
      --hostname="$URL" \
      --db="${KEYCLOAK_DB:-dev-mem}" \
      --import-realm \
      </dev/null >>"$LOG" 2>&1 &
  pid=$!
  echo "$pid" > "$PID_FILE"
  wait_ready "$pid"
}

wait_ready() {
  local pid="$1" started=$SECONDS
  while ! answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 60 "$LOG" >&2 || true
      die "Keycloak exited during start-up (full log: $LOG)"
    fi
    if [ $((SECONDS - started)) -ge "$TIMEOUT" ]; then
      tail -n 60 "$LOG" >&2 || true
      die "Keycloak did not answer $READY_URL within ${TIMEOUT}s (still running as pid $pid; log: $LOG)"
    fi
    sleep 2
  done
  say "ready after $((SECONDS - started))s: issuer $URL/realms/keyhub (pid $pid)"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    say "not running"
    return
  fi
  # kc.sh forwards TERM to its java child, which shuts down gracefully.
  local children
  children="$(pgrep -P "$pid" || true)"
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 30 ]; do sleep 1; waited=$((waited + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    say "still running after 30s; killing"
    local c
    for c in $children; do kill -KILL "$c" 2>/dev/null || true; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  say "stopped (pid $pid)"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if answers; then say "running (pid $pid) at $URL"; return 0; fi
    say "starting (pid $pid), not answering yet"; return 3
  fi
  if answers; then say "a Keycloak not started by this script answers at $URL"; return 0; fi
  say "not running"; return 3
}

token() {
  [ $# -eq 2 ] || die "usage: $0 token USER PASSWORD"
  local realm="${KEYCLOAK_REALM:-keyhub}" client secret response access
  case "$realm" in
    keyhub) client="${KEYCLOAK_CLIENT_ID:-keyhub-e2e}"; secret="${KEYCLOAK_CLIENT_SECRET:-keyhub-e2e-dev-secret}" ;;
    other)  client="${KEYCLOAK_CLIENT_ID:-other-e2e}";  secret="${KEYCLOAK_CLIENT_SECRET:-other-e2e-dev-secret}" ;;
    *)      client="${KEYCLOAK_CLIENT_ID:?set KEYCLOAK_CLIENT_ID}"; secret="${KEYCLOAK_CLIENT_SECRET:-}" ;;
  esac
  response="$(curl -sS --max-time 30 "$URL/realms/$realm/protocol/openid-connect/token" \
    --data-urlencode grant_type=password \
    --data-urlencode "client_id=$client" \
    --data-urlencode "client_secret=$secret" \
    --data-urlencode "username=$1" \
    --data-urlencode "password=$2" \
    --data-urlencode scope=openid)" || die "no answer from $URL (is it started?)"
  access="$(printf '%s' "$response" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
  [ -n "$access" ] || die "no token: $response"
  printf '%s\n' "$access"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  token) shift; token "$@" ;;
  java) find_java ;;
  *) echo "usage: $0 start|stop|status|token USER PASSWORD|java" >&2; exit 2 ;;
esac
