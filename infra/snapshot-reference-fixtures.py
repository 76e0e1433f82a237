#!/usr/bin/env python3
"""Regenerates the expected findings of the per-rule fixtures from the reference tools.

    infra/snapshot-reference-fixtures.py security   tests/fixtures/security/<ID>.py.expected (Bandit)
    infra/snapshot-reference-fixtures.py secrets    tests/fixtures/secrets/<RULE>.*.expected (detect-secrets)

The snapshots are generated once, reviewed, and committed; the engines' fixture tests compare with
them offline. The reference tools come from the pinned venv (`infra/python-tools.sh reference`).
Snapshot format, one finding per line, sorted:
    security: `LINE ID SEVERITY CONFIDENCE`, or `not analysed` for a file Bandit refuses
    secrets:  `LINE TYPE` (detect-secrets' type name)
"""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def venv_bin() -> pathlib.Path:
    venv = subprocess.run(
        [str(ROOT / "infra" / "python-tools.sh"), "reference"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    return pathlib.Path(venv) / "bin"


def fixtures(engine: str) -> list:
    return sorted(p for p in (FIXTURES / engine).iterdir() if not p.name.endswith(".expected"))


def security(tools: pathlib.Path) -> None:
    for path in fixtures("security"):
        # One file at a time, with Bandit's default profile, as `bandit -r` would see it.
        run = subprocess.run(
            [str(tools / "bandit"), "-f", "json", "-q", str(path)], capture_output=True, text=True
        )
        report = json.loads(run.stdout)
        if report["errors"]:
            lines = ["not analysed"]
        else:
            lines = sorted(
                (r["line_number"], r["test_id"], r["issue_severity"], r["issue_confidence"])
                for r in report["results"]
            )
            lines = [" ".join(map(str, line)) for line in lines]
        write(path, lines)


def secrets(tools: pathlib.Path) -> None:
    for path in fixtures("secrets"):
        # `scan --all-files` on the one file, with every plugin and the default filters.
        run = subprocess.run(
            [str(tools / "detect-secrets"), "scan", "--all-files", path.name],
            capture_output=True, text=True, check=True, cwd=path.parent,
        )
        found = json.loads(run.stdout)["results"].get(path.name, [])
        lines = sorted((r["line_number"], r["type"]) for r in found)
        write(path, [f"{line} {kind}" for line, kind in lines])


def write(path: pathlib.Path, lines: list) -> None:
    expected = path.with_name(path.name + ".expected")
    expected.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"{expected.relative_to(ROOT)}: {len(lines)} finding(s)")


if __name__ == "__main__":
    engines = {"security": security, "secrets": secrets}
    if len(sys.argv) != 2 or sys.argv[1] not in engines:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(engines)}")
    engines[sys.argv[1]](venv_bin())
