# Sourced by the scripts that run a client against the simulator (examples, interop, Schemathesis).
#
# start_serve BIN [SERVE_ARGS…]: builds nothing; starts `BIN serve --port 0 SERVE_ARGS…` in the
# background and waits for its first line (`listening on URL`). Sets SERVE_URL, SERVE_PID and
# SERVE_OUT (the server's output, for callers that inspect it). Exits 2 if the server dies or
# prints no URL within 10 s. The caller stops it with stop_serve (typically in its EXIT trap).
#
# serve_contract TOKEN_PREFIX [SERVE_ARGS…]: builds okta-contract (in CARGO_TARGET_DIR or
# target/), makes a throwaway token `TOKEN_PREFIX-<16 hex>` (SERVE_TOKEN), sets an EXIT trap
# that stops the server and starts it with `--token SERVE_TOKEN SERVE_ARGS…`. Expects `root` and
# `log` (scripts/lib/tools.sh).

start_serve() {
  local bin="$1"
  shift
  SERVE_OUT="$(mktemp)"
  "$bin" serve --port 0 "$@" >"$SERVE_OUT" 2>&1 &
  SERVE_PID=$!
  SERVE_URL=""
  for _ in $(seq 1 100); do
    SERVE_URL="$(sed -n '1s/^listening on //p' "$SERVE_OUT")"
    [[ -n "$SERVE_URL" ]] && return 0
    if ! kill -0 "$SERVE_PID" 2>/dev/null; then
      printf '==> serve exited:\n' >&2
      cat "$SERVE_OUT" >&2
      exit 2
    fi
    sleep 0.1
  done
  printf '==> serve printed no URL\n' >&2
  cat "$SERVE_OUT" >&2
  exit 2
}

stop_serve() {
  [[ -n "${SERVE_PID:-}" ]] && kill "$SERVE_PID" 2>/dev/null || true
  [[ -n "${SERVE_PID:-}" ]] && wait "$SERVE_PID" 2>/dev/null || true
  [[ -n "${SERVE_OUT:-}" ]] && rm -f "$SERVE_OUT"
  return 0
}

serve_contract() {
  local prefix="$1"
  shift
  log "building okta-contract"
  cargo build --quiet -p okta-contract
  local bin="${CARGO_TARGET_DIR:-$root/target}/debug/okta-contract"
  SERVE_TOKEN="$prefix-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  trap stop_serve EXIT
  start_serve "$bin" --token "$SERVE_TOKEN" "$@"
  log "simulator at $SERVE_URL"
}
