#!/usr/bin/env bash
# The benchmark: our `scan --rules all` against bandit + detect-secrets + flake8 on real Python.
#   infra/bench/run.sh [--quick] [--only NAME ...] [--our-repeat N] [--flake8-args "..."]
# Builds the release binary, installs the pinned reference tools (once), fetches and packs the
# corpus (once, under target/bench and VALIDATOR_REFERENCE_DIR), runs both sides alternately on
# each input and writes target/bench/results.json and results.md. Not part of cargo test or CI:
# the full corpus takes many minutes of the reference tools' time.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    cargo build --release --locked --bin plugin-validator >&2
fi
venv=$(bash infra/python-tools.sh reference)
exec "$venv/bin/python" infra/bench/bench.py run --venv "$venv" "$@"
