#!/usr/bin/env bash
# Lambda sizing: process start-up of the release binary, and peak RSS and time of
# `plugin-validator scan --checks <id>` per check on the largest corpus zip (near the 25 MB
# limit), which approximates what each check's Lambda needs. Prints and writes
# target/bench/lambda-sizing.{json,md} with a MemorySize and Timeout per check.
#   infra/bench/lambda-sizing.sh [--zip ZIP] [--checks a,b] [--repeat N] [--binary PATH]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    cargo build --release --locked --bin plugin-validator >&2
fi
exec python3 infra/bench/bench.py lambda-sizing "$@"
