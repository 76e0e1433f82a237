"""The signatures check measured on real plugins and the bench corpus.

    python3 infra/bench/signatures.py [--validator BIN] --survey PATH... [--signatures DIR]
    python3 infra/bench/signatures.py [--validator BIN] --agreement PATH...
    python3 infra/bench/signatures.py [--validator BIN] --overhead DIR... [--repeat N]

1. --survey: runs `plugin-validator scan PATH --checks signatures --format json` (the shipped
   packs, plus --signatures DIR) on every zip or folder and lists every plugin the check would
   block or hold for review, with the rules and files; then the totals (target for the shipped
   packs: blocks none, holds at most 2 %).
2. --agreement: runs libyara (yara-python, `infra/python-tools.sh yara`, through
   infra/signatures/yara_matches.py --path-include) with the shipped packs on every plugin
   folder (a zip is extracted first) and compares its (file, rule) matches with the check's
   findings on the same files (members of nested archives, which libyara does not open, are
   left out of the comparison).
3. --overhead: the CPU time of a scan with and without the signatures check, in paired rounds
   (`overhead.py`; target: at most 1.10). `--base full` (the default): the eight checks the
   other checks' overhead harnesses use; `--base default`: every check of the default scan but
   bundled_libraries (which fetches releases over the network), the dependencies check reading
   an empty advisory folder. Both sides load the compiled packs from the cache of compiled
   sets (`PLUGIN_VALIDATOR_SIGNATURES_CACHE`, docs/signatures.md) after the first run, as a
   Lambda container keeps them in memory for all its scans.
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
# `--base default`: every check of the default scan but bundled_libraries (it fetches releases
# over the network); the dependencies check reads an empty advisory folder, as scan_speed.py's.
DEFAULT_SCAN = FULL_SCAN + ",dependencies,qgis4"
PACKS = ROOT / "shared/signatures-check/packs"


def scan(validator: str, path: pathlib.Path, signatures: pathlib.Path | None) -> dict:
    command = [validator, "scan", str(path), "--checks", "signatures", "--format", "json"]
    if signatures:
        command += ["--signatures", str(signatures)]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1):
        return {"error": run.stderr.strip()[-300:]}
    return json.loads(run.stdout)


def survey(validator: str, paths: list[pathlib.Path], signatures: pathlib.Path | None) -> None:
    totals = Counter()
    by_rule = Counter()
    for path in paths:
        report = scan(validator, path, signatures)
        totals["plugins"] += 1
        if "error" in report:
            totals["errors"] += 1
            print(f"ERROR {path.name}: {report['error']}")
            continue
        findings = [f for f in report["findings"] if f["check"] == "signatures"]
        for f in findings:
            by_rule[f["rule"]] += 1
        blocks = [f for f in findings if f.get("blocking")]
        holds = [f for f in findings if f.get("review")]
        if blocks:
            totals["blocked"] += 1
        elif holds:
            totals["held"] += 1
        for kind, listed in (("BLOCK", blocks), ("HOLD", holds)):
            for f in listed:
                print(f"{kind} {path.name}: {f['rule']} {f['path']}:{f.get('line')} "
                      f"{f['message'][:160]}")
    n = max(totals["plugins"] - totals["errors"], 1)
    print(f"\n{totals['plugins']} plugins, {totals['errors']} errors; blocked "
          f"{totals['blocked']} ({100 * totals['blocked'] / n:.1f} %), held for review "
          f"{totals['held']} ({100 * totals['held'] / n:.1f} %)")
    print("findings by rule (reported ones included):")
    for rule, count in by_rule.most_common():
        print(f"  {count:5d}  {rule}")


def plugin_folder(path: pathlib.Path, tmp: pathlib.Path) -> pathlib.Path:
    if path.is_dir():
        return path
    target = tmp / path.stem
    with zipfile.ZipFile(path) as z:
        z.extractall(target)
    return target


def agreement(validator: str, paths: list[pathlib.Path]) -> None:
    venv = subprocess.run(["bash", str(ROOT / "infra/python-tools.sh"), "yara"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours_total = theirs_total = matched = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            folder = plugin_folder(path, pathlib.Path(tmp))
            run = subprocess.run([f"{venv}/bin/python",
                                  str(ROOT / "infra/signatures/yara_matches.py"),
                                  "--path-include", str(PACKS), "--", str(folder)],
                                 capture_output=True, text=True, check=False)
            theirs = set()
            for line in run.stdout.splitlines():
                row = json.loads(line)
                if "rule" in row:
                    theirs.add((row["path"], row["rule"]))
            report = scan(validator, folder, None)
            if "error" in report:
                print(f"ERROR {path.name}: {report['error']}")
                continue
            # The check names files inside the zip it packs from the folder: `<folder>/<file>`.
            prefix = folder.name + "/"
            ours = {(f["path"][len(prefix):] if f["path"].startswith(prefix) else f["path"],
                     f["rule"])
                    for f in report["findings"]
                    if f["check"] == "signatures" and "!" not in f["path"]
                    and not f["rule"].startswith(("SIG:hashes/", "SIG:scan/"))}
            ours_total += len(ours)
            theirs_total += len(theirs)
            matched += len(ours & theirs)
            if ours != theirs:
                print(f"{path.name}: YARA-X only {sorted(ours - theirs)[:3]} / libyara only "
                      f"{sorted(theirs - ours)[:3]}")
    precision = matched / ours_total if ours_total else 1.0
    recall = matched / theirs_total if theirs_total else 1.0
    print(f"\nsignatures agreement with libyara: precision {precision:.4f}, recall {recall:.4f} "
          f"({matched} of {theirs_total} libyara (file, rule) matches, {ours_total} ours)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validator", default=str(ROOT / "target/release/plugin-validator"))
    parser.add_argument("--survey", nargs="*", type=pathlib.Path, default=[])
    parser.add_argument("--signatures", type=pathlib.Path)
    parser.add_argument("--agreement", nargs="*", type=pathlib.Path, default=[])
    parser.add_argument("--overhead", nargs="*", type=pathlib.Path, default=[])
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--base", choices=("full", "default"), default="full",
                        help="the scan the check is added to: the eight checks every overhead "
                             "harness uses (full), or the default scan's checks but "
                             "bundled_libraries (default)")
    args = parser.parse_args()
    if args.survey:
        survey(args.validator, args.survey, args.signatures)
    if args.agreement:
        agreement(args.validator, args.agreement)
    if args.overhead:
        if args.base == "default":
            with tempfile.TemporaryDirectory() as advisories:
                overhead(args.validator, args.overhead, args.repeat, DEFAULT_SCAN, "signatures",
                         1.10, ("--advisories", advisories))
        else:
            overhead(args.validator, args.overhead, args.repeat, FULL_SCAN, "signatures", 1.10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
