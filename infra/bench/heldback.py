#!/usr/bin/env python3
"""Scan held-back behaviour samples and print one Markdown table row per case.

usage: heldback.py VALIDATOR CASE_DIR...   (each CASE_DIR: a plugin folder with metadata.txt
and expected.txt; its parent's name says what it is: `benign` for a look-alike, anything else
(`malicious`, `open`: misses still open) for a malicious sample)

A malicious case is `blocked` when a behaviour finding blocks, `held` when one is held for
review, `missed` otherwise; a look-alike is `flagged` when any behaviour finding blocks or is
held, `clean` otherwise. Informational findings (the loaded scope, BHV9xx) are ignored.
"""
import json
import subprocess
import sys
from pathlib import Path


def scan(validator, case):
    out = subprocess.run(
        [validator, "scan", str(case), "--checks", "behaviour", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(out.stdout)
    except json.JSONDecodeError:
        sys.exit(f"{case}: no JSON report (exit {out.returncode}): {out.stderr.strip()}")
    return [f for f in report["findings"] if f["check"] == "behaviour"]


def main():
    validator, cases = sys.argv[1], [Path(p) for p in sys.argv[2:]]
    print("| case | kind | expected | found | result |")
    print("|---|---|---|---|---|")
    totals = {}
    for case in cases:
        kind = "benign" if case.parent.name == "benign" else "malicious"
        expected = " ".join(sorted(l.split()[0] for l in (case / "expected.txt").read_text().splitlines() if l.strip()))
        findings = scan(validator, case)
        blocking = sorted({f["rule"] for f in findings if f["blocking"]})
        held = sorted({f["rule"] for f in findings if f.get("review") and not f["blocking"]})
        found = " ".join([r + " (block)" for r in blocking] + [r + " (review)" for r in held]) or "-"
        if kind == "malicious":
            result = "blocked" if blocking else "held" if held else "missed"
        else:
            result = "flagged" if blocking or held else "clean"
        totals[(kind, result)] = totals.get((kind, result), 0) + 1
        print(f"| {case.name} | {kind} | {expected or '-'} | {found} | {result} |")
    print()
    print(", ".join(f"{k} {r}: {n}" for (k, r), n in sorted(totals.items())))


if __name__ == "__main__":
    main()
