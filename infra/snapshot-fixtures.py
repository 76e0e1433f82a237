#!/usr/bin/env python3
"""Regenerates the snapshots of the per-rule fixtures from the reference tool.

    python3 infra/snapshot-fixtures.py quality

For every tests/fixtures/quality/<CODE>.py it runs flake8 (from the reference venv,
infra/python-tools.sh reference) as `--rules all` runs it: flake8's own defaults (--isolated),
or the options of <CODE>.cfg (a [flake8] section) where the rule needs one (a default-ignored
code, C901's limit, W505's limit, hang-closing). It writes <CODE>.py.expected, one finding a
line: `LINE:COL CODE message`, in flake8's order. Review the diff before committing: the
snapshots are what the offline test (shared/quality-check/tests/fixtures.rs) holds the engine to.
"""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def reference_tool(name: str) -> pathlib.Path:
    venv = subprocess.run(
        [str(ROOT / "infra" / "python-tools.sh"), "reference"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    return pathlib.Path(venv) / "bin" / name


def snapshot_quality() -> None:
    folder = ROOT / "tests" / "fixtures" / "quality"
    flake8 = reference_tool("flake8")
    for fixture in sorted(folder.glob("*.py")):
        config = fixture.with_suffix(".cfg")
        options = [f"--config={config.name}"] if config.exists() else ["--isolated"]
        # Run from the folder on the bare file name: the snapshot carries no path.
        result = subprocess.run(
            [str(flake8), *options, "--exit-zero",
             "--format=%(row)d:%(col)d %(code)s %(text)s", fixture.name],
            cwd=folder, check=True, capture_output=True, text=True,
        )
        expected = fixture.with_name(fixture.name + ".expected")
        expected.write_text(result.stdout)
        codes = {line.split(" ")[1] for line in result.stdout.splitlines()}
        if fixture.stem not in codes:
            print(f"{fixture.name}: flake8 does not report {fixture.stem}", file=sys.stderr)


ENGINES = {"quality": snapshot_quality}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ENGINES:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(ENGINES)}")
    ENGINES[sys.argv[1]]()
