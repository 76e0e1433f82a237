"""The population study of real_plugins.py: scan every materialised plugin zip with the
validator, summarise each report, and print markdown tables (per plugin, per check and rule,
totals), or compare two studies. Stdlib only; the command line is in real_plugins.py."""
from __future__ import annotations

import concurrent.futures
import datetime
import json
import pathlib
import statistics
import subprocess
import sys
import time

FORMAT = "real-plugins-study/1"
SHOWN_PER_PLUGIN = 3  # findings quoted per plugin in the tables; the JSON has them all
CHECK_ORDER = ["package_structure", "file_permissions", "suspicious_files", "security", "secrets",
               "code_quality", "behaviour", "bundled_libraries"]


def _where(finding: dict) -> dict:
    return {"check": finding.get("check", "?"), "rule": str(finding.get("rule", "?")),
            "path": finding.get("path", ""), "line": finding.get("line")}


def summarise_report(report: dict) -> dict:
    """What a study keeps of one `scan --format json` report: the status, the blocking and held
    findings (where), the checks that did not finish, and per rule how often it fired."""
    rules: dict[tuple[str, str], dict] = {}
    blocking, review = [], []
    for f in report.get("findings", []):
        if f.get("suppressed"):
            continue
        key = (f.get("check", "?"), str(f.get("rule", "?")))
        entry = rules.setdefault(key, {"check": key[0], "rule": key[1], "findings": 0,
                                       "blocking": 0, "review": 0})
        entry["findings"] += 1
        if f.get("blocking"):
            entry["blocking"] += 1
            blocking.append(_where(f))
        if f.get("review"):
            entry["review"] += 1
            review.append(_where(f))
    errors = [{"check": c.get("check", "?"), "error": c.get("error") or c.get("status", "?")}
              for c in report.get("checks", []) if c.get("status") != "ok"]
    status = report.get("status", "error")
    verdict = "held" if status == "validated" and review else status
    return {
        "verdict": verdict, "status": status, "plugin": report.get("plugin"),
        "version": report.get("version"), "counts": report.get("counts", {}),
        "blocking": blocking, "review": review, "check_errors": errors,
        "rules": sorted(rules.values(), key=lambda r: (r["check"], r["rule"])),
        "check_ms": {c.get("check", "?"): c.get("duration_ms", 0)
                     for c in report.get("checks", [])},
        # The qgis4 check's readiness (ready, declared_not_ready, not_ready, not_declared).
        "qgis4": report.get("qgis4"),
    }


QGIS4_STATES = ["ready", "declared_not_ready", "not_ready", "not_declared"]


def qgis4_table(plugins: list[dict]) -> dict:
    """How many plugins are in each QGIS 4 readiness state, declare QGIS 4 (qgisMaximumVersion
    >= 4.0, as plugins.qgis.org reads it since May 2026), and how many
    places to change they have in all (plugins the qgis4 check did not run on are left out)."""
    rated = [p["qgis4"] for p in plugins if p.get("qgis4")]
    table = {state: sum(1 for q in rated if q.get("state") == state) for state in QGIS4_STATES}
    table["declared"] = sum(1 for q in rated if q.get("declared"))
    table["places"] = sum(q.get("places", 0) for q in rated)
    table["rated"] = len(rated)
    return table


def scan_one(validator: str, item: dict, checks: str | None, rules: str, timeout: float,
             reports_dir: pathlib.Path | None) -> dict:
    """Scan one zip; a scan that prints no report (exit 2, a crash, a timeout) is `failed`."""
    cmd = [validator, "scan", item["zip"], "--format", "json", "--rules", rules]
    if checks:
        cmd += ["--checks", checks]
    start = time.monotonic()
    record = dict(item)
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        record.update(verdict="failed", exit_code=None, seconds=round(time.monotonic() - start, 3),
                      failure=f"no report after {timeout:g} s")
        return record
    except OSError as e:
        record.update(verdict="failed", exit_code=None, seconds=0.0, failure=str(e))
        return record
    record["seconds"] = round(time.monotonic() - start, 3)
    record["exit_code"] = proc.returncode
    try:
        report = json.loads(proc.stdout)
    except (json.JSONDecodeError, UnicodeDecodeError):
        stderr = proc.stderr.decode(errors="replace").strip().splitlines()
        record.update(verdict="failed",
                      failure=f"exit {proc.returncode}: {stderr[-1] if stderr else 'no output'}")
        return record
    if reports_dir is not None:
        (reports_dir / f"{item['id']}.json").write_bytes(proc.stdout)
    record.update(summarise_report(report))
    record["provenance"] = report.get("provenance", {})
    return record


def plugins_in(plugins_dir: pathlib.Path) -> list[dict]:
    """The zips to scan: the manifest's rows that have one, else every *.zip in the folder."""
    manifest = plugins_dir / "manifest.tsv"
    items = []
    if manifest.is_file():
        lines = manifest.read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t") if lines else []
        for line in lines[1:]:
            row = dict(zip(header, line.split("\t")))
            if row.get("zip") and (plugins_dir / row["zip"]).is_file():
                items.append({"id": row["id"], "repo": row.get("repo", ""),
                              "commit": row.get("commit", ""), "folder": row.get("folder", ""),
                              "zip": str(plugins_dir / row["zip"])})
    else:
        for z in sorted(plugins_dir.glob("*.zip")):
            items.append({"id": z.stem, "repo": "", "commit": "", "folder": "", "zip": str(z)})
    return sorted(items, key=lambda i: i["id"].casefold())


def run_study(validator: str, items: list[dict], checks: str | None, rules: str, jobs: int,
              timeout: float, reports_dir: pathlib.Path | None = None, log=None) -> dict:
    started = datetime.datetime.now(datetime.timezone.utc)
    wall = time.monotonic()
    results: list[dict] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(scan_one, validator, item, checks, rules, timeout, reports_dir)
                   for item in items]
        for done, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            record = future.result()
            results.append(record)
            if log:
                log(f"[{done}/{len(items)}] {record['id']}: {record['verdict']} "
                    f"({record['seconds']:.2f} s)")
    results.sort(key=lambda r: r["id"].casefold())
    provenance = next((r["provenance"] for r in results if r.get("provenance")), {})
    for r in results:
        r.pop("provenance", None)
    return {"format": FORMAT, "validator": validator, "provenance": provenance,
            "rules": rules, "checks": checks or "all", "jobs": jobs,
            "started_at": started.isoformat(timespec="seconds"),
            "wall_seconds": round(time.monotonic() - wall, 1), "plugins": results}


# ---------------------------------------------------------------------------------------------
# Tables


def rule_table(plugins: list[dict]) -> list[dict]:
    """Per (check, rule): how many plugins it fires on, blocks, holds, and its findings."""
    table: dict[tuple[str, str], dict] = {}
    for p in plugins:
        for r in p.get("rules", []):
            key = (r["check"], r["rule"])
            entry = table.setdefault(key, {"check": key[0], "rule": key[1], "fires": 0,
                                           "blocks": 0, "holds": 0, "findings": 0})
            entry["fires"] += 1
            entry["blocks"] += r["blocking"] > 0
            entry["holds"] += r["review"] > 0
            entry["findings"] += r["findings"]
    order = {c: i for i, c in enumerate(CHECK_ORDER)}
    return sorted(table.values(), key=lambda e: (order.get(e["check"], len(order)), e["check"],
                                                 -e["blocks"], -e["holds"], -e["fires"],
                                                 e["rule"]))


def check_table(plugins: list[dict]) -> list[dict]:
    """Per check: plugins it finds something in, blocks, holds, errors on, and its time."""
    table: dict[str, dict] = {}
    for p in plugins:
        for check, ms in p.get("check_ms", {}).items():
            e = table.setdefault(check, {"check": check, "fires": 0, "blocks": 0, "holds": 0,
                                         "errors": 0, "ms": []})
            e["ms"].append(ms)
        for check in {r["check"] for r in p.get("rules", [])}:
            table.setdefault(check, {"check": check, "fires": 0, "blocks": 0, "holds": 0,
                                     "errors": 0, "ms": []})["fires"] += 1
        for key, field in (("blocking", "blocks"), ("review", "holds")):
            for check in {f["check"] for f in p.get(key, [])}:
                table[check][field] += 1
        for err in p.get("check_errors", []):
            table.setdefault(err["check"], {"check": err["check"], "fires": 0, "blocks": 0,
                                            "holds": 0, "errors": 0, "ms": []})["errors"] += 1
    order = {c: i for i, c in enumerate(CHECK_ORDER)}
    return sorted(table.values(), key=lambda e: (order.get(e["check"], len(order)), e["check"]))


def _rule_counts(findings: list[dict]) -> str:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f["rule"]] = counts.get(f["rule"], 0) + 1
    return ", ".join(f"{rule} ({n})" for rule, n in sorted(counts.items(), key=lambda x: (-x[1], x[0])))


def _first(findings: list[dict]) -> str:
    shown = []
    for f in findings[:SHOWN_PER_PLUGIN]:
        where = f["path"] + (f":{f['line']}" if f.get("line") is not None else "")
        shown.append(f"{f['rule']} `{_cell(where)}`")
    more = len(findings) - SHOWN_PER_PLUGIN
    return "; ".join(shown) + (f"; +{more} more" if more > 0 else "")


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def totals(study_: dict) -> dict:
    plugins = study_["plugins"]
    verdicts = [p["verdict"] for p in plugins]
    seconds = [p.get("seconds") or 0.0 for p in plugins if p["verdict"] != "failed"]
    return {"plugins": len(plugins), "validated": verdicts.count("validated"),
            "held": verdicts.count("held"), "blocked": verdicts.count("blocked"),
            "error": verdicts.count("error"), "failed": verdicts.count("failed"),
            "with_check_errors": sum(1 for p in plugins if p.get("check_errors")),
            "findings": sum(r["findings"] for p in plugins for r in p.get("rules", [])),
            "median_s": statistics.median(seconds) if seconds else 0.0,
            "p95_s": _percentile(seconds, 0.95), "max_s": max(seconds, default=0.0),
            "sum_s": sum(seconds), "wall_s": study_.get("wall_seconds", 0.0)}


def markdown(study_: dict) -> str:
    plugins = study_["plugins"]
    t = totals(study_)
    prov = study_.get("provenance", {})
    out = [f"## Real plugins study: {t['plugins']} plugins", "",
           f"validator {prov.get('validator_version', '?')}, rules {prov.get('rules_version', '?')}, "
           f"policy `{prov.get('policy_digest', '?')}`; `--rules {study_.get('rules')}`, checks: "
           f"{study_.get('checks')}; {study_.get('started_at', '?')}, {study_.get('jobs')} job(s)",
           "",
           "| plugins | validated | held for review | blocked | scan error | failed to scan "
           "| findings | scan s: median / p95 / max | wall s |",
           "|---:|---:|---:|---:|---:|---:|---:|---|---:|",
           f"| {t['plugins']} | {t['validated']} | {t['held']} | {t['blocked']} | {t['error']} | "
           f"{t['failed']} | {t['findings']} | {t['median_s']:.2f} / {t['p95_s']:.2f} / "
           f"{t['max_s']:.2f} | {t['wall_s']:.0f} |", ""]
    blocked = [p for p in plugins if p.get("blocking")]
    out += [f"### Blocked ({len(blocked)})", ""]
    if blocked:
        out += ["| plugin | blocking rules (findings) | where (first) |", "|---|---|---|"]
        out += [f"| {_cell(p['id'])} | {_cell(_rule_counts(p['blocking']))} | {_first(p['blocking'])} |"
                for p in blocked]
    held = [p for p in plugins if p.get("review")]
    out += ["", f"### Held for review ({len(held)}; {t['held']} of them not blocked)", ""]
    if held:
        out += ["| plugin | verdict | rules held (findings) | where (first) |", "|---|---|---|---|"]
        out += [f"| {_cell(p['id'])} | {p['verdict']} | {_cell(_rule_counts(p['review']))} | "
                f"{_first(p['review'])} |" for p in held]
    troubled = [p for p in plugins if p.get("check_errors") or p["verdict"] == "failed"]
    out += ["", f"### Check errors and failed scans ({len(troubled)})", ""]
    if troubled:
        out += ["| plugin | check | error |", "|---|---|---|"]
        for p in troubled:
            if p["verdict"] == "failed":
                out.append(f"| {_cell(p['id'])} | (scan) | {_cell(p.get('failure', ''))} |")
            for e in p.get("check_errors", []):
                out.append(f"| {_cell(p['id'])} | {e['check']} | {_cell(e['error'])} |")
    out += ["", "### Checks", "",
            "| check | fires on | blocks | holds | errors | ms: median / max |",
            "|---|---:|---:|---:|---:|---|"]
    for c in check_table(plugins):
        ms = c["ms"]
        timing = f"{statistics.median(ms):.0f} / {max(ms)}" if ms else "-"
        out.append(f"| {c['check']} | {c['fires']} | {c['blocks']} | {c['holds']} | "
                   f"{c['errors']} | {timing} |")
    q4 = qgis4_table(plugins)
    if q4["rated"]:
        out += ["", f"### QGIS 4 readiness ({q4['rated']} plugins)", "",
                "| ready | declared but not ready | not ready | ready, not declared "
                "| declare QGIS 4 (qgisMaximumVersion >= 4) | places to change |",
                "|---:|---:|---:|---:|---:|---:|",
                f"| {q4['ready']} | {q4['declared_not_ready']} | {q4['not_ready']} | "
                f"{q4['not_declared']} | {q4['declared']} | {q4['places']} |"]
    out += ["", "### Rules (plugins it fires on, blocks, holds; its findings)", "",
            "| check | rule | fires on | blocks | holds | findings |",
            "|---|---|---:|---:|---:|---:|"]
    out += [f"| {r['check']} | {_cell(r['rule'])} | {r['fires']} | {r['blocks']} | {r['holds']} | "
            f"{r['findings']} |" for r in rule_table(plugins)]
    out += ["", "### Every plugin", "",
            "| plugin | verdict | blocking | held | findings | s |", "|---|---|---:|---:|---:|---:|"]
    for p in plugins:
        found = sum(r["findings"] for r in p.get("rules", []))
        out.append(f"| {_cell(p['id'])} | {p['verdict']} | {len(p.get('blocking', []))} | "
                   f"{len(p.get('review', []))} | {found} | {p.get('seconds') or 0:.2f} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Compare


def _rule_set(p: dict | None, key: str) -> set[str]:
    return {f"{f['check']}/{f['rule']}" for f in (p or {}).get(key, [])}


def compare(old: dict, new: dict) -> list[dict]:
    """Plugins whose verdict, blocking rules or held rules differ between two studies (a plugin
    in one study only is a change too)."""
    before = {p["id"]: p for p in old["plugins"]}
    after = {p["id"]: p for p in new["plugins"]}
    changes = []
    for pid in sorted(set(before) | set(after), key=str.casefold):
        b, a = before.get(pid), after.get(pid)
        change = {"id": pid, "before": b["verdict"] if b else "absent",
                  "after": a["verdict"] if a else "absent",
                  "blocking_added": sorted(_rule_set(a, "blocking") - _rule_set(b, "blocking")),
                  "blocking_removed": sorted(_rule_set(b, "blocking") - _rule_set(a, "blocking")),
                  "held_added": sorted(_rule_set(a, "review") - _rule_set(b, "review")),
                  "held_removed": sorted(_rule_set(b, "review") - _rule_set(a, "review"))}
        if (change["before"] != change["after"] or change["blocking_added"]
                or change["blocking_removed"] or change["held_added"] or change["held_removed"]):
            changes.append(change)
    return changes


def compare_markdown(old: dict, new: dict, old_name: str = "before", new_name: str = "after"
                     ) -> str:
    tb, ta = totals(old), totals(new)
    out = [f"## Compared: {old_name} -> {new_name}", "",
           "| | plugins | validated | held | blocked | scan error | failed |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for label, t in ((old_name, tb), (new_name, ta)):
        out.append(f"| {_cell(label)} | {t['plugins']} | {t['validated']} | {t['held']} | "
                   f"{t['blocked']} | {t['error']} | {t['failed']} |")
    changes = compare(old, new)
    out += ["", f"{len(changes)} plugin(s) changed verdict, blocking rules or held rules.", ""]
    if changes:
        out += ["| plugin | before | after | blocking + | blocking - | held + | held - |",
                "|---|---|---|---|---|---|---|"]
        for c in changes:
            cells = [", ".join(c[k]) or "" for k in ("blocking_added", "blocking_removed",
                                                      "held_added", "held_removed")]
            out.append(f"| {_cell(c['id'])} | {c['before']} | {c['after']} | "
                       + " | ".join(_cell(x) for x in cells) + " |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Commands (registered by real_plugins.py)


def load_study(path: str) -> dict:
    data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise SystemExit(f"{path}: not a {FORMAT} file")
    return data


def cmd_study(args) -> int:
    plugins_dir = pathlib.Path(args.plugins)
    items = plugins_in(plugins_dir)
    if args.only:
        items = [i for i in items if any(o.casefold() in i["id"].casefold() for o in args.only)]
    if not items:
        print(f"no plugin zips in {plugins_dir} (run materialise --zip first)", file=sys.stderr)
        return 2
    reports_dir = pathlib.Path(args.reports) if args.reports else None
    if reports_dir:
        reports_dir.mkdir(parents=True, exist_ok=True)
    result = run_study(args.validator, items, args.checks, args.rules, args.jobs, args.timeout,
                       reports_dir, log=lambda m: print(m, file=sys.stderr))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(markdown(result))
    if args.compare:
        print(compare_markdown(load_study(args.compare), result, args.compare,
                               args.json or "this study"))
    return 0


def cmd_report(args) -> int:
    print(markdown(load_study(args.study)))
    return 0


def cmd_compare(args) -> int:
    print(compare_markdown(load_study(args.old), load_study(args.new), args.old, args.new))
    return 0


def add_commands(sub, default_plugins: pathlib.Path) -> None:
    s = sub.add_parser("study", help="scan every materialised zip and print the tables")
    s.add_argument("--validator", required=True, help="the plugin-validator binary")
    s.add_argument("--plugins", default=str(default_plugins),
                   help="materialised plugins, with manifest.tsv and zips (default: %(default)s)")
    s.add_argument("--checks", help="only these checks (comma-separated), as scan --checks")
    s.add_argument("--rules", choices=["policy", "all"], default="policy")
    s.add_argument("--json", help="write the study (every plugin's summary) here")
    s.add_argument("--reports", help="also keep each plugin's full JSON report in this folder")
    s.add_argument("--jobs", type=int, default=1, help="scans at once (default: 1)")
    s.add_argument("--timeout", type=float, default=600.0, help="seconds per scan")
    s.add_argument("--only", nargs="*", help="only plugins whose id contains one of these")
    s.add_argument("--compare", help="an earlier study's JSON: also print what changed")
    r = sub.add_parser("report", help="print a saved study's tables")
    r.add_argument("study")
    c = sub.add_parser("compare", help="what changed between two saved studies")
    c.add_argument("old")
    c.add_argument("new")


COMMANDS = {"study": cmd_study, "report": cmd_report, "compare": cmd_compare}
