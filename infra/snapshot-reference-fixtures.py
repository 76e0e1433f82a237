#!/usr/bin/env python3
"""Regenerates the expected findings of the per-rule fixtures from the reference tools.

    infra/snapshot-reference-fixtures.py security   tests/fixtures/security/<ID>.py.expected (Bandit)
    infra/snapshot-reference-fixtures.py secrets    tests/fixtures/secrets/<RULE>.*.expected (detect-secrets)

The snapshots are generated once, reviewed, and committed; the engines' fixture tests compare with
them offline. The reference tools come from the pinned venv (`infra/python-tools.sh reference`).
Snapshot format, one finding per line, sorted:
    security: `LINE ID SEVERITY CONFIDENCE`, or `not analysed` for a file Bandit refuses
    secrets:  `LINE TYPE` (detect-secrets' type name); the fixtures hold `<<alphabet:length>>`
              placeholders for the values, filled the same way here and in the Rust test
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

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


UPPER, LOWER, DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789"
ALPHABETS = {
    "alnum": UPPER + LOWER + DIGITS,
    "upper": UPPER,
    "lower": LOWER,
    "digits": DIGITS,
    "hex": "0123456789abcdef",
    "upperdigits": UPPER + DIGITS,
    "lowerdigits": LOWER + DIGITS,
    "base64": UPPER + LOWER + DIGITS + "+/",
}
PLACEHOLDER = re.compile(r"<<([a-z0-9]+):([0-9]+)>>")


def fill_placeholders(text: str) -> str:
    """`<<alphabet:length>>` -> made-up characters, the same as the Rust fixture test makes
    (`Fake` of shared/secrets-check/tests/fixtures/mod.rs: xorshift64 from seed 1, per file)."""
    state = 1

    def draw(match):
        nonlocal state
        chars = ALPHABETS[match.group(1)]
        out = []
        for _ in range(int(match.group(2))):
            state ^= (state << 13) & 0xFFFFFFFFFFFFFFFF
            state ^= state >> 7
            state ^= (state << 17) & 0xFFFFFFFFFFFFFFFF
            out.append(chars[state % len(chars)])
        return "".join(out)

    return PLACEHOLDER.sub(draw, text)


def secrets(tools: pathlib.Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for path in fixtures("secrets"):
            # The fixture with its placeholders filled, under its own name (the name decides
            # the file type), scanned alone with every plugin and the default filters.
            filled = pathlib.Path(scratch) / path.name
            filled.write_text(fill_placeholders(path.read_text(encoding="utf-8")), encoding="utf-8")
            run = subprocess.run(
                [str(tools / "detect-secrets"), "scan", "--all-files", path.name],
                capture_output=True, text=True, check=True, cwd=scratch,
            )
            filled.unlink()
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
