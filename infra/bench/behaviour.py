"""The behaviour check side by side with GuardDog, and its cost in a full scan.

    python3 infra/bench/behaviour.py [--validator BIN] [--guarddog BIN] [--overhead DIR ...]

1. Runs `plugin-validator scan --checks behaviour` and `guarddog pypi scan` on every sample of
   the labelled corpus (tests/fixtures/behaviour/{malicious,benign}/<case>, `*.hex` files
   written as bytes) and prints both confusion matrices. A sample counts as flagged by us when
   the behaviour check reports anything (block or review), by GuardDog when one of its
   `threat-*` rules matches (its `capability-*` rules are an inventory, listed separately).
   Fails (exit 1) when GuardDog catches a malicious sample we miss or we flag a benign sample
   GuardDog leaves alone.
2. With --overhead DIR...: measures the CPU time of a scan of each folder with and without the
   behaviour check, alternating, --repeat times, and prints the median ratio (target <= 1.15).
   `--base six` (the default, the base of every earlier measurement): the six checks the
   validator had when the target was set; `--base default`: every check of today's default
   scan but bundled_libraries (it fetches releases over the network), the dependencies check
   reading an empty advisory folder, as signatures.py's `--base default`. The issue's "share of
   a full scan" is the second; both are printed in docs/behaviour.md.

GuardDog comes from `infra/python-tools.sh guarddog`; the validator binary from
`cargo build --release` (or any build given with --validator).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from overhead import overhead as check_overhead  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests/fixtures/behaviour"
ALL_CHECKS = "package_structure,file_permissions,suspicious_files,security,secrets,code_quality"
# Every check of the default scan but bundled_libraries and behaviour itself.
DEFAULT_SCAN = ALL_CHECKS + ",licence,signatures,dependencies,qgis4"


def materialise(case: pathlib.Path, into: pathlib.Path) -> pathlib.Path:
    """The sample as a plugin folder named after the case, `*.hex` files decoded."""
    target = into / case.name
    for path in sorted(case.rglob("*")):
        if path.is_dir() or path.name == "expected.txt":
            continue
        rel = path.relative_to(case)
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".hex":
            out.with_suffix("").write_bytes(bytes.fromhex("".join(path.read_text().split())))
        else:
            shutil.copyfile(path, out)
    return target


def ours(validator: str, folder: pathlib.Path) -> list[str]:
    out = subprocess.run(
        [validator, "scan", str(folder), "--checks", "behaviour", "--format", "json"],
        capture_output=True, text=True, check=False,
    )
    report = json.loads(out.stdout)
    # BHV9xx describe the plugin's loaded scope, not a threat.
    return sorted({f["rule"] for f in report["findings"] if not f["rule"].startswith("BHV9")})


def guarddog(binary: str, folder: pathlib.Path) -> tuple[list[str], list[str]]:
    out = subprocess.run(
        [binary, "pypi", "scan", str(folder), "--output-format", "json"],
        capture_output=True, text=True, check=False,
    )
    report = json.loads(out.stdout)
    hits = sorted(rule for rule, found in report.get("results", {}).items() if found)
    threats = [r for r in hits if not r.startswith("capability-")]
    capabilities = [r for r in hits if r.startswith("capability-")]
    return threats, capabilities


def matrix(name: str, flagged: dict[str, bool], labels: dict[str, str]) -> str:
    tp = sum(1 for c, f in flagged.items() if f and labels[c] == "malicious")
    fn = sum(1 for c, f in flagged.items() if not f and labels[c] == "malicious")
    fp = sum(1 for c, f in flagged.items() if f and labels[c] == "benign")
    tn = sum(1 for c, f in flagged.items() if not f and labels[c] == "benign")
    return (
        f"{name}\n"
        f"                 flagged  not flagged\n"
        f"  malicious      {tp:7d}  {fn:11d}\n"
        f"  benign         {fp:7d}  {tn:11d}\n"
        f"  recall {tp / max(tp + fn, 1):.3f}  false positive rate {fp / max(fp + tn, 1):.3f}\n"
    )


def side_by_side(validator: str, guarddog_bin: str) -> int:
    labels: dict[str, str] = {}
    us: dict[str, bool] = {}
    them: dict[str, bool] = {}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("malicious", "benign"):
            for case in sorted((CORPUS / kind).iterdir()):
                key = f"{kind}/{case.name}"
                folder = materialise(case, pathlib.Path(tmp) / kind)
                labels[key] = kind
                our_rules = ours(validator, folder)
                threats, capabilities = guarddog(guarddog_bin, folder)
                us[key], them[key] = bool(our_rules), bool(threats)
                rows.append((key, our_rules, threats, capabilities))
    for key, our_rules, threats, capabilities in rows:
        print(f"{key:55s} ours={','.join(our_rules) or '-':24s} guarddog={','.join(threats) or '-'}"
              f"{'  (capabilities: ' + ','.join(capabilities) + ')' if capabilities else ''}")
    print()
    print(matrix("behaviour check", us, labels))
    print(matrix("guarddog (threat rules)", them, labels))
    missed = [k for k in labels if labels[k] == "malicious" and them[k] and not us[k]]
    extra_fp = [k for k in labels if labels[k] == "benign" and us[k] and not them[k]]
    print(f"malicious samples GuardDog catches and we miss: {missed or 'none'}")
    print(f"benign samples we flag and GuardDog leaves alone: {extra_fp or 'none'}")
    return 1 if missed or extra_fp else 0


def overhead(validator: str, folders: list[pathlib.Path], repeat: int, base: str) -> None:
    """The behaviour check's CPU cost added to a scan (see `overhead.overhead`)."""
    if base == "default":
        with tempfile.TemporaryDirectory() as advisories:
            check_overhead(validator, folders, repeat, DEFAULT_SCAN, "behaviour", 1.15,
                           ("--advisories", advisories))
    else:
        check_overhead(validator, folders, repeat, ALL_CHECKS, "behaviour", 1.15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validator", default=str(ROOT / "target/release/plugin-validator"))
    parser.add_argument("--guarddog", default=None)
    parser.add_argument("--overhead", nargs="*", type=pathlib.Path, default=[])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-guarddog", action="store_true")
    parser.add_argument("--base", choices=("six", "default"), default="six",
                        help="the scan the check is added to: the six checks of the first "
                             "measurements (six), or the default scan's checks but "
                             "bundled_libraries (default)")
    args = parser.parse_args()
    status = 0
    if not args.skip_guarddog:
        guarddog_bin = args.guarddog
        if guarddog_bin is None:
            venv = subprocess.run([str(ROOT / "infra/python-tools.sh"), "guarddog"],
                                  capture_output=True, text=True, check=True).stdout.strip()
            guarddog_bin = str(pathlib.Path(venv) / "bin/guarddog")
        status = side_by_side(args.validator, guarddog_bin)
    if args.overhead:
        overhead(args.validator, args.overhead, args.repeat, args.base)
    return status


if __name__ == "__main__":
    sys.exit(main())
