"""The dependencies check measured on real plugins and the bench corpus (issue #27).

    python3 infra/bench/dependencies.py [--validator BIN] --advisories DIR --survey PATH... [--json OUT]
    python3 infra/bench/dependencies.py [--validator BIN] --advisories DIR --overhead DIR... [--repeat N]

DIR is a folder of OSV records (a checkout of github.com/pypa/advisory-database, its `vulns/`)
or an OSV export zip, so that the numbers do not depend on the network or on the day's cache.

1. --survey: runs `plugin-validator scan PATH --checks dependencies --format json --advisories
   DIR` on every zip or folder and prints, per plugin: its dependencies by origin (bundled,
   declared, installed), those with known vulnerabilities, malicious ones, unpinned ones and
   those not checked; then the totals, how many plugins bundle or declare a dependency with
   known advisories, and the packages most often vulnerable. --json writes every plugin's
   dependencies section and findings.
2. --overhead: the CPU time of a full scan (every check but bundled_libraries, which needs the
   network) with and without the dependencies check, in paired rounds (`overhead.py`; target:
   at most 1.05). With a folder of records the index is loaded once per scan: that load is the
   check's cost in the CLI (a Lambda instance loads it once).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
from collections import Counter

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from overhead import overhead  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
FULL_SCAN = ("package_structure,file_permissions,suspicious_files,security,secrets,code_quality,"
             "behaviour,licence")


def survey_one(validator: str, path: pathlib.Path, advisories: pathlib.Path) -> dict:
    run = subprocess.run([validator, "scan", str(path), "--checks", "dependencies",
                          "--format", "json", "--advisories", str(advisories)],
                         capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1):
        return {"path": str(path), "error": run.stderr.strip()[-300:]}
    report = json.loads(run.stdout)
    findings = [f for f in report["findings"] if f["check"] == "dependencies"]
    return {"path": str(path), "plugin": report.get("plugin"),
            "dependencies": report.get("dependencies") or {},
            "findings": [{k: f.get(k) for k in ("rule", "path", "line", "message")}
                         for f in findings]}


def survey(validator: str, paths: list[pathlib.Path], advisories: pathlib.Path,
           out: pathlib.Path | None) -> None:
    rows = [survey_one(validator, p, advisories) for p in paths]
    totals: Counter = Counter()
    packages: Counter = Counter()
    print(f"{'plugin':45s} {'bund':>4s} {'decl':>4s} {'inst':>4s} {'vuln':>4s} {'crit':>4s} "
          f"{'mal':>4s} {'unpin':>5s} {'n/c':>4s}  upgrades")
    for row in rows:
        name = pathlib.Path(row["path"]).name[:45]
        if "error" in row:
            totals["errors"] += 1
            print(f"{name:45s} ERROR {row['error']}")
            continue
        deps = row["dependencies"].get("dependencies", [])
        origin = Counter(d["origin"] for d in deps)
        vulnerable = [d for d in deps if d.get("vulnerabilities")]
        malicious = [d for d in vulnerable
                     if any(v.get("malicious") for v in d["vulnerabilities"])]
        critical = [d for d in vulnerable
                    if any(v.get("severity") == "critical" for v in d["vulnerabilities"])]
        unpinned = [d for d in deps if not d.get("version") and d["origin"] != "bundled"]
        not_checked = [d for d in deps if d["advisories"]["state"] == "not_checked"]
        totals["plugins"] += 1
        totals["plugins with dependencies"] += bool(deps)
        for key in ("bundled", "declared", "installed"):
            totals[f"dependencies {key}"] += origin[key]
            totals[f"plugins with {key} dependencies"] += origin[key] > 0
        totals["plugins with a vulnerable dependency"] += bool(vulnerable)
        totals["plugins with a vulnerable bundled or declared dependency"] += any(
            d["origin"] in ("bundled", "declared") for d in vulnerable)
        totals["plugins with a critical advisory"] += bool(critical)
        totals["plugins with a malicious dependency"] += bool(malicious)
        totals["plugins with an unpinned requirement or install"] += bool(unpinned)
        totals["dependencies not checked"] += len(not_checked)
        totals["advisories (merged) in total"] += sum(len(d["vulnerabilities"]) for d in vulnerable)
        for d in vulnerable:
            packages[d["name"].lower()] += 1
        upgrades = "; ".join(
            f"{d['name']} {d.get('version', '')} -> {d.get('upgrade_to') or 'no fix'}"
            for d in vulnerable)
        print(f"{name:45s} {origin['bundled']:4d} {origin['declared']:4d} "
              f"{origin['installed']:4d} {len(vulnerable):4d} {len(critical):4d} "
              f"{len(malicious):4d} {len(unpinned):5d} {len(not_checked):4d}  {upgrades[:120]}")
    print()
    for key, value in sorted(totals.items()):
        print(f"{key:60s} {value}")
    print("\nmost often vulnerable:", ", ".join(f"{k} {v}" for k, v in packages.most_common(15)))
    if out:
        out.write_text(json.dumps(rows, indent=1))
        print(f"\nevery plugin's dependencies section and findings: {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validator", default=str(ROOT / "target/release/plugin-validator"))
    parser.add_argument("--advisories", type=pathlib.Path, required=True)
    parser.add_argument("--survey", nargs="*", type=pathlib.Path, default=[])
    parser.add_argument("--json", type=pathlib.Path)
    parser.add_argument("--overhead", nargs="*", type=pathlib.Path, default=[])
    parser.add_argument("--repeat", type=int, default=31)
    args = parser.parse_args()
    if args.survey:
        survey(args.validator, args.survey, args.advisories, args.json)
    if args.overhead:
        # The check reads its advisories from the environment in the overhead runs.
        os.environ["PLUGIN_VALIDATOR_ADVISORIES"] = str(args.advisories)
        os.environ["PLUGIN_VALIDATOR_PACKAGE_INDEX"] = "off"
        overhead(args.validator, args.overhead, args.repeat, FULL_SCAN, "dependencies", 1.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
