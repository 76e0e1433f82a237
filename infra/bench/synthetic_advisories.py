"""A local advisory folder for measuring the dependencies check when the OSV data cannot be
reached (issue #27): real OSV records copied from a folder (by default the PyPA records the
tests commit) plus synthetic records in the OSV schema, so that the index has a realistic size.

    python3 infra/bench/synthetic_advisories.py OUT [--from DIR] [--records 5000] [--names 2000]

The synthetic records are deterministic (fixed seed): about a third are `MAL-` records (every
version affected, as the OpenSSF malicious-packages feed writes them), the rest `GHSA-` records
with ECOSYSTEM ranges (introduced/fixed or last_affected), some with an explicit versions list,
aliases and a CVSS vector. Their package names are made up (`synthetic-package-0001`), except
that one record in fifty names a package the bench corpus bundles or declares (its versions
outside the corpus's, so the findings do not change), so that lookups of those names find and
parse several records, as they would in the real database. Written as JSON under
OUT/synthetic/<name>/<id>.json; the copied records keep their paths under OUT/real/.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import random
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "shared/dependencies-check/tests/fixtures/advisories"
# Packages the bench corpus bundles or declares: some synthetic records name them.
CORPUS_NAMES = ["click", "requests", "OWSLib", "SQLAlchemy", "Django", "pytest", "wheel",
                "Pillow", "tox", "flake8", "colorama", "mako"]
CVSS = ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N",
        "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H"]


def version(rng: random.Random) -> str:
    return f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"


def record(rng: random.Random, index: int, name: str) -> dict:
    published = f"20{rng.randint(15, 26):02d}-{rng.randint(1, 12):02d}-01T00:00:00Z"
    package = {"name": name, "ecosystem": "PyPI", "purl": f"pkg:pypi/{name.lower()}"}
    if index % 3 == 0:
        return {"id": f"MAL-2099-{index:05d}", "summary": f"Malicious code in {name} (PyPI)",
                "details": "Synthetic record for the benchmark: not a real advisory.",
                "modified": published, "published": published,
                "affected": [{"package": package,
                              "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
    low, high = sorted([version(rng), version(rng)], key=lambda v: tuple(map(int, v.split("."))))
    end = {"fixed": high} if index % 4 else {"last_affected": high}
    affected = {"package": package,
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": low}, end]}]}
    if index % 5 == 0:
        affected["versions"] = [low, high]
    out = {"id": f"GHSA-synt-{index:04d}-bnch", "aliases": [f"CVE-2099-{index:05d}"],
           "summary": f"Synthetic vulnerability {index} in {name}",
           "details": "Synthetic record for the benchmark: not a real advisory.",
           "modified": published, "published": published, "affected": [affected]}
    if index % 2 == 0:
        out["severity"] = [{"type": "CVSS_V3", "score": rng.choice(CVSS)}]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--from", dest="source", type=pathlib.Path, default=FIXTURES,
                        help="real OSV records to copy (a folder: the tests' PyPA records by "
                             "default, or a checkout of the PyPA advisory database's vulns/)")
    parser.add_argument("--records", type=int, default=5000,
                        help="synthetic records to write")
    parser.add_argument("--names", type=int, default=2000,
                        help="made-up package names they are spread over")
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    real = [p for p in args.source.rglob("*") if p.suffix in (".json", ".yaml", ".yml")]
    for path in real:
        target = args.out / "real" / path.relative_to(args.source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    rng = random.Random(27)
    names = [f"synthetic-package-{i:04d}" for i in range(args.names)]
    for index in range(args.records):
        name = CORPUS_NAMES[index % len(CORPUS_NAMES)] if index % 50 == 1 else rng.choice(names)
        rec = record(rng, index, name)
        if name in CORPUS_NAMES and "MAL" in rec["id"]:
            # A corpus package is not malware: a vulnerable range of versions before 0.1 instead.
            rec["id"] = f"GHSA-synt-{index:04d}-bnch"
            rec["summary"] = f"Synthetic vulnerability {index} in {name}"
        if name in CORPUS_NAMES:
            rec["affected"][0]["ranges"] = [{"type": "ECOSYSTEM", "events": [
                {"introduced": "0.0.1"}, {"fixed": "0.0.2"}]}]
        path = args.out / "synthetic" / name / f"{rec['id']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rec, indent=1))
    print(f"{args.out}: {len(real)} real records from {args.source}, {args.records} synthetic "
          f"over {args.names} names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
