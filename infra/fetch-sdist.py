#!/usr/bin/env python3
"""Downloads one PyPI sdist (pinned name==version), checks its sha256, and unpacks it, once.

    fetch-sdist.py NAME VERSION DEST_DIR   ->  prints DEST_DIR/NAME-VERSION

Third-party code is never committed: the tests and the benchmark fetch what they compare on.
Uses PyPI's simple JSON index (PEP 691), so nothing of the package is built or run.
"""
import fcntl
import hashlib
import json
import pathlib
import shutil
import sys
import tarfile
import urllib.request
import zipfile

INDEX = "https://pypi.org/simple/{name}/"
SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz")


def find_sdist(name: str, version: str) -> dict:
    request = urllib.request.Request(
        INDEX.format(name=name), headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    wanted = {f"{n}-{version}" for n in (name, name.replace("-", "_"), name.replace("_", "-"))}
    for f in files:
        filename = f["filename"]
        for suffix in SDIST_SUFFIXES:
            if filename.endswith(suffix) and filename[: -len(suffix)].lower() in {
                w.lower() for w in wanted
            }:
                return f
    raise SystemExit(f"no sdist for {name}=={version} on PyPI")


def main() -> int:
    name, version, dest = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    target = dest / f"{name}-{version}"
    dest.mkdir(parents=True, exist_ok=True)
    with open(dest / f".{name}-{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            print(target)
            return 0
        info = find_sdist(name, version)
        downloads = dest / "downloads"
        downloads.mkdir(exist_ok=True)
        archive = downloads / info["filename"]
        if not archive.exists():
            with urllib.request.urlopen(info["url"], timeout=300) as response:
                data = response.read()
            expected = info.get("hashes", {}).get("sha256")
            if expected and hashlib.sha256(data).hexdigest() != expected:
                raise SystemExit(f"sha256 mismatch for {info['filename']}")
            partial = archive.with_suffix(".partial")
            partial.write_bytes(data)
            partial.rename(archive)
        staging = dest / f".{name}-{version}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as z:
                z.extractall(staging)
        else:
            with tarfile.open(archive) as t:
                t.extractall(staging, filter="data")
        # An sdist holds one top folder; flatten it so the result is DEST/NAME-VERSION/<files>.
        children = list(staging.iterdir())
        root = children[0] if len(children) == 1 and children[0].is_dir() else staging
        shutil.rmtree(target, ignore_errors=True)
        root.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
        (target / ".complete").write_text("")
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
