#!/usr/bin/env bash
# The simulator at scale (issue 11): req/s, p50 and p99 of list pages (first, middle and last
# via `after`), a status search, a one-device search, a prefix, a suffix, two substring
# searches, a boolean and a time-range search, a GET and writes at 1k, 10k and 100k devices and
# at 1k and 5k policies with rules, the server's memory after seeding, and Prism answering the
# simulator's own bodies.
#
#   bash scripts/sim-scale.sh              # everything (a few minutes; installs Prism from npm)
#   bash scripts/sim-scale.sh --no-prism   # without Prism (no Node needed)
#   bash scripts/sim-scale.sh --smoke      # a 1k-device, 200-policy org, 200 requests a route
#
# Builds `okta-contract` and the `sim_load` example (simulator/examples/sim_load.rs) in release
# mode, runs `okta-contract serve --port 0` per org size on 127.0.0.1 and prints a Markdown table
# (also written to target/sim-scale.md). Prism is installed with npm into target/prism (the
# target directory is CARGO_TARGET_DIR when set).
set -euo pipefail
cd "$(dirname "$0")/.."

PRISM_VERSION=5.14.2
prism=yes
args=()
for arg in "$@"; do
  case "$arg" in
    --no-prism) prism=no ;;
    --smoke) prism=no; args+=(--devices 1000 --policies 200 --rules-per-policy 3 --requests 200 --max-secs 2) ;;
    *) args+=("$arg") ;;
  esac
done

# Cargo's target directory (CARGO_TARGET_DIR when set).
out="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet -p okta-contract --bin okta-contract
cargo build --release --quiet -p okta-sim --example sim_load

if [ "$prism" = yes ]; then
  dir="$out/prism"
  bin="$dir/node_modules/.bin/prism"
  if ! [ -x "$bin" ] || ! grep -q "\"version\": \"$PRISM_VERSION\"" "$dir/node_modules/@stoplight/prism-cli/package.json" 2>/dev/null; then
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "@stoplight/prism-cli@$PRISM_VERSION"
  fi
  args+=(--prism "$bin")
fi

"$out/release/examples/sim_load" --serve "$out/release/okta-contract" "${args[@]}" | tee "$out/sim-scale.md"
