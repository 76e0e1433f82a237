#!/usr/bin/env python3
"""The cheaper scan's yardsticks (issue #29 item 5), on the bench corpus:

    scan_speed.py ruff  [--binary BIN] [--ruff RUFF] [--zips DIR] [--trees DIR] [--repeat N]
        our default full scan (`scan ZIP --format json`: every check, the policy's rules) side
        by side with ruff's `check --select S,E,F,W` of the same files (the extracted tree),
        alternated per input; prints per input and in total wall and CPU time, their ratio
        (ours / ruff's; the goal is at most 1.5) and our peak memory (the goal: at most 128 MB
        on the input tagged largest).
    scan_speed.py same-findings --before BIN --after BIN [--zips DIR] [--out DIR]
        runs both binaries' `scan --format json` on every zip and says whether the reports are
        byte-identical once the fields that change from run to run are taken out
        (`generated_at`, each check's `duration_ms`); exit 1 and the first differing lines
        when not. A change that claims "findings unchanged" is checked with this.

ruff comes from its pinned venv (`infra/python-tools.sh ruff`); the corpus from `corpus.py`
(`run.sh` prepares it under target/bench: zips/ and tree/<input>/). Our dependencies check
reads an empty advisory folder on both sides of a comparison, so nothing waits on the network.
"""
from __future__ import annotations

import argparse
import difflib
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from measure import run_measured  # noqa: E402

RUFF_SELECT = "S,E,F,W"
# Fields of our JSON report that differ between two runs of the same scan.
VOLATILE_TOP = ("generated_at",)
VOLATILE_PER_CHECK = ("duration_ms",)


def our_argv(binary: str, zip_path: pathlib.Path, advisories: pathlib.Path) -> list[str]:
    return [binary, "scan", str(zip_path), "--format", "json", "--advisories", str(advisories)]


def ruff_argv(ruff: str) -> list[str]:
    # --isolated: the package's own pyproject/ruff.toml are ignored, as flake8 --isolated in
    # bench.py; --no-cache: every run does the whole work.
    return [ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--select", RUFF_SELECT,
            "--output-format", "json", "--quiet", "."]


def stable_report(text: str) -> str:
    """Our JSON report without what changes from run to run, re-serialised in a fixed form."""
    report = json.loads(text)
    for key in VOLATILE_TOP:
        report.pop(key, None)
    for check in report.get("checks", []):
        for key in VOLATILE_PER_CHECK:
            check.pop(key, None)
    return json.dumps(report, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def ratio_summary(rows: list[dict]) -> dict:
    """Totals over the inputs and ours / ruff's, for wall and CPU time."""
    ours_wall = sum(r["ours"]["wall_s"] for r in rows)
    ruff_wall = sum(r["ruff"]["wall_s"] for r in rows)
    ours_cpu = sum(r["ours"]["cpu_s"] for r in rows)
    ruff_cpu = sum(r["ruff"]["cpu_s"] for r in rows)
    return {"ours_wall_s": ours_wall, "ruff_wall_s": ruff_wall,
            "ours_cpu_s": ours_cpu, "ruff_cpu_s": ruff_cpu,
            "wall_ratio": ours_wall / ruff_wall if ruff_wall else float("inf"),
            "cpu_ratio": ours_cpu / ruff_cpu if ruff_cpu else float("inf"),
            "ours_peak_rss_mb": max(r["ours"]["peak_rss_mb"] for r in rows)}


def cmd_ruff(args) -> int:
    zips = sorted(pathlib.Path(args.zips).glob("*.zip"))
    if args.only:
        zips = [z for z in zips if any(z.stem.startswith(o) for o in args.only)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="scan-speed-") as tmp:
        advisories = pathlib.Path(tmp) / "advisories"
        advisories.mkdir()
        out = str(pathlib.Path(tmp) / "out.json")
        for zip_path in zips:
            tree = pathlib.Path(args.trees) / zip_path.stem
            if not tree.is_dir():
                raise SystemExit(f"no extracted tree {tree} (run.sh prepares it)")
            ours, theirs = [], []
            for _ in range(args.repeat):
                ours.append(run_measured(our_argv(args.binary, zip_path, advisories),
                                         stdout_path=out))
                theirs.append(run_measured(ruff_argv(args.ruff), cwd=str(tree), stdout_path=out))
            for side, runs in (("ours", ours), ("ruff", theirs)):
                bad = [r.exit_code for r in runs if r.exit_code not in (0, 1)]
                if bad:
                    raise SystemExit(f"{side} exited {bad[0]} on {zip_path.stem}")

            def med(runs):
                return {"wall_s": statistics.median(r.wall_s for r in runs),
                        "cpu_s": statistics.median(r.cpu_s for r in runs),
                        "peak_rss_mb": max(r.peak_rss_mb for r in runs)}

            row = {"input": zip_path.stem, "ours": med(ours), "ruff": med(theirs)}
            rows.append(row)
            print(f"{row['input']}: ours {row['ours']['wall_s']:.3f} s, ruff "
                  f"{row['ruff']['wall_s']:.3f} s", file=sys.stderr)
    total = ratio_summary(rows)
    lines = [f"| input | ours wall s | ours CPU s | ours MB | ruff {RUFF_SELECT} wall s | "
             "ruff CPU s | wall ratio | CPU ratio |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        o, t = r["ours"], r["ruff"]
        lines.append(f"| {r['input']} | {o['wall_s']:.3f} | {o['cpu_s']:.3f} | "
                     f"{o['peak_rss_mb']:.1f} | {t['wall_s']:.3f} | {t['cpu_s']:.3f} | "
                     f"{o['wall_s'] / t['wall_s']:.2f} | {o['cpu_s'] / max(t['cpu_s'], 1e-9):.2f} |")
    lines.append(f"| **total** | {total['ours_wall_s']:.3f} | {total['ours_cpu_s']:.3f} | "
                 f"{total['ours_peak_rss_mb']:.1f} | {total['ruff_wall_s']:.3f} | "
                 f"{total['ruff_cpu_s']:.3f} | **{total['wall_ratio']:.2f}** | "
                 f"**{total['cpu_ratio']:.2f}** |")
    md = "\n".join(lines) + "\n"
    print(md)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"rows": rows, "total": total}, indent=2))
    return 0


def cmd_same_findings(args) -> int:
    zips = sorted(pathlib.Path(args.zips).glob("*.zip"))
    if args.only:
        zips = [z for z in zips if any(z.stem.startswith(o) for o in args.only)]
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    differing = []
    with tempfile.TemporaryDirectory(prefix="same-findings-") as tmp:
        advisories = pathlib.Path(tmp) / "advisories"
        advisories.mkdir()
        for zip_path in zips:
            reports = {}
            for side, binary in (("before", args.before), ("after", args.after)):
                done = subprocess.run(our_argv(binary, zip_path, advisories),
                                      capture_output=True, text=True)
                if done.returncode not in (0, 1):
                    raise SystemExit(f"{side} exited {done.returncode} on {zip_path.stem}: "
                                     f"{done.stderr[-2000:]}")
                reports[side] = stable_report(done.stdout)
                (out / f"{zip_path.stem}.{side}.json").write_text(reports[side])
            same = reports["before"] == reports["after"]
            print(f"{zip_path.stem}: {'identical' if same else 'DIFFERENT'}")
            if not same:
                differing.append(zip_path.stem)
                diff = difflib.unified_diff(reports["before"].splitlines(),
                                            reports["after"].splitlines(),
                                            "before", "after", lineterm="", n=1)
                for line in list(diff)[:40]:
                    print("   ", line)
    print(f"{len(zips) - len(differing)} of {len(zips)} reports identical "
          f"(the stable reports are in {out})")
    return 1 if differing else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--zips", default=str(REPO / "target/bench/zips"))
    common.add_argument("--only", nargs="*", help="only these inputs (name prefixes)")
    r = sub.add_parser("ruff", parents=[common])
    r.add_argument("--binary", default=str(REPO / "target/release/plugin-validator"))
    r.add_argument("--ruff", help="ruff (default: from infra/python-tools.sh ruff)")
    r.add_argument("--trees", default=str(REPO / "target/bench/tree"))
    r.add_argument("--repeat", type=int, default=3)
    r.add_argument("--json", help="write the measurements here too")
    s = sub.add_parser("same-findings", parents=[common])
    s.add_argument("--before", required=True, help="the binary before the change")
    s.add_argument("--after", default=str(REPO / "target/release/plugin-validator"))
    s.add_argument("--out", default=str(REPO / "target/bench/same-findings"))
    args = ap.parse_args(argv)
    if args.command == "ruff":
        if not args.ruff:
            venv = subprocess.run(["bash", str(REPO / "infra/python-tools.sh"), "ruff"],
                                  check=True, capture_output=True, text=True).stdout.strip()
            args.ruff = str(pathlib.Path(venv) / "bin/ruff")
        return cmd_ruff(args)
    return cmd_same_findings(args)


if __name__ == "__main__":
    sys.exit(main())
