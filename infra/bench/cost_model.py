#!/usr/bin/env python3
"""The rescan's cost model (issue #29 item 4): measures CPU time and peak memory of every check
per version on a folder of zips, and projects a rescan of N versions on AWS.

    cost_model.py measure --zips DIR [--binary BIN] [--repeat N] [--json OUT]
    cost_model.py project --measurements OUT [--versions N]
    cost_model.py run --zips DIR ...            measure, then project (what docs/performance.md shows)

Measuring: `plugin-validator scan ZIP --checks ID --format json` per check and per zip (what
one check function does: open the zip, run its check), and once with every check (what the
rescan function does: every check in one process), each under GNU time (peak RSS) and wait4
(CPU), the median of --repeat runs. The dependencies check reads an empty advisory folder, so
nothing waits on the network. Projecting: the inputs in cost-inputs.toml (prices with their
date and page, operation counts with where in the code they come from) and template.yaml
(each function's MemorySize, RescanBatchSize, RescanConcurrency). Printed as Markdown.
"""
from __future__ import annotations

import argparse
import json
import math
import pathlib
import re
import statistics
import sys
import tempfile
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from measure import run_measured  # noqa: E402

GLOBAL_MEMORY_DEFAULT_MB = 128  # Lambda's own default, when the template's Globals set none


# ---------------------------------------------------------------- the template's facts

def template_facts(text: str) -> dict:
    """Memory size per check function, the rescan function's, and the rescan parameters'
    defaults, from template.yaml's text (its !Ref tags keep a YAML loader out)."""
    globals_mb = GLOBAL_MEMORY_DEFAULT_MB
    g = re.search(r"^Globals:\n(?:[ \t].*\n|\n)*?\s+MemorySize:\s*(\d+)", text, re.M)
    if g:
        globals_mb = int(g.group(1))
    resources = text.split("\nResources:\n", 1)[1] if "\nResources:\n" in text else ""
    # Blocks of the top-level resources: lines indented exactly two spaces start one.
    blocks = re.split(r"\n(?=  [A-Za-z0-9]+:\s*\n)", resources)
    checks: dict[str, int] = {}
    functions: dict[str, int] = {}
    for block in blocks:
        name = re.match(r"\s*([A-Za-z0-9]+):", block)
        if not name or "Type: AWS::Serverless::Function" not in block:
            continue
        mem = re.search(r"^\s{6}MemorySize:\s*(\d+)", block, re.M)
        mb = int(mem.group(1)) if mem else globals_mb
        functions[name.group(1)] = mb
        check = re.search(r"CHECK_ID:\s*([a-z0-9_]+)", block)
        if check:
            checks[check.group(1)] = mb

    def default(param: str) -> int:
        m = re.search(rf"^  {param}:\n(?:\s{{4}}.*\n)*?\s{{4}}Default:\s*(\d+)", text, re.M)
        if not m:
            raise ValueError(f"template.yaml has no default for {param}")
        return int(m.group(1))

    return {
        "check_memory_mb": checks,
        "rescan_memory_mb": functions.get("RescanFunction", globals_mb),
        "rescan_batch_size": default("RescanBatchSize"),
        "rescan_concurrency": default("RescanConcurrency"),
        "check_concurrency": default("CheckConcurrency"),
    }


# ---------------------------------------------------------------- measuring

def measure(binary: str, zips: list[pathlib.Path], checks: list[str], repeat: int) -> dict:
    """Per zip: every check alone, and all of them in one process (medians of `repeat`)."""
    out: dict = {"binary": binary, "repeat": repeat, "checks": checks, "versions": {}}
    with tempfile.TemporaryDirectory(prefix="cost-model-") as tmp:
        advisories = pathlib.Path(tmp) / "advisories"
        advisories.mkdir()
        report = str(pathlib.Path(tmp) / "report.json")

        def run(zip_path: pathlib.Path, only: list[str]) -> dict:
            argv = [binary, "scan", str(zip_path), "--format", "json",
                    "--advisories", str(advisories), "--checks", ",".join(only)]
            runs = [run_measured(argv, stdout_path=report) for _ in range(repeat)]
            bad = [r.exit_code for r in runs if r.exit_code not in (0, 1)]
            if bad:
                raise RuntimeError(f"{' '.join(argv)} exited {bad[0]} (see {report}.stderr)")
            return {"cpu_s": statistics.median(r.cpu_s for r in runs),
                    "wall_s": statistics.median(r.wall_s for r in runs),
                    "peak_rss_mb": max(r.peak_rss_mb for r in runs)}

        for zip_path in zips:
            entry = {"zip_mb": zip_path.stat().st_size / 1e6,
                     "checks": {c: run(zip_path, [c]) for c in checks},
                     "all": run(zip_path, checks)}
            out["versions"][zip_path.stem] = entry
            print(f"measured {zip_path.stem}: all checks {entry['all']['cpu_s']:.2f} s CPU, "
                  f"{entry['all']['peak_rss_mb']:.0f} MB", file=sys.stderr)
    return out


# ---------------------------------------------------------------- projecting

def vcpu_share(memory_mb: int, mb_per_vcpu: float) -> float:
    """The CPU a function of this memory size gets (Lambda: proportional to memory)."""
    return memory_mb / mb_per_vcpu


def billed_seconds(cpu_s: float, memory_mb: int, io_ms: float, inputs: dict) -> float:
    """Duration billed for CPU-bound work of `cpu_s` (this machine's seconds) plus `io_ms` of
    waiting on other services, at this memory size: the CPU time stretched by the function's
    share of a core when below one (our checks use several threads, so above one vCPU the CPU
    time is the floor), rounded up to Lambda's 1 ms granularity."""
    p = inputs["projection"]
    share = min(vcpu_share(memory_mb, p["mb_per_vcpu"]), 1.0)
    seconds = cpu_s * p["cpu_speed_factor"] / share + io_ms / 1000.0
    return math.ceil(seconds * 1000.0) / 1000.0


def per_version_means(measured: dict) -> dict:
    """Mean CPU seconds and max peak memory over the measured versions, per check and all."""
    versions = list(measured["versions"].values())
    checks = measured["checks"]
    return {
        "checks": {c: {"cpu_s": statistics.fmean(v["checks"][c]["cpu_s"] for v in versions),
                       "peak_rss_mb": max(v["checks"][c]["peak_rss_mb"] for v in versions)}
                   for c in checks},
        "all": {"cpu_s": statistics.fmean(v["all"]["cpu_s"] for v in versions),
                "peak_rss_mb": max(v["all"]["peak_rss_mb"] for v in versions)},
    }


def count_ops(ops: list[dict], path: str, checks: int, batch_size: int,
              changed_share: float) -> dict[str, float]:
    """Operations per version on `path`, by service."""
    per = {"version": 1.0, "check": float(checks), "batch": 1.0 / batch_size,
           "changed": changed_share}
    totals: dict[str, float] = {}
    for op in ops:
        if op["path"] != path:
            continue
        totals[op["service"]] = totals.get(op["service"], 0.0) + op["count"] * per[op["per"]]
    return totals


PRICE_OF = {  # service -> (price key, units per price)
    "lambda_requests": ("lambda_per_million_requests", 1e6),
    "sqs_requests": ("sqs_per_million_requests", 1e6),
    "dynamodb_write": ("dynamodb_per_million_wru", 1e6),
    "dynamodb_read": ("dynamodb_per_million_rru", 1e6),
    "s3_put": ("s3_put_per_thousand", 1e3),
    "s3_get": ("s3_get_per_thousand", 1e3),
    "step_functions_transitions": ("step_functions_per_thousand_transitions", 1e3),
    "ses_emails": ("ses_per_thousand_emails", 1e3),
    "eventbridge_events": ("eventbridge_per_million_events", 1e6),
}


def project(means: dict, facts: dict, inputs: dict, versions: int) -> dict:
    """Both paths' totals for `versions` versions: GB-seconds, operations, dollars, wall time."""
    p, prices = inputs["projection"], inputs["prices"]
    checks = list(means["checks"])
    result = {"versions": versions, "paths": {}}
    for path in ("rescan", "upload"):
        if path == "rescan":
            # Every check in one process of the rescan function.
            mem = facts["rescan_memory_mb"]
            seconds = billed_seconds(means["all"]["cpu_s"], mem, p["io_ms_per_version"], inputs)
            gb_s_per_version = seconds * mem / 1024.0
            wall_per_version = seconds
            peak = means["all"]["peak_rss_mb"]
            memory_note = {"rescan": mem}
        else:
            # One check function per check, each at its own memory size.
            gb_s_per_version = 0.0
            wall_per_version = 0.0
            peak = max(m["peak_rss_mb"] for m in means["checks"].values())
            memory_note = {}
            for c in checks:
                mem = facts["check_memory_mb"].get(c)
                if mem is None:
                    raise ValueError(f"template.yaml has no function for check {c}")
                seconds = billed_seconds(means["checks"][c]["cpu_s"], mem,
                                         p["io_ms_per_check_invocation"], inputs)
                gb_s_per_version += seconds * mem / 1024.0
                # The checks of one version run side by side: the slowest one decides.
                wall_per_version = max(wall_per_version, seconds)
                memory_note[c] = mem
        ops = count_ops(inputs["ops"], path, len(checks), facts["rescan_batch_size"],
                        p["changed_share"])
        totals = {k: v * versions for k, v in ops.items()}
        if path == "rescan":
            totals["ses_emails"] = totals.get("ses_emails", 0.0) + 1  # the approvers' digest
        gb_s = gb_s_per_version * versions
        dollars = {"lambda_gb_s": gb_s * prices["lambda_gb_second_arm64"]}
        for service, amount in totals.items():
            key, unit = PRICE_OF[service]
            dollars[service] = amount / unit * prices[key]
        concurrency = (max(facts["rescan_concurrency"], 1) if path == "rescan"
                       else facts["check_concurrency"])
        # Rescan: batches one after another at the default RescanConcurrency (0, unreserved,
        # runs one batch at a time), each version of a batch in turn. Upload path: CheckConcurrency
        # versions at once, each as slow as its slowest check.
        wall_s = versions * wall_per_version / concurrency
        result["paths"][path] = {
            "memory_mb": memory_note, "peak_rss_mb": peak,
            "billed_s_per_version": wall_per_version if path == "rescan" else None,
            "gb_s_per_version": gb_s_per_version, "gb_s": gb_s, "operations": totals,
            "dollars": dollars, "total_dollars": sum(dollars.values()),
            "concurrency": concurrency, "wall_hours": wall_s / 3600.0,
        }
    return result


def markdown(measured: dict, means: dict, facts: dict, inputs: dict, projection: dict) -> str:
    p, prices = inputs["projection"], inputs["prices"]
    lines = ["## Measured per version (this machine)", "",
             "| version | zip MB | all checks CPU s | all checks peak MB | "
             + " | ".join(f"{c} CPU s" for c in measured["checks"]) + " |",
             "|---|---:|---:|---:|" + "---:|" * len(measured["checks"])]
    for name, v in measured["versions"].items():
        lines.append(f"| {name} | {v['zip_mb']:.2f} | {v['all']['cpu_s']:.3f} | "
                     f"{v['all']['peak_rss_mb']:.1f} | "
                     + " | ".join(f"{v['checks'][c]['cpu_s']:.3f}" for c in measured["checks"])
                     + " |")
    lines += ["", "| check | mean CPU s per version | max peak MB | MemorySize MB |",
              "|---|---:|---:|---:|"]
    for c, m in means["checks"].items():
        lines.append(f"| {c} | {m['cpu_s']:.3f} | {m['peak_rss_mb']:.1f} | "
                     f"{facts['check_memory_mb'].get(c, '-')} |")
    lines.append(f"| (all, one process) | {means['all']['cpu_s']:.3f} | "
                 f"{means['all']['peak_rss_mb']:.1f} | {facts['rescan_memory_mb']} (rescan) |")
    lines += ["", f"## Projection: {projection['versions']:,} versions", "",
              f"Inputs: {len(measured['versions'])} measured versions (their mean); "
              f"{p['mb_per_vcpu']} MB per vCPU; CPU speed factor {p['cpu_speed_factor']}; "
              f"{p['io_ms_per_version']:.0f} ms of I/O per version in the rescan function, "
              f"{p['io_ms_per_check_invocation']:.0f} ms per check function; changed share "
              f"{p['changed_share']:.0%}; RescanBatchSize {facts['rescan_batch_size']}, "
              f"RescanConcurrency {facts['rescan_concurrency']}, CheckConcurrency "
              f"{facts['check_concurrency']}; prices us-east-1 as of {prices['date']}.", "",
              "| | rescan (as built: the rescan function) | upload path (per-check functions) |",
              "|---|---:|---:|"]
    r, u = projection["paths"]["rescan"], projection["paths"]["upload"]

    def row(label: str, f) -> None:
        lines.append(f"| {label} | {f(r)} | {f(u)} |")

    row("Lambda GB-seconds", lambda x: f"{x['gb_s']:,.0f}")
    services = sorted(set(r["operations"]) | set(u["operations"]))
    for s in services:
        row(s.replace("_", " "), lambda x, s=s: f"{x['operations'].get(s, 0):,.0f}")
    row("**dollars**", lambda x: f"**{x['total_dollars']:,.2f}**")
    for k in sorted(set(r["dollars"]) | set(u["dollars"])):
        row(f"  $ {k.replace('_', ' ')}", lambda x, k=k: f"{x['dollars'].get(k, 0):,.2f}")
    row("concurrency", lambda x: f"{x['concurrency']}")
    row("wall time (hours)", lambda x: f"{x['wall_hours']:,.1f}")
    return "\n".join(lines) + "\n"


def load_inputs(path: pathlib.Path) -> dict:
    return tomllib.loads(path.read_text())


def cmd_measure(args) -> dict:
    zips = sorted(pathlib.Path(args.zips).glob("*.zip"))
    if args.limit:
        zips = zips[:args.limit]
    if not zips:
        raise SystemExit(f"no zips in {args.zips}")
    facts = template_facts(pathlib.Path(args.template).read_text())
    checks = args.checks or list(facts["check_memory_mb"])
    measured = measure(args.binary, zips, checks, args.repeat)
    pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.json).write_text(json.dumps(measured, indent=2))
    return measured


def cmd_project(args, measured: dict | None = None) -> int:
    if measured is None:
        measured = json.loads(pathlib.Path(args.measurements).read_text())
    inputs = load_inputs(pathlib.Path(args.inputs))
    facts = template_facts(pathlib.Path(args.template).read_text())
    versions = args.versions or inputs["projection"]["versions"]
    means = per_version_means(measured)
    projection = project(means, facts, inputs, versions)
    print(markdown(measured, means, facts, inputs, projection))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--template", default=str(REPO / "template.yaml"))
    common.add_argument("--inputs", default=str(HERE / "cost-inputs.toml"))
    common.add_argument("--versions", type=int, help="versions to project (default: the inputs')")
    meas = argparse.ArgumentParser(add_help=False)
    meas.add_argument("--zips", default=str(REPO / "target/bench/zips"))
    meas.add_argument("--binary", default=str(REPO / "target/release/plugin-validator"))
    meas.add_argument("--repeat", type=int, default=3)
    meas.add_argument("--limit", type=int, help="only the first N zips (by name)")
    meas.add_argument("--checks", type=lambda s: [c for c in s.split(",") if c],
                      help="these checks (default: every check function in template.yaml)")
    meas.add_argument("--json", default=str(REPO / "target/bench/cost-model.json"))
    sub.add_parser("measure", parents=[common, meas])
    pr = sub.add_parser("project", parents=[common])
    pr.add_argument("--measurements", default=str(REPO / "target/bench/cost-model.json"))
    sub.add_parser("run", parents=[common, meas])
    args = ap.parse_args(argv)
    if args.command == "measure":
        cmd_measure(args)
        return 0
    if args.command == "project":
        return cmd_project(args)
    return cmd_project(args, cmd_measure(args))


if __name__ == "__main__":
    sys.exit(main())
