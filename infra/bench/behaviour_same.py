#!/usr/bin/env python3
"""Checks that two validator binaries give the same behaviour findings (issue #25 item 8).

An optimisation of the behaviour analysis must not change its results. This runs
`scan --checks behaviour --format json` with both binaries on each zip and compares the JSON
with the fields that vary between runs (durations, timestamps) masked.

    python3 infra/bench/behaviour_same.py --before OLD_BIN --after NEW_BIN ZIP...

Exit 0 when every report is identical, 1 otherwise (the differing zips are listed).
"""

import argparse
import json
import subprocess
import sys

# Fields that differ between two runs of the same binary.
VOLATILE = {"duration_ms", "generated_at"}


def masked(value):
    if isinstance(value, dict):
        return {k: ("*" if k in VOLATILE else masked(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def report(binary, zip_path):
    run = subprocess.run(
        [binary, "scan", "--checks", "behaviour", "--format", "json", zip_path],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode not in (0, 1):
        raise SystemExit(f"{binary} failed on {zip_path} (exit {run.returncode}): {run.stderr}")
    return json.dumps(masked(json.loads(run.stdout)), indent=1, sort_keys=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("zips", nargs="+")
    args = parser.parse_args()
    differing = []
    for zip_path in args.zips:
        before = report(args.before, zip_path)
        after = report(args.after, zip_path)
        findings = len(json.loads(before)["findings"])
        same = before == after
        print(f"{'same' if same else 'DIFFERENT'}  {findings:4} findings  {zip_path}")
        if not same:
            differing.append(zip_path)
    print(f"{len(args.zips) - len(differing)} of {len(args.zips)} identical")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
