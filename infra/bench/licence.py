"""The licence check measured on real plugins and the bench corpus.

    python3 infra/bench/licence.py [--validator BIN] --survey PATH... [--json OUT]
    python3 infra/bench/licence.py [--validator BIN] --overhead DIR... [--repeat N]

1. --survey: runs `plugin-validator scan PATH --checks licence --format json` on every zip or
   folder and prints, per plugin and in total: whether the plugin's licence was identified (and
   how: licence text with the detector's confidence, a statement, metadata.txt, headers), the
   source files and those with an SPDX line, the QGIS-importing modules under an incompatible
   licence (LIC003), bundled libraries, those whose licence text was dropped (LIC005) or that
   are incompatible (LIC004), unidentified licence files (LIC002) and plugins without any
   licence (LIC001). --json writes every plugin's licence section and findings, for checking a
   sample by hand.
2. --overhead: the CPU time of a full scan (every check but bundled_libraries, which needs the
   network) with and without the licence check, in paired rounds (`overhead.py`; target: at
   most 1.05).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
from collections import Counter

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from overhead import overhead  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
FULL_SCAN = ("package_structure,file_permissions,suspicious_files,security,secrets,code_quality,"
             "behaviour")


def survey_one(validator: str, path: pathlib.Path) -> dict:
    run = subprocess.run([validator, "scan", str(path), "--checks", "licence", "--format", "json"],
                         capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1):
        return {"path": str(path), "error": run.stderr.strip()[-300:]}
    report = json.loads(run.stdout)
    licence = report.get("licence") or {}
    findings = [f for f in report["findings"] if f["check"] == "licence"]
    return {"path": str(path), "plugin": report.get("plugin"), "licence": licence,
            "findings": [{k: f.get(k) for k in ("rule", "path", "line", "message")}
                         for f in findings]}


def how_identified(plugin: dict) -> str:
    files = plugin.get("files") or []
    source = plugin.get("source") or ""
    if not plugin.get("spdx"):
        return "unidentified" if files else "none"
    for f in files:
        if f.get("spdx") and source.startswith(f["path"]):
            if f["evidence"] == "text":
                return f"text {f['confidence']:.2f}"
            return "statement" if f["evidence"] == "notice" else "spdx-file"
    return "metadata" if source.startswith("metadata") else "headers"


def survey(validator: str, paths: list[pathlib.Path], out: pathlib.Path | None) -> None:
    rows = [survey_one(validator, p) for p in paths]
    totals = Counter()
    print(f"{'plugin':45s} {'licence':28s} {'how':12s} {'files':>5s} {'spdx':>5s} {'qgis':>5s} "
          f"{'L003':>4s} {'libs':>4s} {'L004':>4s} {'L005':>4s} {'L002':>4s} {'L001':>4s}")
    for row in rows:
        name = pathlib.Path(row["path"]).name[:45]
        if "error" in row:
            totals["errors"] += 1
            print(f"{name:45s} ERROR {row['error']}")
            continue
        licence, findings = row["licence"], row["findings"]
        plugin = licence.get("plugin", {})
        files = [f for f in licence.get("files", []) if not f.get("library")]
        by_rule = Counter(f["rule"] for f in findings)
        how = how_identified(plugin)
        spdx_files = sum(1 for f in files if f.get("spdx_header"))
        qgis = sum(1 for f in licence.get("files", []) if f.get("imports_qgis"))
        libraries = len(licence.get("libraries", []))
        totals["plugins"] += 1
        totals["identified"] += bool(plugin.get("spdx"))
        totals["identified by text"] += how.startswith("text")
        totals["own source files"] += len(files)
        totals["own files with an SPDX line"] += spdx_files
        totals["plugins with an SPDX line"] += spdx_files > 0
        totals["plugins with LIC003"] += by_rule["LIC003"] > 0
        totals["plugins bundling libraries"] += libraries > 0
        totals["bundled libraries"] += libraries
        totals["plugins with LIC004"] += by_rule["LIC004"] > 0
        totals["plugins with LIC005"] += by_rule["LIC005"] > 0
        totals["plugins with LIC002"] += by_rule["LIC002"] > 0
        totals["plugins with LIC001"] += by_rule["LIC001"] > 0
        totals["plugins with LIC007"] += by_rule["LIC007"] > 0
        totals[f"compatibility: {plugin.get('compatibility', 'unknown')}"] += 1
        print(f"{name:45s} {str(plugin.get('spdx') or '-')[:28]:28s} {how:12s} {len(files):5d} "
              f"{spdx_files:5d} {qgis:5d} {by_rule['LIC003']:4d} {libraries:4d} "
              f"{by_rule['LIC004']:4d} {by_rule['LIC005']:4d} {by_rule['LIC002']:4d} "
              f"{by_rule['LIC001']:4d}")
    print()
    for key, value in sorted(totals.items()):
        print(f"{key:40s} {value}")
    licences = Counter(str(r["licence"].get("plugin", {}).get("spdx")) for r in rows
                       if "error" not in r)
    print("\nplugin licences:", ", ".join(f"{k} {v}" for k, v in licences.most_common()))
    if out:
        out.write_text(json.dumps(rows, indent=1))
        print(f"\nevery plugin's licence section and findings: {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validator", default=str(ROOT / "target/release/plugin-validator"))
    parser.add_argument("--survey", nargs="*", type=pathlib.Path, default=[])
    parser.add_argument("--json", type=pathlib.Path)
    parser.add_argument("--overhead", nargs="*", type=pathlib.Path, default=[])
    parser.add_argument("--repeat", type=int, default=31)
    args = parser.parse_args()
    if args.survey:
        survey(args.validator, args.survey, args.json)
    if args.overhead:
        overhead(args.validator, args.overhead, args.repeat, FULL_SCAN, "licence", 1.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
