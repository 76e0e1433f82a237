"""The benchmark corpus: pinned PyPI sdists, each packed as a plugin-like zip (one top folder)
and extracted again, so that our scan (on the zip) and the reference tools (on the extracted
folder) see exactly the same files."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field

# Bump when the packing changes, so cached zips are rebuilt.
PACKER_VERSION = "1"
# Zip timestamps cannot predate 1980; sdists sometimes carry such mtimes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass
class CorpusEntry:
    name: str
    version: str
    tags: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}-{self.version}"

    @property
    def level(self) -> int:
        """Zip compression level (tag `level=N`, default 6)."""
        for tag in self.tags:
            if tag.startswith("level="):
                return int(tag.split("=", 1)[1])
        return 6


def parse_corpus(text: str) -> list[CorpusEntry]:
    """Lines `name==version [tag ...] [# note]`; blank lines and `#` comments ignored."""
    entries = []
    for raw in text.splitlines():
        line, _, note = raw.partition("#")
        fields = line.split()
        if not fields:
            continue
        spec, tags = fields[0], fields[1:]
        if "==" not in spec:
            raise ValueError(f"corpus line without name==version: {raw!r}")
        name, version = spec.split("==", 1)
        entries.append(CorpusEntry(name, version, tags, note.strip()))
    return entries


def fetch(entry: CorpusEntry, repo: pathlib.Path, reference_dir: pathlib.Path) -> pathlib.Path:
    out = subprocess.run(
        [sys.executable, str(repo / "infra/fetch-sdist.py"), entry.name, entry.version,
         str(reference_dir)],
        check=True, capture_output=True, text=True,
    )
    return pathlib.Path(out.stdout.strip())


def pack(source: pathlib.Path, top: str, zip_path: pathlib.Path, level: int = 6) -> None:
    """Regular files of `source` under the top folder `top/`, sorted, deflated; symlinks and
    the fetcher's marker file left out."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    partial = zip_path.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for dirpath, dirnames, filenames in os.walk(source):
            dirnames.sort()
            for fn in sorted(filenames):
                path = pathlib.Path(dirpath) / fn
                rel = path.relative_to(source).as_posix()
                if rel == ".complete" or path.is_symlink() or not path.is_file():
                    continue
                info = zipfile.ZipInfo(f"{top}/{rel}", date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                mode = stat.S_IMODE(path.stat().st_mode) & 0o755
                info.external_attr = (stat.S_IFREG | mode) << 16
                z.writestr(info, path.read_bytes(), compresslevel=level)
    partial.rename(zip_path)


def extract(zip_path: pathlib.Path, dest: pathlib.Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(partial)
    partial.rename(dest)


def zip_stats(zip_path: pathlib.Path) -> dict:
    """Sizes of the input as the tools see it: Python bytes and lines count .py files."""
    stats = {"zip_bytes": zip_path.stat().st_size, "entries": 0, "files": 0,
             "uncompressed_bytes": 0, "py_files": 0, "py_bytes": 0, "py_lines": 0,
             "largest_py_bytes": 0, "largest_py": ""}
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            stats["entries"] += 1
            if info.is_dir():
                continue
            stats["files"] += 1
            stats["uncompressed_bytes"] += info.file_size
            if info.filename.endswith(".py"):
                data = z.read(info)
                stats["py_files"] += 1
                stats["py_bytes"] += len(data)
                stats["py_lines"] += data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
                if len(data) > stats["largest_py_bytes"]:
                    stats["largest_py_bytes"] = len(data)
                    stats["largest_py"] = info.filename
    return stats


def prepare(entry: CorpusEntry, repo: pathlib.Path, reference_dir: pathlib.Path,
            work: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path, dict]:
    """(zip, extracted folder, stats), cached under `work` by a stamp."""
    zip_path = work / "zips" / f"{entry.label}.zip"
    tree = work / "tree" / entry.label
    stamp = work / "zips" / f"{entry.label}.stamp"
    want = f"{PACKER_VERSION} {entry.name}=={entry.version} level={entry.level}"
    if not (stamp.exists() and stamp.read_text().split("\n", 1)[0] == want
            and zip_path.exists() and tree.is_dir()):
        source = fetch(entry, repo, reference_dir)
        pack(source, entry.label, zip_path, entry.level)
        extract(zip_path, tree)
        stats = zip_stats(zip_path)
        stamp.write_text(want + "\n" + json.dumps(stats))
    stats = json.loads(stamp.read_text().split("\n", 1)[1])
    return zip_path, tree, stats
