#!/usr/bin/env bash
# Interop suite: the official Okta SDKs run realistic flows against `okta-contract serve`:
# Python (`okta` on PyPI, pinned; scripts/interop/python_sdk_flows.py) and Node.js
# (`@okta/okta-sdk-nodejs` on npm, pinned; scripts/interop/node_sdk_flows.js).
#
# - Installs the Python SDK into the project-local venv .tools/venv and the Node SDK into
#   .tools/node-interop (both git-ignored; pinned; skipped when already installed), the way
#   scripts/schemathesis.sh installs Schemathesis. Without `node`/`npm` the Node flows are
#   skipped with a notice.
# - Builds okta-contract, starts `okta-contract serve --port 0` with a throwaway token and reads
#   the URL from its first output line; the server is stopped on exit, also on errors.
# - The simulator runs with --check-responses: every answer it gives is validated against
#   spec/openapi.yaml (strict), so the SDKs decode the answers and the schema check validates
#   them; any `response-check:` line it prints fails the run.
# - Each flow prints one line per step and `N passed, N failed`; the script exits non-zero when
#   a step of either failed.
#
# Usage: scripts/interop.sh [-v]   (-v prints a traceback for each failed step)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
OKTA_PY_VERSION="3.4.6"
OKTA_NODE_VERSION="8.1.0"
venv="$root/.tools/venv"
node_dir="$root/.tools/node-interop"

# shellcheck source=lib/tools.sh
source "$root/scripts/lib/tools.sh"

install_sdk() {
  pip_install "$venv" okta "$OKTA_PY_VERSION" "okta (Python SDK)"
}

install_node_sdk() {
  local stamp="$node_dir/.okta-sdk-nodejs-$OKTA_NODE_VERSION"
  [[ -f "$stamp" ]] && return
  log "installing @okta/okta-sdk-nodejs $OKTA_NODE_VERSION into .tools/node-interop"
  mkdir -p "$node_dir"
  [[ -f "$node_dir/package.json" ]] || printf '{"private": true}\n' >"$node_dir/package.json"
  (cd "$node_dir" && npm install --no-audit --no-fund --silent "@okta/okta-sdk-nodejs@$OKTA_NODE_VERSION")
  touch "$stamp"
}

install_sdk
have_node=0
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  install_node_sdk
  have_node=1
fi

# shellcheck source=lib/serve.sh
source "$root/scripts/lib/serve.sh"
serve_contract interop --check-responses
url="$SERVE_URL"
token="$SERVE_TOKEN"
server_out="$SERVE_OUT"

status=0
log "okta-sdk-python $OKTA_PY_VERSION flows"
timeout 120 "$venv/bin/python" "$root/scripts/interop/python_sdk_flows.py" "$url" "$token" "$@" || status=1
if [[ "$have_node" == 1 ]]; then
  log "okta-sdk-nodejs $OKTA_NODE_VERSION flows"
  OKTA_NODE_SDK_DIR="$node_dir" timeout 120 node "$root/scripts/interop/node_sdk_flows.js" "$url" "$token" "$@" || status=1
else
  log "node/npm not found: Node.js SDK flows skipped"
fi
checks="$(grep -c '^response-check:' "$server_out" || true)"
if [[ "$checks" != 0 ]]; then
  log "the simulator's answers disagree with spec/openapi.yaml ($checks):"
  grep '^response-check:' "$server_out" | head -50 >&2
  status=1
else
  log "every answer the SDKs received validates against spec/openapi.yaml"
fi
exit "$status"
