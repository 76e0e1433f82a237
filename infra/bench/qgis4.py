"""The qgis4 check measured on real plugins and the bench corpus.

    python3 infra/bench/qgis4.py [--validator BIN] --survey PATH... [--json OUT]
    python3 infra/bench/qgis4.py [--validator BIN] --agreement PATH...
    python3 infra/bench/qgis4.py [--validator BIN] --overhead DIR... [--repeat N]

1. --survey: runs `plugin-validator scan PATH --checks qgis4 --format json` on every zip or
   folder and prints, per plugin, its QGIS 4 readiness (ready, declared but not ready, not
   ready, not declared), the places to change and the rules found; then the totals.
2. --agreement: runs QGIS's migration script (infra/qgis4-reference.sh, in the venv of
   `infra/python-tools.sh qgis4`, through infra/qgis4/reference.py) on every plugin folder (a
   zip is extracted first; the zip's top folder is the plugin) and compares its places with
   ours on (file, line, kind): precision and recall per plugin and in total (target: 99 %).
3. --overhead: the CPU time of a full scan (every check but bundled_libraries, which needs the
   network) with and without the qgis4 check, in paired rounds (`overhead.py`; target: at most
   1.05).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from overhead import overhead  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
FULL_SCAN = ("package_structure,file_permissions,suspicious_files,security,secrets,code_quality,"
             "behaviour,licence")
STATES = ["ready", "declared_not_ready", "not_ready", "not_declared"]


def scan(validator: str, path: pathlib.Path) -> dict:
    run = subprocess.run([validator, "scan", str(path), "--checks", "qgis4", "--rules", "all",
                          "--format", "json"], capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1):
        return {"error": run.stderr.strip()[-300:]}
    return json.loads(run.stdout)


def survey(validator: str, paths: list[pathlib.Path], out: pathlib.Path | None) -> None:
    rows = []
    totals = Counter()
    print(f"{'plugin':45s} {'state':20s} {'places':>6s}  rules")
    for path in paths:
        report = scan(validator, path)
        name = path.name[:45]
        if "error" in report:
            totals["errors"] += 1
            print(f"{name:45s} ERROR {report['error']}")
            continue
        readiness = report.get("qgis4") or {}
        state = readiness.get("state", "unknown")
        findings = [f for f in report["findings"] if f["check"] == "qgis4"]
        by_rule = Counter(f["rule"] for f in findings)
        totals["plugins"] += 1
        totals[f"state: {state}"] += 1
        totals["declared (qgisMaximumVersion >= 4)"] += bool(readiness.get("declared"))
        totals["deprecated supportsQt6 flag set"] += bool(readiness.get("supports_qt6"))
        totals["places"] += readiness.get("places", 0)
        for rule in by_rule:
            totals[f"plugins with {rule}"] += 1
        rows.append({"path": str(path), "plugin": report.get("plugin"), "qgis4": readiness,
                     "rules": dict(by_rule)})
        rules = " ".join(f"{r}:{n}" for r, n in sorted(by_rule.items()))
        print(f"{name:45s} {state:20s} {readiness.get('places', 0):6d}  {rules}")
    print()
    for key, value in sorted(totals.items()):
        print(f"{key:40s} {value}")
    if out:
        out.write_text(json.dumps(rows, indent=1))
        print(f"\nevery plugin's readiness and rules: {out}")


def tool_output(argv: list[str]) -> str:
    run = subprocess.run(argv, capture_output=True, text=True, check=True)
    return run.stdout.strip()


def plugin_folder(path: pathlib.Path, tmp: pathlib.Path) -> pathlib.Path:
    """The plugin's folder: PATH itself, or the top folder of the extracted zip."""
    if path.is_dir():
        return path
    dest = tmp / path.stem
    with zipfile.ZipFile(path) as z:
        z.extractall(dest)
    tops = [p for p in dest.iterdir() if p.is_dir() and not p.name.startswith("__MACOSX")]
    return tops[0] if len(tops) == 1 else dest


def agreement(validator: str, paths: list[pathlib.Path]) -> float:
    python = pathlib.Path(tool_output(["bash", str(ROOT / "infra/python-tools.sh"), "qgis4"]))
    python = python / "bin/python"
    script = tool_output(["bash", str(ROOT / "infra/qgis4-reference.sh")])
    harness = ROOT / "infra/qgis4/reference.py"
    matched = reference = ours = 0
    left_out = 0
    print(f"{'plugin':45s} {'matched':>7s} {'ref':>5s} {'ours':>5s}  missed / extra")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = pathlib.Path(tmp_name)
        for path in paths:
            folder = plugin_folder(path, tmp)
            report = scan(validator, folder)
            if "error" in report:
                print(f"{path.name[:45]:45s} ERROR {report['error']}")
                continue
            ours_path = tmp / "ours.json"
            ours_path.write_text(json.dumps(report))
            result = json.loads(tool_output([str(python), str(harness), "compare", script,
                                             str(folder), str(ours_path)]))
            matched += result["matched"]
            reference += result["reference"]
            ours += result["ours"]
            left_out += len(result["files_left_out"])
            print(f"{path.name[:45]:45s} {result['matched']:7d} {result['reference']:5d} "
                  f"{result['ours']:5d}  {result['missed'][:3]} / {result['extra'][:3]}")
    precision = matched / ours if ours else 1.0
    recall = matched / reference if reference else 1.0
    print(f"\nqgis4 agreement with pyqt5_to_pyqt6.py: precision {precision:.4f}, recall "
          f"{recall:.4f} ({matched} of {reference} reference places, {ours} ours; {left_out} "
          f"file(s) the script stopped on left out)")
    return min(precision, recall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validator", default=str(ROOT / "target/release/plugin-validator"))
    parser.add_argument("--survey", nargs="*", type=pathlib.Path, default=[])
    parser.add_argument("--json", type=pathlib.Path)
    parser.add_argument("--agreement", nargs="*", type=pathlib.Path, default=[])
    parser.add_argument("--overhead", nargs="*", type=pathlib.Path, default=[])
    parser.add_argument("--repeat", type=int, default=31)
    args = parser.parse_args()
    if args.survey:
        survey(args.validator, args.survey, args.json)
    if args.agreement:
        agreement(args.validator, args.agreement)
    if args.overhead:
        overhead(args.validator, args.overhead, args.repeat, FULL_SCAN, "qgis4", 1.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
