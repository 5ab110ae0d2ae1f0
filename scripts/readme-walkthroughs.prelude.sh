# The start of target/readme-walkthroughs.sh (scripts/ReadmeWalkthroughs.java appends the README's blocks): dev mode
# started and stopped, and every answer checked against the README.
set -euo pipefail
KH_DIR=$(mktemp -d)
kh_dev_pid=""
kh_dev_args="-"
kh_keycloak_was_up=false
if bash scripts/keycloak.sh status >/dev/null 2>&1; then kh_keycloak_was_up=true; fi

kh_stop_dev() {
  if [ -n "$kh_dev_pid" ]; then
    kill -TERM -- "-$kh_dev_pid" 2>/dev/null || true
    wait "$kh_dev_pid" 2>/dev/null || true
    # Until every process of dev mode is gone (the embedded PostgreSQL stops with the JVM's shutdown hook).
    for _ in $(seq 1 240); do
      kill -0 -- "-$kh_dev_pid" 2>/dev/null || break
      sleep 0.5
    done
    kh_dev_pid=""
  fi
}

kh_cleanup() {
  kh_stop_dev
  if [ "$kh_keycloak_was_up" = false ] && bash scripts/keycloak.sh status >/dev/null 2>&1; then
    bash scripts/keycloak.sh stop >/dev/null 2>&1 || true
  fi
  rm -rf "$KH_DIR"
}
trap kh_cleanup EXIT

kh_fail() {
  echo "FAILED: $KH_CMD" >&2
  echo "  $1" >&2
  [ -f "$KH_DIR/body" ] && echo "  answer: $(head -c 2000 "$KH_DIR/body")" >&2
  exit 1
}

# (Re)starts dev mode with these arguments, as the README's ./mvnw quarkus:dev line does, and waits until it is ready.
kh_dev() {
  if [ "$*" = "$kh_dev_args" ] && [ -n "$kh_dev_pid" ]; then
    return 0
  fi
  kh_stop_dev
  KH_CMD="./mvnw quarkus:dev $*"
  echo "== $KH_CMD"
  setsid ./mvnw -B quarkus:dev -Dquarkus.console.enabled=false "$@" > target/readme-dev.log 2>&1 < /dev/null &
  kh_dev_pid=$!
  kh_dev_args="$*"
  for _ in $(seq 1 1200); do
    if command curl -sf -o /dev/null localhost:8080/q/health/ready; then
      return 0
    fi
    kill -0 "$kh_dev_pid" 2>/dev/null || { tail -n 60 target/readme-dev.log >&2; kh_fail "dev mode exited"; }
    sleep 0.5
  done
  tail -n 60 target/readme-dev.log >&2
  kh_fail "dev mode was not ready within 10 minutes"
}

# Every curl of the README goes through here: the answer is printed as curl -s prints it, and kept for kh_expect.
curl() {
  local status
  status=$(command curl -o "$KH_DIR/body" -w '%{http_code}' "$@") || kh_fail "curl could not reach the service"
  printf '%s' "$status" > "$KH_DIR/status"
  cat "$KH_DIR/body"
}

kh_begin() {
  KH_CMD=$1
  rm -f "$KH_DIR/status" "$KH_DIR/body"
}

# $1: the status the README names ("" for any 2xx or 3xx); then the "key":value pairs the answer must contain.
kh_expect() {
  local want=$1 got
  shift
  [ -f "$KH_DIR/status" ] || { echo "ok   (no request)  ${KH_CMD:0:100}"; return 0; }
  got=$(cat "$KH_DIR/status")
  echo
  if [ -n "$want" ]; then
    [ "$got" = "$want" ] || kh_fail "answered $got; the README says $want"
  else
    case "$got" in 2??|3??) ;; *) kh_fail "answered $got" ;; esac
  fi
  local pair
  for pair in "$@"; do
    grep -qF -- "$pair" "$KH_DIR/body" || kh_fail "the answer has no $pair, which the README shows"
  done
  echo "ok   $got  ${KH_CMD:0:100}"
}
