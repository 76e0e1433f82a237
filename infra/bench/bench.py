#!/usr/bin/env python3
"""The benchmark: our `scan` against bandit, detect-secrets and flake8 on real Python.

    bench.py run [--quick] [--only LABEL ...]     speed, memory and agreement (results.json/.md)
    bench.py lambda-sizing [--zip ZIP]           start-up and per-check peak memory and time
    bench.py self-test                           the harness's own unit tests (cargo test runs it)

Normally started by infra/bench/run.sh and infra/bench/lambda-sizing.sh, which build the release
binary and the reference venv first. Stdlib only.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import agreement  # noqa: E402
import corpus  # noqa: E402
from measure import Measurement, run_measured  # noqa: E402

REPO = HERE.parent.parent
TOOLS = ["bandit", "detect-secrets", "flake8"]
# flake8's settings for the comparison: what our code_quality check uses with `--rules all`,
# flake8's own defaults (validator_quality Settings::flake8). Override with --flake8-args or
# BENCH_FLAKE8_ARGS.
DEFAULT_FLAKE8_ARGS = ""
# The targets.
TARGET_SPEEDUP = 100.0
TARGET_PEAK_MB = 128.0
TARGET_MEDIAN_MS = 50.0
# AWS Lambda gives a function one full vCPU at 1,769 MB; CPU share scales with memory below.
LAMBDA_FULL_VCPU_MB = 1769


# ---- commands -------------------------------------------------------------------------------


def our_command(binary: str, zip_path: pathlib.Path, checks: list[str] | None = None) -> list[str]:
    argv = [binary, "scan", str(zip_path), "--format", "json", "--rules", "all"]
    if checks:
        argv += ["--checks", ",".join(checks)]
    return argv


def tool_command(tool: str, venv: pathlib.Path, flake8_args: list[str]) -> list[str]:
    """The reference tool on the current folder (the extracted zip), as each runs by default."""
    bin_dir = venv / "bin"
    if tool == "bandit":
        return [str(bin_dir / "bandit"), "-r", ".", "-f", "json", "-q"]
    if tool == "detect-secrets":
        return [str(bin_dir / "detect-secrets"), "scan", "--all-files", "."]
    if tool == "flake8":
        # --isolated: the plugin's own setup.cfg/tox.ini/.flake8 are ignored; our engine reports
        # what such files relax as suppressed-by-config findings, which we still count.
        return [str(bin_dir / "flake8"), "--isolated", "--exit-zero",
                f"--format={agreement.FLAKE8_FORMAT}", *flake8_args, "."]
    raise ValueError(tool)


def tool_keys(tool: str, text: str, root: str) -> tuple[list, int]:
    """(keys, files the tool could not parse) from a tool's output."""
    if tool == "bandit":
        return agreement.bandit_keys(text, root)
    if tool == "detect-secrets":
        return agreement.detect_secrets_keys(text, root), 0
    if tool == "flake8":
        return agreement.flake8_keys(text, root), 0
    raise ValueError(tool)


def secret_types(venv: pathlib.Path) -> dict[str, str]:
    """detect-secrets' plugin class name -> secret type name, from the installed tool."""
    code = ("import json; from detect_secrets.core.plugins.util import "
            "get_mapping_from_secret_type_to_class as m; "
            "print(json.dumps({c.__name__: t for t, c in m().items()}))")
    out = subprocess.run([str(venv / "bin/python"), "-c", code], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def tool_versions(venv: pathlib.Path) -> dict[str, str]:
    code = ("import json, importlib.metadata as m; print(json.dumps({n: m.version(n) for n in "
            "['bandit', 'detect-secrets', 'flake8', 'pycodestyle', 'pyflakes', 'mccabe']}))")
    out = subprocess.run([str(venv / "bin/python"), "-c", code], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def machine() -> dict:
    cpu = "?"
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gb": mem_gb,
            "kernel": platform.release(), "python": platform.python_version(),
            "loadavg_at_start": load}


# ---- one input ------------------------------------------------------------------------------


def bench_input(entry, zip_path, tree, stats, args, venv, flake8_args, class_to_type) -> dict:
    """Runs ours and the reference tools alternately on one input; returns its record."""
    out_dir = pathlib.Path(args.work) / "out" / entry.label
    out_dir.mkdir(parents=True, exist_ok=True)
    root = str(tree.resolve())
    tools = [] if args.no_reference else TOOLS
    ours_runs: list[Measurement] = []
    durations: dict[str, list[int]] = {}
    report = None
    ref_runs: dict[str, Measurement] = {}
    steps = max(args.our_repeat, len(tools))
    for i in range(steps):
        if i < args.our_repeat:
            path = out_dir / "ours.json"
            m = run_measured(our_command(args.binary, zip_path, args.checks), stdout_path=str(path))
            ours_runs.append(m)
            if m.exit_code in (0, 1, 3):
                parsed = agreement.parse_our_report(path.read_text())
                report = report or parsed
                for check, c in parsed.checks.items():
                    durations.setdefault(check, []).append(c.duration_ms or 0)
            else:
                print(f"  our scan exited {m.exit_code}: {(path.parent / 'ours.json.stderr').read_text()[:300]}",
                      file=sys.stderr)
        if i < len(tools):
            tool = tools[i]
            path = out_dir / f"{tool}.out"
            ref_runs[tool] = run_measured(tool_command(tool, venv, flake8_args), cwd=str(tree),
                                          stdout_path=str(path), timeout_s=args.tool_timeout)
    # flake8 stops with no findings at all when a plugin crashes on one file (pyflakes'
    # RecursionError on sympy's deepest module): its time is then a lower bound, and it runs
    # again without those files so that the rest can still be compared.
    flake8_failed: dict[str, str] = {}
    if "flake8" in ref_runs and not ref_runs["flake8"].timed_out:
        # flake8 prints the failure on stdout (and nothing else there), older ones on stderr.
        printed = "\n".join((out_dir / name).read_text(errors="replace")
                             for name in ("flake8.out", "flake8.out.stderr"))
        flake8_failed = agreement.flake8_failed_files(printed, root)
        if flake8_failed:
            print(f"  flake8 failed on {', '.join(sorted(flake8_failed))}; again without them",
                  file=sys.stderr)
            excluded = ",".join("./" + path for path in sorted(flake8_failed))
            run_measured(tool_command("flake8", venv, [*flake8_args, f"--extend-exclude={excluded}"]),
                         cwd=str(tree), stdout_path=str(out_dir / "flake8.out"),
                         timeout_s=args.tool_timeout)
    ours_sorted = sorted(ours_runs, key=lambda m: m.wall_s)
    ours_median = ours_sorted[len(ours_sorted) // 2]
    record = {
        "input": entry.label,
        "tags": entry.tags,
        "stats": stats,
        "ours": {
            "runs": [m.as_dict() for m in ours_runs],
            "median": ours_median.as_dict(),
            "peak_rss_mb": max(m.peak_rss_mb for m in ours_runs),
            "exit_codes": sorted({m.exit_code for m in ours_runs}),
            "check_ms": {c: statistics.median(v) for c, v in durations.items()},
            "checks": {c: {"status": v.status, "error": v.error}
                       for c, v in (report.checks.items() if report else [])},
        },
        "reference": {t: {**m.as_dict(), **({"failed_files": flake8_failed}
                                            if t == "flake8" and flake8_failed else {})}
                      for t, m in ref_runs.items()},
        "agreement": {},
    }
    for check, tool in agreement.CHECK_TOOLS.items():
        if tool not in ref_runs:
            record["agreement"][check] = {"status": "reference not run"}
            continue
        if ref_runs[tool].timed_out:
            record["agreement"][check] = {"status": f"{tool} timed out"}
            continue
        if report is None:
            record["agreement"][check] = {"status": "scan failed"}
            continue
        if check not in report.checks:
            record["agreement"][check] = {"status": "not built"}
            continue
        if report.checks[check].status != "ok":
            record["agreement"][check] = {"status": "error", "error": report.checks[check].error}
            continue
        text = (out_dir / f"{tool}.out").read_text(errors="replace")
        try:
            theirs, unparsed = tool_keys(tool, text, root)
        except (ValueError, KeyError) as e:
            record["agreement"][check] = {"status": f"cannot read {tool} output: {e}"}
            continue
        ours = agreement.our_keys(report, check, class_to_type)
        failed = flake8_failed if tool == "flake8" else {}
        if failed:
            ours = [k for k in ours if k[0] not in failed]
            theirs = [k for k in theirs if k[0] not in failed]
        a = agreement.compare(ours, theirs, check, class_to_type)
        record["agreement"][check] = {"status": "compared", "tool_unparsed_files": unparsed,
                                      "tool_failed_files": sorted(failed), **a.as_dict()}
    return record


# ---- summary --------------------------------------------------------------------------------


def summarise(records: list[dict]) -> dict:
    py_bytes = sum(r["stats"]["py_bytes"] for r in records)
    py_lines = sum(r["stats"]["py_lines"] for r in records)
    ours_wall = sum(r["ours"]["median"]["wall_s"] for r in records)
    ours_cpu = sum(r["ours"]["median"]["cpu_s"] for r in records)
    tools = sorted({t for r in records for t in r["reference"]})
    per_tool = {}
    for t in tools:
        runs = [r["reference"][t] for r in records if t in r["reference"]]
        per_tool[t] = {"wall_s": sum(m["wall_s"] for m in runs),
                       "cpu_s": sum(m["cpu_s"] for m in runs),
                       "peak_rss_mb": max(m["peak_rss_mb"] for m in runs),
                       "timed_out_inputs": sum(1 for m in runs if m.get("timed_out")),
                       "failed_inputs": sum(1 for m in runs if m.get("failed_files"))}
    ref_wall = sum(v["wall_s"] for v in per_tool.values())
    ref_cpu = sum(v["cpu_s"] for v in per_tool.values())
    checks: dict[str, dict] = {}
    for check, tool in agreement.CHECK_TOOLS.items():
        statuses = {r["agreement"].get(check, {}).get("status") for r in records}
        total = agreement.Agreement(0, 0, 0)
        compared = 0
        for r in records:
            a = r["agreement"].get(check, {})
            if a.get("status") == "compared":
                compared += 1
                total.add(agreement.Agreement(
                    a["ours"], a["reference"], a["matched"], a["out_of_namespace"],
                    [tuple(k) for k in a["false_positives_sample"]],
                    [tuple(k) for k in a["false_negatives_sample"]]))
        if compared == len(records) and records:
            status = "compared"
        elif compared:
            status = "partly compared"
        else:
            status = " / ".join(sorted(s for s in statuses if s)) or "not built"
        checks[check] = {"tool": tool, "status": status, "inputs_compared": compared,
                         "ours_ms": sum(r["ours"]["check_ms"].get(check, 0) for r in records),
                         "tool_cpu_s": per_tool.get(tool, {}).get("cpu_s"),
                         **(total.as_dict() if compared else {})}
    other_checks = sorted({c for r in records for c in r["ours"]["check_ms"]}
                          - set(agreement.CHECK_TOOLS))
    for c in other_checks:
        checks[c] = {"tool": None, "status": "no reference tool",
                     "ours_ms": sum(r["ours"]["check_ms"].get(c, 0) for r in records)}
    # A check missing from our output (its engine not merged yet) makes the totals partial.
    missing = [c for c in agreement.CHECK_TOOLS
               if any(r["agreement"].get(c, {}).get("status") == "not built" for r in records)]
    targets = []
    if ref_cpu and ours_cpu:
        speed_cpu, speed_wall = ref_cpu / ours_cpu, ref_wall / ours_wall
        verdict = "met" if min(speed_cpu, speed_wall) >= TARGET_SPEEDUP else "not met"
        if missing:
            verdict = f"not yet measurable (checks not built: {', '.join(missing)})"
        targets.append({"target": f"full scan >= {TARGET_SPEEDUP:.0f}x faster than the three tools",
                        "measured": f"{speed_cpu:.1f}x CPU, {speed_wall:.1f}x wall",
                        "verdict": verdict})
    for r in records:
        if "largest" in r["tags"]:
            peak = r["ours"]["peak_rss_mb"]
            targets.append({"target": f"peak memory <= {TARGET_PEAK_MB:.0f} MB on the "
                                      f"{r['stats']['zip_bytes'] / 1e6:.1f} MB zip ({r['input']})",
                            "measured": f"{peak:.1f} MB",
                            "verdict": ("met" if peak <= TARGET_PEAK_MB else "not met")
                            + (f" (without {', '.join(missing)})" if missing else "")})
        if "median" in r["tags"]:
            ms = r["ours"]["median"]["wall_s"] * 1000
            targets.append({"target": f"median plugin ({r['input']}) < {TARGET_MEDIAN_MS:.0f} ms",
                            "measured": f"{ms:.1f} ms",
                            "verdict": ("met" if ms < TARGET_MEDIAN_MS else "not met")
                            + (f" (without {', '.join(missing)})" if missing else "")})
    return {
        "inputs": len(records),
        "zip_bytes": sum(r["stats"]["zip_bytes"] for r in records),
        "uncompressed_bytes": sum(r["stats"]["uncompressed_bytes"] for r in records),
        "py_bytes": py_bytes, "py_lines": py_lines,
        "py_files": sum(r["stats"]["py_files"] for r in records),
        "ours": {"wall_s": ours_wall, "cpu_s": ours_cpu,
                 "peak_rss_mb": max(r["ours"]["peak_rss_mb"] for r in records),
                 "py_mb_per_s": py_bytes / 1e6 / ours_wall if ours_wall else None,
                 "lines_per_s": py_lines / ours_wall if ours_wall else None},
        "reference": {"wall_s": ref_wall, "cpu_s": ref_cpu,
                      "peak_rss_mb": max((v["peak_rss_mb"] for v in per_tool.values()), default=None),
                      "py_mb_per_s": py_bytes / 1e6 / ref_wall if ref_wall else None,
                      "lines_per_s": py_lines / ref_wall if ref_wall else None,
                      "per_tool": per_tool},
        "ratio": {"wall": ref_wall / ours_wall if ours_wall and ref_wall else None,
                  "cpu": ref_cpu / ours_cpu if ours_cpu and ref_cpu else None},
        "checks": checks,
        "checks_not_built": missing,
        "targets": targets,
    }


def _n(v, fmt="{:.2f}") -> str:
    return "-" if v is None else fmt.format(v)


def markdown(results: dict) -> str:
    s, m = results["summary"], results["machine"]
    lines = ["# Benchmark results", "",
             f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB; load at start "
             f"{_n(m['loadavg_at_start'][0] if m['loadavg_at_start'] else None)}. "
             f"Tools: {', '.join(f'{k} {v}' for k, v in results['tool_versions'].items())}; "
             f"flake8 args: `{results['flake8_args']}`.", "",
             f"Corpus: {s['inputs']} zips, {s['zip_bytes'] / 1e6:.1f} MB zipped, "
             f"{s['uncompressed_bytes'] / 1e6:.1f} MB unpacked, {s['py_files']} .py files, "
             f"{s['py_bytes'] / 1e6:.1f} MB / {s['py_lines']:,} lines of Python.", "",
             "## Per input", "",
             "| input | zip MB | .py | lines | ours ms | ours CPU ms | ours MB | tools s | tools CPU s | tools MB | CPU ratio |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["inputs"]:
        st, o = r["stats"], r["ours"]
        ref = r["reference"]
        rw = sum(v["wall_s"] for v in ref.values())
        rc = sum(v["cpu_s"] for v in ref.values())
        rm = max((v["peak_rss_mb"] for v in ref.values()), default=None)
        ratio = rc / o["median"]["cpu_s"] if ref and o["median"]["cpu_s"] else None
        # A tool killed at --tool-timeout: its times are lower bounds.
        at_least = ">=" if any(v.get("timed_out") or v.get("failed_files")
                               for v in ref.values()) else ""
        tags = f" ({', '.join(t for t in r['tags'] if t in ('median', 'largest'))})" if {
            "median", "largest"} & set(r["tags"]) else ""
        lines.append(f"| {r['input']}{tags} | {st['zip_bytes'] / 1e6:.2f} | {st['py_files']} | "
                     f"{st['py_lines']:,} | {o['median']['wall_s'] * 1000:.1f} | "
                     f"{o['median']['cpu_s'] * 1000:.0f} | {o['peak_rss_mb']:.1f} | "
                     f"{at_least}{_n(rw if ref else None, '{:.1f}')} | "
                     f"{at_least}{_n(rc if ref else None, '{:.1f}')} | "
                     f"{_n(rm, '{:.0f}')} | {at_least}{_n(ratio, '{:.0f}x')} |")
    o, ref = s["ours"], s["reference"]
    lines += ["", "## Totals", "",
              "| side | wall s | CPU s | peak MB | Python MB/s | lines/s |",
              "|---|---:|---:|---:|---:|---:|",
              f"| ours (`scan --rules all`, median of runs) | {o['wall_s']:.2f} | {o['cpu_s']:.2f} | "
              f"{o['peak_rss_mb']:.1f} | {_n(o['py_mb_per_s'], '{:.1f}')} | {_n(o['lines_per_s'], '{:,.0f}')} |"]
    for t, v in ref["per_tool"].items():
        killed = f" (killed at the timeout on {v['timed_out_inputs']} inputs)" if v.get(
            "timed_out_inputs") else ""
        if v.get("failed_inputs"):
            killed += f" (crashed on a file of {v['failed_inputs']} inputs, run again without it)"
        lines.append(f"| {t}{killed} | {v['wall_s']:.1f} | {v['cpu_s']:.1f} | {v['peak_rss_mb']:.0f} | "
                     f"{s['py_bytes'] / 1e6 / v['wall_s']:.2f} | {s['py_lines'] / v['wall_s']:,.0f} |")
    if ref["per_tool"]:
        lines.append(f"| the three tools | {ref['wall_s']:.1f} | {ref['cpu_s']:.1f} | "
                     f"{_n(ref['peak_rss_mb'], '{:.0f}')} | {_n(ref['py_mb_per_s'])} | "
                     f"{_n(ref['lines_per_s'], '{:,.0f}')} |")
    lines += ["", f"Ratio (tools / ours): {_n(s['ratio']['wall'], '{:.1f}x')} wall, "
              f"{_n(s['ratio']['cpu'], '{:.1f}x')} CPU.", "",
              "## Per check", "",
              "| check | reference | status | ours ms (sum) | tool CPU s | precision | recall | ours / tool / matched | other rules |",
              "|---|---|---|---:|---:|---:|---:|---|---:|"]
    for c, v in s["checks"].items():
        counts = (f"{v['ours']} / {v['reference']} / {v['matched']}" if "matched" in v else "-")
        lines.append(f"| {c} | {v['tool'] or '-'} | {v['status']} | {v['ours_ms']:.0f} | "
                     f"{_n(v.get('tool_cpu_s'), '{:.1f}')} | "
                     f"{agreement.fmt_ratio(v.get('precision'))} | {agreement.fmt_ratio(v.get('recall'))} | "
                     f"{counts} | {v.get('out_of_namespace', '-')} |")
    lines += ["", "## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['measured']} | {t['verdict']} |" for t in s["targets"]]
    disagreements = [(c, v) for c, v in s["checks"].items()
                     if v.get("false_positives_sample") or v.get("false_negatives_sample")]
    if disagreements:
        lines += ["", "## Disagreements (samples; all in results.json per input)", ""]
        for c, v in disagreements:
            for kind in ("false_positives_sample", "false_negatives_sample"):
                for k in v.get(kind, [])[:10]:
                    lines.append(f"- {c} {'ours only' if kind.startswith('false_pos') else 'tool only'}: "
                                 f"`{k[0]}:{k[1]}` {k[2]}")
    return "\n".join(lines) + "\n"


# ---- subcommands ----------------------------------------------------------------------------


def venv_path(args) -> pathlib.Path:
    if args.venv:
        return pathlib.Path(args.venv)
    out = subprocess.run(["bash", str(REPO / "infra/python-tools.sh"), "reference"], check=True,
                         capture_output=True, text=True)
    return pathlib.Path(out.stdout.strip())


def load_corpus(args) -> list:
    entries = corpus.parse_corpus(pathlib.Path(args.corpus).read_text())
    if args.quick:
        entries = [e for e in entries if "quick" in e.tags]
    if args.only:
        entries = [e for e in entries if e.label in args.only or e.name in args.only]
    if not entries:
        raise SystemExit("no corpus entry selected")
    return entries


def cmd_run(args) -> int:
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    venv = venv_path(args)
    flake8_args = (args.flake8_args if args.flake8_args is not None
                   else os.environ.get("BENCH_FLAKE8_ARGS", DEFAULT_FLAKE8_ARGS)).split()
    class_to_type = secret_types(venv)
    reference_dir = pathlib.Path(os.environ.get("VALIDATOR_REFERENCE_DIR", REPO / "target/reference"))
    entries = load_corpus(args)
    print(f"preparing {len(entries)} inputs under {work}", file=sys.stderr)
    prepared = [(e, *corpus.prepare(e, REPO, reference_dir, work)) for e in entries]
    records = []
    for e, zip_path, tree, stats in prepared:
        print(f"{e.label}: {stats['zip_bytes'] / 1e6:.2f} MB zip, {stats['py_lines']:,} lines",
              file=sys.stderr)
        saved = work / "out" / e.label / "record.json"
        if args.reuse and saved.exists():
            records.append(json.loads(saved.read_text()))
            print("  reusing the record of an earlier run", file=sys.stderr)
            continue
        records.append(bench_input(e, zip_path, tree, stats, args, venv, flake8_args, class_to_type))
        saved.write_text(json.dumps(records[-1], indent=2))
        r = records[-1]
        print(f"  ours {r['ours']['median']['wall_s'] * 1000:.1f} ms; "
              + ", ".join(f"{t} {m['wall_s']:.1f} s" for t, m in r["reference"].items()),
              file=sys.stderr)
    results = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": " ".join(sys.argv),
        "binary": args.binary,
        "machine": machine(),
        "tool_versions": tool_versions(venv),
        "flake8_args": " ".join(flake8_args),
        "summary": summarise(records),
        "inputs": records,
    }
    (work / "results.json").write_text(json.dumps(results, indent=2))
    md = markdown(results)
    (work / "results.md").write_text(md)
    print(md)
    print(f"written {work / 'results.json'} and {work / 'results.md'}", file=sys.stderr)
    return 0


def tiny_plugin(path: pathlib.Path) -> pathlib.Path:
    """A minimal valid plugin zip, for start-up measurements."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("tiny/__init__.py", "def classFactory(iface):\n    return None\n")
        z.writestr("tiny/metadata.txt", "[general]\nname=tiny\nqgisMinimumVersion=3.0\n"
                   "description=tiny\nversion=0.1\nauthor=a\nemail=a@example.org\n"
                   "about=a tiny plugin\nrepository=https://example.org/tiny\n"
                   "tracker=https://example.org/tiny/issues\n")
        z.writestr("tiny/LICENSE", "GPL-2.0-or-later\n")
    return path


def lambda_memory(peak_mb: float) -> int:
    """MemorySize: the measured peak plus half again (allocator, inputs at the other limits)
    plus 32 MB for the function's runtime client and SDK, rounded up to 64 MB, at least 128."""
    need = peak_mb * 1.5 + 32
    return max(128, int(-(-need // 64) * 64))


def lambda_timeout(cpu_s: float, memory_mb: int) -> int:
    """Timeout: the CPU time measured here scaled to the function's CPU share (1 vCPU at
    1,769 MB), times 3 for slower cores and noisy neighbours, plus 5 s for fetching the zip;
    at least 30 s, rounded up to 10 s."""
    share = min(1.0, memory_mb / LAMBDA_FULL_VCPU_MB)
    t = cpu_s / share * 3 + 5
    return max(30, int(-(-t // 10) * 10))


def cmd_lambda_sizing(args) -> int:
    work = pathlib.Path(args.work)
    if args.zip:
        zip_path = pathlib.Path(args.zip)
    else:
        reference_dir = pathlib.Path(os.environ.get("VALIDATOR_REFERENCE_DIR", REPO / "target/reference"))
        largest = [e for e in corpus.parse_corpus(pathlib.Path(args.corpus).read_text())
                   if "largest" in e.tags]
        if not largest:
            raise SystemExit("no corpus entry tagged `largest`")
        zip_path = corpus.prepare(largest[0], REPO, reference_dir, work)[0]
    tiny = tiny_plugin(work / "zips" / "tiny-plugin.zip")
    startup = {}
    for name, argv in {"--version": [args.binary, "--version"],
                       "scan tiny zip": our_command(args.binary, tiny)}.items():
        runs = [run_measured(argv) for _ in range(args.startup_repeat)]
        startup[name] = {"median_ms": statistics.median(m.wall_s for m in runs) * 1000,
                         "median_cpu_ms": statistics.median(m.cpu_s for m in runs) * 1000,
                         "max_ms": max(m.wall_s for m in runs) * 1000,
                         "peak_rss_mb": max(m.peak_rss_mb for m in runs)}
    checks = args.checks
    if not checks:
        out = subprocess.run(our_command(args.binary, tiny), capture_output=True, text=True)
        checks = list(agreement.parse_our_report(out.stdout).checks)
    per_check = {}
    for check in checks + ["(all checks)"]:
        argv = our_command(args.binary, zip_path, None if check == "(all checks)" else [check])
        runs = [run_measured(argv) for _ in range(args.repeat)]
        codes = sorted({m.exit_code for m in runs})
        peak = max(m.peak_rss_mb for m in runs)
        cpu = max(m.cpu_s for m in runs)
        mem = lambda_memory(peak)
        per_check[check] = {"exit_codes": codes, "wall_s_max": max(m.wall_s for m in runs),
                            "cpu_s_max": cpu, "peak_rss_mb": peak,
                            "memory_size_mb": mem, "timeout_s": lambda_timeout(cpu, mem)}
    result = {"machine": machine(), "binary": args.binary, "zip": str(zip_path),
              "zip_bytes": zip_path.stat().st_size, "startup": startup, "per_check": per_check}
    (work / "lambda-sizing.json").write_text(json.dumps(result, indent=2))
    lines = [f"Lambda sizing on {zip_path.name} ({result['zip_bytes'] / 1e6:.1f} MB), "
             f"{args.repeat} runs per check, worst run:", "",
             "| check | exit | wall s | CPU s | peak RSS MB | MemorySize MB | Timeout s |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for c, v in per_check.items():
        lines.append(f"| {c} | {','.join(map(str, v['exit_codes']))} | {v['wall_s_max']:.3f} | "
                     f"{v['cpu_s_max']:.3f} | {v['peak_rss_mb']:.1f} | {v['memory_size_mb']} | "
                     f"{v['timeout_s']} |")
    lines += ["", "| start-up | median wall ms | max wall ms | median CPU ms | peak RSS MB |",
              "|---|---:|---:|---:|---:|"]
    for name, v in startup.items():
        lines.append(f"| `{name}` | {v['median_ms']:.1f} | {v['max_ms']:.1f} | "
                     f"{v['median_cpu_ms']:.1f} | {v['peak_rss_mb']:.1f} |")
    md = "\n".join(lines) + "\n"
    (work / "lambda-sizing.md").write_text(md)
    print(md)
    return 0


def cmd_self_test(_args) -> int:
    import unittest
    suite = unittest.defaultTestLoader.discover(str(HERE), pattern="test_*.py")
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    return 0 if result.wasSuccessful() else 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--binary", default=str(REPO / "target/release/plugin-validator"))
    common.add_argument("--work", default=str(REPO / "target/bench"))
    common.add_argument("--corpus", default=str(HERE / "corpus.txt"))
    common.add_argument("--checks", type=lambda s: [c for c in s.split(",") if c],
                        help="our checks to run (default: all)")
    r = sub.add_parser("run", parents=[common], help="speed, memory and agreement")
    r.add_argument("--quick", action="store_true", help="only the corpus entries tagged quick")
    r.add_argument("--only", nargs="*", help="only these inputs (name or name-version)")
    r.add_argument("--our-repeat", type=int, default=3, help="runs of our scan per input (median)")
    r.add_argument("--no-reference", action="store_true", help="measure our scan only")
    r.add_argument("--reuse", action="store_true",
                   help="reuse each input's record from an earlier run (resume a long run; "
                        "only with the same binary and settings)")
    r.add_argument("--tool-timeout", type=float,
                   help="kill a reference tool after this many seconds (its times are then lower "
                        "bounds and its agreement is not compared); default: no limit")
    r.add_argument("--venv", help="the reference venv (default: infra/python-tools.sh reference)")
    r.add_argument("--flake8-args", help=f"flake8 settings (default: {DEFAULT_FLAKE8_ARGS!r} "
                                         "or BENCH_FLAKE8_ARGS)")
    l = sub.add_parser("lambda-sizing", parents=[common], help="per-check memory and time")
    l.add_argument("--zip", help="the input (default: the corpus entry tagged largest)")
    l.add_argument("--repeat", type=int, default=3)
    l.add_argument("--startup-repeat", type=int, default=20)
    sub.add_parser("self-test", help="the harness's unit tests")
    args = p.parse_args(argv)
    return {"run": cmd_run, "lambda-sizing": cmd_lambda_sizing,
            "self-test": cmd_self_test}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
