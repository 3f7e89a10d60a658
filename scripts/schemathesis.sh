#!/usr/bin/env bash
# Independent cross-check: Schemathesis (examples, coverage, fuzzing and stateful phases, every
# check) runs spec/openapi.yaml against `okta-contract serve` on a free loopback port.
#
# - Installs Schemathesis from PyPI into the project-local venv .tools/venv (git-ignored; pinned;
#   skipped when already installed).
# - Builds okta-contract with cargo, starts `okta-contract serve --port 0` with a throwaway token
#   and reads the URL from its first output line; the server is stopped on exit, also on errors.
# - Bounded for 2 cores: ST_MAX_EXAMPLES test cases per operation (default 25), ST_MAX_TIME
#   seconds for the whole run (default 240), fixed seed ST_SEED (default 1).
# - Writes JUnit + NDJSON reports (and Schemathesis's cache) to target/schemathesis/.
# - Exit status: Schemathesis's (non-zero on any failure); the summary line is printed last.
#
# Usage: scripts/schemathesis.sh [extra `st run` options]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ST_VERSION="4.32.5"
venv="$root/.tools/venv"
st="$venv/bin/st"
report_dir="$root/target/schemathesis"
max_examples="${ST_MAX_EXAMPLES:-25}"
max_time="${ST_MAX_TIME:-240}"
seed="${ST_SEED:-1}"

# shellcheck source=lib/tools.sh
source "$root/scripts/lib/tools.sh"

pip_install "$venv" schemathesis "$ST_VERSION"

# shellcheck source=lib/serve.sh
source "$root/scripts/lib/serve.sh"
serve_contract st
url="$SERVE_URL"
token="$SERVE_TOKEN"

mkdir -p "$report_dir"
st_log="$report_dir/output.txt"
set +e
# Run from the report directory so Schemathesis's cache (.schemathesis/) stays under target/.
cd "$report_dir"
"$st" --config-file "$root/scripts/schemathesis.toml" run "$root/spec/openapi.yaml" \
  --url "$url" \
  -H "Authorization: SSWS $token" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "$max_examples" \
  --max-time "$max_time" \
  --seed "$seed" \
  --generation-deterministic \
  --workers 1 \
  --request-timeout 10 \
  --suppress-health-check too_slow,filter_too_much \
  --report junit,ndjson \
  --report-dir "$report_dir" \
  "$@" 2>&1 | tee "$st_log"
status=${PIPESTATUS[0]}
set -e
cd "$root"

# The closing line, e.g. "===== 19 failures, 1 warning in 240.11s =====".
summary="$(grep -E '^=+ .* in [0-9.]+s =+$' "$st_log" | tail -1 | sed -E 's/^=+ //; s/ =+$//' || true)"
echo
echo "schemathesis summary: ${summary:-"(no summary line found; see ${st_log#"$root"/})"} (exit $status)"
exit "$status"
