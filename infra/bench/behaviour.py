"""The behaviour check measured: its cost on real code, and its detections beside GuardDog's.

    bench.py behaviour-overhead [--quick]   full scans with and without `behaviour` on the bench
                                            corpus (PyPI sdists): the added time (target <= 15 %),
                                            and every behaviour finding that blocks or holds
    bench.py guarddog                       our behaviour check and GuardDog on the labelled
                                            corpus (tests/fixtures/behaviour/{malicious,benign});
                                            both confusion matrices, and what one catches that
                                            the other does not

What counts as "flagged":
- ours: a finding of the `behaviour` check that blocks or holds for review (`blocking`, or an
  action/level of review). Capabilities alone are not findings.
- GuardDog: any `threat-*` rule, or `bundled_binary`, with a match. GuardDog's `capability-*`
  rules describe what code can do (spawn a process, open a connection) and fire on ordinary
  plugins; counting them would make GuardDog flag every benign look-alike.
Stdlib only; GuardDog runs from its own venv (infra/python-tools.sh guarddog).
"""
from __future__ import annotations

import json
import pathlib
import statistics
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_LABELLED = REPO / "tests/fixtures/behaviour"
TARGET_OVERHEAD = 0.15
BEHAVIOUR = "behaviour"


# ---- classification (pure; unit-tested in test_bench.py) -------------------------------------


def acting_behaviour_findings(report: dict) -> list[dict]:
    """The behaviour check's findings in a scan report that block or hold for review."""
    acting = []
    for f in report.get("findings", []):
        if f.get("check") != BEHAVIOUR:
            continue
        action = str(f.get("action", "")).lower()
        if f.get("blocking") or f.get("review") or action in ("block", "review") \
                or str(f.get("level", "")).lower() == "review":
            acting.append(f)
    return acting


def guarddog_rules(result: dict) -> list[str]:
    """GuardDog's threat rules that matched (see the module doc for why not capabilities)."""
    rules = []
    for rule, matches in (result.get("results") or {}).items():
        if not matches:
            continue
        if rule.startswith("threat-") or rule == "bundled_binary":
            rules.append(rule)
    return sorted(rules)


def confusion(labels: dict[str, bool], flagged: dict[str, bool]) -> dict[str, int]:
    """tp/fn over malicious samples, fp/tn over benign ones."""
    m = {"tp": 0, "fn": 0, "fp": 0, "tn": 0}
    for name, malicious in labels.items():
        hit = flagged.get(name, False)
        if malicious:
            m["tp" if hit else "fn"] += 1
        else:
            m["fp" if hit else "tn"] += 1
    return m


def disagreements(labels: dict[str, bool], ours: dict[str, bool],
                  theirs: dict[str, bool]) -> dict[str, list[str]]:
    """What the comparison must not show (we miss what GuardDog catches, or flag a benign sample
    it leaves alone), and what it may (we catch what it misses)."""
    return {
        "missed_but_guarddog_caught": sorted(n for n, mal in labels.items()
                                             if mal and theirs.get(n) and not ours.get(n)),
        "flagged_benign_guarddog_left": sorted(n for n, mal in labels.items()
                                               if not mal and ours.get(n) and not theirs.get(n)),
        "caught_only_by_us": sorted(n for n, mal in labels.items()
                                    if mal and ours.get(n) and not theirs.get(n)),
    }


def overhead(with_s: list[float], without_s: list[float]) -> float:
    """The time the check adds, as a fraction of the scan without it (sums over inputs)."""
    base = sum(without_s)
    return (sum(with_s) - base) / base if base > 0 else 0.0


def labelled_samples(root: pathlib.Path) -> dict[str, tuple[pathlib.Path, bool]]:
    """`malicious/<case>` and `benign/<case>` folders (or zips), by `class/case`."""
    samples = {}
    for label, malicious in (("malicious", True), ("benign", False)):
        folder = root / label
        if not folder.is_dir():
            continue
        for case in sorted(folder.iterdir()):
            if case.is_dir() or case.suffix == ".zip":
                samples[f"{label}/{case.name}"] = (case, malicious)
    return samples


# ---- running the tools -----------------------------------------------------------------------


def our_report(binary: str, path: pathlib.Path, checks: list[str] | None = None) -> dict:
    argv = [binary, "scan", str(path), "--format", "json"]
    if checks:
        argv += ["--checks", ",".join(checks)]
    out = subprocess.run(argv, capture_output=True, text=True)
    # 0 validated, 1 blocked; 2 and 3 mean we could not judge: never read as "clean".
    if out.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {out.returncode}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def guarddog_result(guarddog: pathlib.Path, path: pathlib.Path) -> dict:
    # Run from an empty folder: GuardDog writes its caches to the working directory.
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([str(guarddog), "pypi", "scan", "--no-sandbox", "--output-format",
                              "json", str(path.resolve())], capture_output=True, text=True,
                             cwd=tmp)
    text = out.stdout.strip()
    start = text.find("{")
    if start < 0:
        raise RuntimeError(f"guarddog gave no JSON for {path}: {out.stderr.strip()[-500:]}")
    return json.loads(text[start:])


def guarddog_venv() -> pathlib.Path:
    out = subprocess.run(["bash", str(REPO / "infra/python-tools.sh"), "guarddog"], check=True,
                         capture_output=True, text=True)
    return pathlib.Path(out.stdout.strip())


def matrix_md(name: str, m: dict[str, int]) -> str:
    return (f"| {name} | {m['tp']} | {m['fn']} | {m['fp']} | {m['tn']} |")


def cmd_guarddog(args) -> int:
    root = pathlib.Path(args.labelled)
    samples = labelled_samples(root)
    if not samples:
        raise SystemExit(f"no labelled samples under {root} (malicious/<case>, benign/<case>)")
    guarddog = pathlib.Path(args.guarddog) if args.guarddog else guarddog_venv() / "bin/guarddog"
    labels, ours, theirs, rows = {}, {}, {}, []
    for name, (path, malicious) in samples.items():
        labels[name] = malicious
        mine = acting_behaviour_findings(our_report(args.binary, path, [BEHAVIOUR]))
        gd = guarddog_rules(guarddog_result(guarddog, path))
        ours[name], theirs[name] = bool(mine), bool(gd)
        rows.append((name, sorted({f["rule"] for f in mine}), gd))
        print(f"{name}: ours {rows[-1][1] or '-'}; guarddog {gd or '-'}", file=sys.stderr)
    ours_m, theirs_m = confusion(labels, ours), confusion(labels, theirs)
    diff = disagreements(labels, ours, theirs)
    lines = ["| tool | caught (tp) | missed (fn) | benign flagged (fp) | benign passed (tn) |",
             "|---|---|---|---|---|", matrix_md("plugin-validator behaviour", ours_m),
             matrix_md("guarddog (threat rules)", theirs_m), ""]
    for key, names in diff.items():
        lines.append(f"- {key.replace('_', ' ')}: {len(names)}" + (f" ({', '.join(names)})" if names else ""))
    lines += ["", "| sample | ours | guarddog |", "|---|---|---|"]
    lines += [f"| {n} | {', '.join(o) or '-'} | {', '.join(g) or '-'} |" for n, o, g in rows]
    md = "\n".join(lines) + "\n"
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    (work / "guarddog.md").write_text(md)
    (work / "guarddog.json").write_text(json.dumps(
        {"ours": ours_m, "guarddog": theirs_m, "disagreements": diff,
         "samples": [{"sample": n, "ours": o, "guarddog": g} for n, o, g in rows]}, indent=2))
    print(md)
    bad = diff["missed_but_guarddog_caught"] or diff["flagged_benign_guarddog_left"]
    return 1 if bad else 0


def cmd_overhead(args, load_corpus, prepare, run_measured) -> int:
    """`load_corpus`, `prepare`, `run_measured`: bench.py's corpus and measurement helpers."""
    work = pathlib.Path(args.work)
    entries = load_corpus(args)
    reference_dir = pathlib.Path(args.reference_dir)
    with_times, without_times, acting, lines = [], [], [], []
    for e in entries:
        zip_path, _tree, stats = prepare(e, REPO, reference_dir, work)
        every = [c["check"] for c in our_report(args.binary, zip_path)["checks"]]
        if BEHAVIOUR not in every:
            raise SystemExit(f"the binary {args.binary} has no `{BEHAVIOUR}` check")
        others = [c for c in every if c != BEHAVIOUR]
        timed = {}
        for name, checks in (("with", every), ("without", others)):
            walls = []
            for _ in range(args.repeat):
                m = run_measured([args.binary, "scan", str(zip_path), "--format", "json",
                                  "--checks", ",".join(checks)])
                if m.exit_code not in (0, 1):
                    raise SystemExit(f"our scan of {zip_path} failed (exit {m.exit_code})")
                walls.append(m.wall_s)
            timed[name] = statistics.median(walls)
        with_times.append(timed["with"])
        without_times.append(timed["without"])
        found = acting_behaviour_findings(our_report(args.binary, zip_path, [BEHAVIOUR]))
        for f in found:
            acting.append((e.label, f))
        lines.append(f"| {e.label} | {stats['py_lines']:,} | {timed['without'] * 1000:.1f} | "
                     f"{timed['with'] * 1000:.1f} | {len(found)} |")
        print(lines[-1], file=sys.stderr)
    total = overhead(with_times, without_times)
    md = ["| input | Python lines | without behaviour (ms) | with (ms) | behaviour findings |",
          "|---|---|---|---|---|", *lines, "",
          f"Added by the behaviour check: {total * 100:.1f} % of the full scan "
          f"(target <= {TARGET_OVERHEAD * 100:.0f} %), medians of {args.repeat} runs.", ""]
    blocks = [(label, f) for label, f in acting if f.get("blocking")]
    md.append(f"Behaviour findings on real packages: {len(acting)} ({len(blocks)} blocking).")
    md += [f"- {label}: {f['rule']} {f.get('path')}:{f.get('line')}: {f['message']}"
           for label, f in acting]
    text = "\n".join(md) + "\n"
    work.mkdir(parents=True, exist_ok=True)
    (work / "behaviour-overhead.md").write_text(text)
    print(text)
    return 1 if total > TARGET_OVERHEAD or blocks else 0
