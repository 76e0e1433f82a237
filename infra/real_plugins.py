#!/usr/bin/env python3
"""The shared list of real QGIS plugin repositories (infra/real-plugins.tsv) and the tools that
read it: every harness and population study takes its real plugins from here.

    real_plugins.py list [--mirrors DIR]              the rows, and which have a mirror here
    real_plugins.py verify [--mirrors DIR]            each row against its mirror (commit, folder)
    real_plugins.py candidates [--mirrors DIR] [REPO ...]
                                                      plugin folders in mirrors not listed yet
    real_plugins.py materialise [--mirrors DIR] [--out DIR] [--zip] [--only TEXT ...]
                                                      each row as a plugin folder (and zip)
    real_plugins.py study --validator BIN [--plugins DIR] [--checks LIST] [--rules policy|all]
                          [--json OUT] [--jobs N] [--compare OLD.json]
                                                      scan every materialised zip, print tables
    real_plugins.py report STUDY.json                 a saved study's tables again
    real_plugins.py compare OLD.json NEW.json         plugins whose verdict or blocking rules changed
    real_plugins.py self-test                         the unit tests (cargo test runs them)

Mirrors are the git directories the search tool's `fetch` leaves under /work/.mirror/owner+name/.
Python 3.11 standard library and git only. See docs/real-plugins.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import real_plugins_study as study  # noqa: E402

LIST = HERE / "real-plugins.tsv"
DEFAULT_MIRRORS = pathlib.Path("/work/.mirror")
DEFAULT_OUT = pathlib.Path("/work/real-plugins")
COLUMNS = ("repo", "commit", "folder", "name", "note")
MANIFEST = "manifest.tsv"
MANIFEST_COLUMNS = ("id", "repo", "commit", "folder", "package", "files", "bytes", "missing",
                    "root_license", "zip")
REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
# Zip timestamps cannot predate 1980; a commit can (clock skew, imported history).
ZIP_EPOCH = 315532800


class ListError(ValueError):
    """The list file is malformed: every problem, one per line, with its line number."""


@dataclasses.dataclass(frozen=True)
class Row:
    repo: str
    commit: str
    folder: str
    name: str
    note: str
    line: int = 0

    @property
    def owner_name(self) -> tuple[str, str]:
        owner, name = self.repo.split("/", 1)
        return owner, name

    @property
    def package(self) -> str:
        """The plugin's top folder in its zip: the folder's basename, or the repository name."""
        return self.owner_name[1] if self.folder == "." else self.folder.rsplit("/", 1)[-1]

    @property
    def id(self) -> str:
        """`owner+name`, plus `+folder-slug` for a plugin below the repository's root: stable
        across list changes, so studies made at different times compare by it."""
        base = self.repo.replace("/", "+", 1)
        if self.folder == ".":
            return base
        return base + "+" + re.sub(r"[^A-Za-z0-9._-]+", "-", self.folder).strip("-")

    def sort_key(self) -> tuple[str, str, str]:
        return (self.repo.casefold(), self.repo, self.folder)


def _folder_problem(folder: str) -> str | None:
    if folder == ".":
        return None
    if not folder or folder.startswith("/") or folder.endswith("/") or "\\" in folder:
        return "must be `.` or a relative path without a leading or trailing `/`"
    if any(part in ("", ".", "..") for part in folder.split("/")):
        return "must not contain empty, `.` or `..` components"
    return None


def parse_list(text: str) -> list[Row]:
    """Rows of the list file. `#` lines and blank lines are comments; the first other line is the
    header. Raises ListError naming every malformed line, duplicate and out-of-order row."""
    rows: list[Row] = []
    problems: list[str] = []
    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        cells = raw.split("\t")
        if not header_seen:
            header_seen = True
            if tuple(cells) != COLUMNS:
                problems.append(f"line {number}: the header must be {' TAB '.join(COLUMNS)}")
            continue
        if len(cells) != len(COLUMNS):
            problems.append(f"line {number}: {len(cells)} columns, expected {len(COLUMNS)}")
            continue
        repo, commit, folder, name, note = (c.strip() for c in cells)
        if not REPO_RE.match(repo) or repo.endswith("/.") or repo.endswith("/.."):
            problems.append(f"line {number}: repo {repo!r} is not owner/name")
        if not COMMIT_RE.match(commit):
            problems.append(f"line {number}: commit {commit!r} is not 40 lower-case hex digits")
        why = _folder_problem(folder)
        if why:
            problems.append(f"line {number}: folder {folder!r} {why}")
        if not name:
            problems.append(f"line {number}: the name is empty")
        rows.append(Row(repo, commit, folder, name, note, number))
    if not header_seen:
        problems.append("no header line")
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row.repo.casefold(), row.folder)
        if key in seen:
            problems.append(f"line {row.line}: {row.repo} {row.folder} repeats line {seen[key]}")
        seen[key] = row.line
    for before, after in zip(rows, rows[1:]):
        if after.sort_key() < before.sort_key():
            problems.append(f"line {after.line}: {after.repo} {after.folder} is out of order "
                            f"(sorted by repo, case-insensitive, then folder)")
    ids: dict[str, Row] = {}
    for row in rows:
        other = ids.setdefault(row.id.casefold(), row)
        if other is not row and (other.repo.casefold(), other.folder) != (row.repo.casefold(),
                                                                            row.folder):
            problems.append(f"line {row.line}: its id {row.id} is line {other.line}'s too")
    if problems:
        raise ListError("\n".join(problems))
    return rows


def load_list(path: pathlib.Path = LIST) -> list[Row]:
    return parse_list(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Mirrors


def git(git_dir: pathlib.Path, *args: str, check: bool = True) -> bytes:
    proc = subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} in {git_dir}: "
                           f"{proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def find_git_dir(mirrors: pathlib.Path, repo: str) -> pathlib.Path | None:
    """The git directory of `repo`'s mirror: /mirrors/owner+name/ holds it (as `repo/`, or as
    `repo/.git` when the snapshot was a clone with a work tree), or None."""
    top = mirrors / repo.replace("/", "+", 1)
    if not top.is_dir():
        return None
    candidates = [top / "repo" / ".git", top / "repo", top / ".git", top]
    candidates += sorted(p.parent for p in top.glob("*/*/HEAD"))
    for candidate in candidates:
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def _general_section(text: str) -> dict[str, str]:
    """metadata.txt's [general] keys, as QGIS reads them (configparser: `=` or `:`)."""
    section, out = None, {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip().lower()
            continue
        if section == "general":
            m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(.*)$", stripped)
            if m and m.group(1) not in out:
                out[m.group(1)] = m.group(2).strip()
    return out


def _show(git_dir: pathlib.Path, commit: str, path: str) -> str | None:
    proc = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"],
                          capture_output=True)
    return proc.stdout.decode("utf-8", errors="replace") if proc.returncode == 0 else None


def _inside(folder: str, name: str) -> str:
    return name if folder == "." else f"{folder}/{name}"


def check_row(git_dir: pathlib.Path, row: Row) -> list[str]:
    """What is wrong with a row against its mirror (empty: the row is right)."""
    kind = git(git_dir, "cat-file", "-t", row.commit, check=False).decode().strip()
    if kind != "commit":
        return [f"commit {row.commit} is not in the mirror"]
    problems = []
    meta = _show(git_dir, row.commit, _inside(row.folder, "metadata.txt"))
    init = _show(git_dir, row.commit, _inside(row.folder, "__init__.py"))
    if meta is None:
        problems.append(f"{row.folder}/metadata.txt is missing")
    else:
        general = _general_section(meta)
        if "name" not in general:
            problems.append("metadata.txt has no [general] name")
        elif general["name"] != row.name:
            problems.append(f"metadata.txt names it {general['name']!r}, the list {row.name!r}")
    if init is None:
        problems.append(f"{row.folder}/__init__.py is missing")
    elif "classFactory" not in init:
        problems.append("__init__.py has no classFactory")
    return problems


def plugin_folders(git_dir: pathlib.Path, commit: str = "HEAD") -> list[dict[str, str]]:
    """The plugin folders at `commit`: metadata.txt with a [general] name beside an __init__.py
    that defines classFactory."""
    names = git(git_dir, "ls-tree", "-r", "--name-only", "-z", commit).decode(
        "utf-8", errors="replace").split("\0")
    present = set(names)
    found = []
    for name in names:
        if name != "metadata.txt" and not name.endswith("/metadata.txt"):
            continue
        folder = name.rsplit("/", 1)[0] if "/" in name else "."
        init = _show(git_dir, commit, _inside(folder, "__init__.py")) if _inside(
            folder, "__init__.py") in present else None
        general = _general_section(_show(git_dir, commit, name) or "")
        if init is None or "classFactory" not in init or "name" not in general:
            continue
        found.append({"folder": folder, "name": general["name"],
                      "qgisMinimumVersion": general.get("qgisMinimumVersion", ""),
                      "qgisMaximumVersion": general.get("qgisMaximumVersion", "")})
    return found


# ---------------------------------------------------------------------------------------------
# Materialise


def _safe_relative(name: str, folder: str) -> str | None:
    """A tar member's path relative to the plugin folder, or None for the folder itself and for
    anything a hostile repository could use to write outside it."""
    name = name.rstrip("/")
    prefix = "" if folder == "." else folder + "/"
    if prefix and name == folder:
        return None
    if not name.startswith(prefix):
        return None
    rel = name[len(prefix):]
    parts = rel.split("/")
    if not rel or rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return None
    return rel


def _commit_time(git_dir: pathlib.Path, commit: str) -> int:
    """The committer time, read from the commit object itself (`git show` of a merge would
    read the parents' trees, which a snapshot may lack)."""
    for line in git(git_dir, "cat-file", "commit", commit).decode(errors="replace").splitlines():
        if line.startswith("committer "):
            return max(int(line.rsplit(" ", 2)[1]), ZIP_EPOCH)
        if not line:
            break
    return ZIP_EPOCH


def missing_blobs(git_dir: pathlib.Path, commit: str, folder: str) -> list[str]:
    """Files of the folder whose content the mirror lacks: snapshots leave out files of 4 MiB
    and more, and Git LFS content. (Submodules are not files: git archive leaves them out.)"""
    args = ["ls-tree", "-r", "-z", commit] + ([] if folder == "." else ["--", folder])
    blobs = []
    for entry in git(git_dir, *args).decode("utf-8", errors="surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            blobs.append((parts[2], path))
    request = "".join(f"{sha}\n" for sha, _ in blobs).encode()
    out = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "--batch-check"],
                         input=request, capture_output=True).stdout.decode().splitlines()
    return [path for (_, path), line in zip(blobs, out) if line.endswith(" missing")]


@dataclasses.dataclass
class Exported:
    files: int = 0
    bytes: int = 0
    missing: list[str] = dataclasses.field(default_factory=list)  # the mirror lacks them
    license_from_root: bool = False


def export(git_dir: pathlib.Path, row: Row, dest: pathlib.Path, zip_path: pathlib.Path | None
           ) -> Exported:
    """`git archive` of the row's folder into dest/<package>/ (and zip_path, one top folder,
    entries sorted and dated at the commit, modes kept, so the zip is reproducible). Symlinks
    are kept when they stay inside the plugin folder. Like a release (qgis-plugin-ci copies it,
    since the website requires one in the plugin folder), a plugin below the repository's root
    that has no LICENSE gets the root's LICENSE."""
    package = row.package
    top = dest / package
    top.mkdir(parents=True)
    result = Exported(missing=missing_blobs(git_dir, row.commit, row.folder))
    args = ["git", f"--git-dir={git_dir}", "archive", "--format=tar", row.commit, "--",
            row.folder if row.folder != "." else "."]
    args += [f":(exclude,literal){path}" for path in result.missing]
    errors = tempfile.TemporaryFile()  # a file, not a pipe: git must never block writing it
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors)
    entries: list[tuple[str, int, bytes | None, str | None]] = []  # rel, mode, data, link
    assert proc.stdout is not None
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
        for member in tar:
            rel = _safe_relative(member.name, row.folder)
            if rel is None:
                continue
            target = top / rel
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                entries.append((rel + "/", 0o755, None, None))
            elif member.issym():
                resolved = os.path.normpath(os.path.join(os.path.dirname(rel), member.linkname))
                if resolved.startswith("..") or os.path.isabs(member.linkname):
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(member.linkname, target)
                entries.append((rel, 0o777, None, member.linkname))
            elif member.isfile():
                data = tar.extractfile(member).read()  # type: ignore[union-attr]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                mode = 0o755 if member.mode & 0o111 else 0o644
                target.chmod(mode)
                entries.append((rel, mode, data, None))
                result.files += 1
                result.bytes += len(data)
    returncode = proc.wait()
    errors.seek(0)
    stderr = errors.read().decode(errors="replace")
    errors.close()
    if returncode != 0 or not result.files:
        raise RuntimeError(f"git archive {row.commit} {row.folder}: {stderr.strip()}")
    if row.folder != "." and not (top / "LICENSE").exists():
        text = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "blob",
                               f"{row.commit}:LICENSE"], capture_output=True)
        if text.returncode == 0:
            (top / "LICENSE").write_bytes(text.stdout)
            (top / "LICENSE").chmod(0o644)
            entries.append(("LICENSE", 0o644, text.stdout, None))
            result.license_from_root = True
    if zip_path is not None:
        stamp = time.gmtime(_commit_time(git_dir, row.commit))[:6]
        tmp = zip_path.with_suffix(".zip.part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(_zip_info(package + "/", 0o755, stamp, directory=True), b"")
            for rel, mode, data, link in sorted(entries):
                name = f"{package}/{rel}"
                if data is None and link is None:
                    zf.writestr(_zip_info(name, mode, stamp, directory=True), b"")
                elif link is not None:
                    zf.writestr(_zip_info(name, 0o777, stamp, symlink=True), link.encode())
                else:
                    zf.writestr(_zip_info(name, mode, stamp), data)
        tmp.replace(zip_path)
    return result


def _zip_info(name: str, mode: int, stamp, directory: bool = False, symlink: bool = False
              ) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.create_system = 3  # Unix, so that readers honour the modes
    kind = 0o040000 if directory else 0o120000 if symlink else 0o100000
    info.external_attr = ((kind | mode) << 16) | (0x10 if directory else 0)
    info.compress_type = zipfile.ZIP_STORED if directory or symlink else zipfile.ZIP_DEFLATED
    return info


def read_manifest(out: pathlib.Path) -> dict[str, dict[str, str]]:
    path = out / MANIFEST
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != MANIFEST_COLUMNS:
        return {}
    entries = {}
    for line in lines[1:]:
        cells = line.split("\t")
        if len(cells) == len(MANIFEST_COLUMNS):
            entries[cells[0]] = dict(zip(MANIFEST_COLUMNS, cells))
    return entries


def write_manifest(out: pathlib.Path, entries: dict[str, dict[str, str]]) -> None:
    lines = ["\t".join(MANIFEST_COLUMNS)]
    for key in sorted(entries, key=str.casefold):
        lines.append("\t".join(entries[key][c] for c in MANIFEST_COLUMNS))
    tmp = out / (MANIFEST + ".part")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out / MANIFEST)


def materialise(rows: list[Row], mirrors: pathlib.Path, out: pathlib.Path, with_zip: bool,
                force: bool = False, log=print) -> dict[str, list[str]]:
    """Export every row whose mirror is here into out/<id>/<package>/ (and out/<id>.zip), keep
    out/manifest.tsv in step. Rows already exported at the same commit are left alone. Returns
    the ids by outcome: done, current, missing (no mirror), failed."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(out)
    outcome: dict[str, list[str]] = {"done": [], "current": [], "missing": [], "failed": []}
    for row in rows:
        zip_path = out / f"{row.id}.zip"
        entry = manifest.get(row.id)
        if (not force and entry and entry["commit"] == row.commit and entry["folder"] == row.folder
                and (out / row.id / row.package).is_dir()
                and (not with_zip or zip_path.is_file())):
            outcome["current"].append(row.id)
            continue
        git_dir = find_git_dir(mirrors, row.repo)
        if git_dir is None:
            outcome["missing"].append(row.id)
            log(f"missing mirror: {row.repo} (for {row.id})")
            continue
        staging = out / f".{row.id}.part"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            exported = export(git_dir, row, staging, zip_path if with_zip else None)
        except (RuntimeError, OSError, tarfile.TarError) as e:
            shutil.rmtree(staging, ignore_errors=True)
            outcome["failed"].append(row.id)
            log(f"failed: {row.id}: {e}")
            continue
        shutil.rmtree(out / row.id, ignore_errors=True)
        staging.replace(out / row.id)
        if not with_zip and zip_path.exists():
            zip_path.unlink()  # a zip of an older commit would disagree with the folder
        manifest[row.id] = {"id": row.id, "repo": row.repo, "commit": row.commit,
                            "folder": row.folder, "package": row.package,
                            "files": str(exported.files), "bytes": str(exported.bytes),
                            "missing": str(len(exported.missing)),
                            "root_license": "yes" if exported.license_from_root else "",
                            "zip": zip_path.name if with_zip else ""}
        outcome["done"].append(row.id)
        log(f"materialised {row.id}: {exported.files} files, {exported.bytes / 1e6:.1f} MB"
            + ("; LICENSE from the repository's root" if exported.license_from_root else "")
            + (f"; the mirror lacks (left out): {', '.join(exported.missing)}"
               if exported.missing else ""))
    listed = {row.id for row in rows}
    for stale in sorted(set(manifest) - listed):
        log(f"not in the list any more (left on disk): {stale}")
    write_manifest(out, manifest)
    return outcome


# ---------------------------------------------------------------------------------------------
# Commands


# What a candidate's code does, as hints for its row's note (what makes a plugin worth listing:
# network use, credentials, processes, dependency installers, bundled libraries).
FACETS = {
    "network": rb"\b(import requests|from requests|urllib\.request|urlopen|QNetworkAccessManager|"
               rb"QgsNetworkAccessManager|QgsBlockingNetworkRequest|QgsFileDownloader|http\.client)",
    "credentials": rb"(QgsAuthManager|authcfg|QgsAuthMethodConfig|keyring|[Pp]assword|"
                   rb"access_token|api_key|apikey)",
    "processes": rb"\b(subprocess|os\.system|os\.popen|QProcess)\b",
    "processing provider": rb"QgsProcessingProvider",
    "installs packages": rb"(pip install|ensurepip|-m\", \"pip|'pip', 'install'|\"pip\", \"install\")",
    "exec/eval": rb"(?<![.\w])(exec|eval)\(",
}
LIBRARY_DIRS = re.compile(r"(^|/)(ext[-_]?libs?|libs?|vendor(ed)?|third[-_]?party|site-packages|"
                          r"external|deps|bundled)/")


def facets(git_dir: pathlib.Path, commit: str, folder: str, limit: int = 3000) -> list[str]:
    """Hints about what the plugin's code does (FACETS), its bundled-library folders and size."""
    prefix = "" if folder == "." else folder + "/"
    names = [n for n in git(git_dir, "ls-tree", "-r", "-z", "--name-only", commit).decode(
        "utf-8", errors="replace").split("\0") if n.startswith(prefix)]
    python = [n for n in names if n.endswith(".py")][:limit]
    request = "".join(f"{commit}:{n}\n" for n in python).encode()
    out = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "--batch"], input=request,
                         capture_output=True).stdout
    found, size, pos = set(), 0, 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) != 3:  # "<name> missing"
            pos = end + 1
            continue
        length = int(header[2])
        data = out[end + 1:end + 1 + length]
        size += length
        found.update(k for k, pattern in FACETS.items() if re.search(pattern, data))
        pos = end + 1 + length + 1
    tags = [k for k in FACETS if k in found]
    libs = sorted({m.group(2) for n in names if (m := LIBRARY_DIRS.search(n[len(prefix):]))})
    if libs:
        tags.append("bundles libraries (" + ", ".join(libs) + ")")
    tags.append(f"{len(python)} .py, {size / 1e6:.1f} MB")
    return tags


def cmd_list(args) -> int:
    rows = load_list(pathlib.Path(args.list))
    mirrors = pathlib.Path(args.mirrors)
    have = 0
    for row in rows:
        present = find_git_dir(mirrors, row.repo) is not None
        have += present
        print(f"{'mirror ' if present else 'MISSING'}\t{row.id}\t{row.commit[:12]}\t"
              f"{row.folder}\t{row.name}")
    repos = {row.repo for row in rows}
    print(f"{len(rows)} plugins from {len(repos)} repositories; {have} with a mirror in "
          f"{mirrors}, {len(rows) - have} without", file=sys.stderr)
    return 0


def cmd_verify(args) -> int:
    rows = load_list(pathlib.Path(args.list))
    mirrors = pathlib.Path(args.mirrors)
    bad = missing = 0
    for row in rows:
        git_dir = find_git_dir(mirrors, row.repo)
        if git_dir is None:
            missing += 1
            print(f"missing mirror: {row.repo}")
            continue
        for problem in check_row(git_dir, row):
            bad += 1
            print(f"line {row.line}: {row.id}: {problem}")
    print(f"{len(rows)} rows: {len(rows) - missing} checked, {bad} problems, {missing} without "
          f"a mirror", file=sys.stderr)
    return 1 if bad or (missing and args.require_mirrors) else 0


def cmd_candidates(args) -> int:
    mirrors = pathlib.Path(args.mirrors)
    listed = {(r.repo.casefold(), r.folder) for r in load_list(pathlib.Path(args.list))}
    repos = args.repos or sorted(
        p.name.replace("+", "/", 1) for p in mirrors.iterdir()
        if p.is_dir() and "+" in p.name and not p.name.endswith(".part"))
    for repo in repos:
        git_dir = find_git_dir(mirrors, repo)
        if git_dir is None:
            print(f"# {repo}: no mirror", file=sys.stderr)
            continue
        head = git(git_dir, "rev-parse", "HEAD").decode().strip()
        folders = plugin_folders(git_dir, head)
        if not folders:
            print(f"# {repo}: no plugin folder at HEAD", file=sys.stderr)
        for f in folders:
            if (repo.casefold(), f["folder"]) in listed:
                continue
            versions = f"QGIS {f['qgisMinimumVersion'] or '?'}-{f['qgisMaximumVersion'] or ''}"
            hints = "; ".join(facets(git_dir, head, f["folder"]))
            print("\t".join([repo, head, f["folder"], f["name"], f"TODO {versions}; {hints}"]))
    return 0


def cmd_materialise(args) -> int:
    rows = load_list(pathlib.Path(args.list))
    if args.only:
        rows = [r for r in rows if any(o.casefold() in r.id.casefold() for o in args.only)]
    outcome = materialise(rows, pathlib.Path(args.mirrors), pathlib.Path(args.out), args.zip,
                          force=args.force)
    print(f"{len(rows)} rows: {len(outcome['done'])} materialised, {len(outcome['current'])} "
          f"already current, {len(outcome['missing'])} without a mirror, "
          f"{len(outcome['failed'])} failed; in {args.out}", file=sys.stderr)
    if outcome["missing"]:
        print("without a mirror: " + ", ".join(outcome["missing"]), file=sys.stderr)
    return 1 if outcome["failed"] else 0


def cmd_self_test(_args) -> int:
    import unittest
    suite = unittest.defaultTestLoader.discover(str(HERE), pattern="test_real_plugins*.py")
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    return 0 if result.wasSuccessful() else 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    listed = argparse.ArgumentParser(add_help=False)
    listed.add_argument("--list", default=str(LIST), help="the list file (default: %(default)s)")
    listed.add_argument("--mirrors", default=str(DEFAULT_MIRRORS),
                        help="where the owner+name mirrors are (default: %(default)s)")
    sub.add_parser("list", parents=[listed], help="the rows and which have a mirror")
    v = sub.add_parser("verify", parents=[listed], help="check every row against its mirror")
    v.add_argument("--require-mirrors", action="store_true", help="a missing mirror fails")
    c = sub.add_parser("candidates", parents=[listed],
                       help="plugin folders in mirrors that the list lacks (TSV rows to review)")
    c.add_argument("repos", nargs="*", help="owner/name (default: every mirror)")
    m = sub.add_parser("materialise", parents=[listed], help="export rows as plugin folders")
    m.add_argument("--out", default=str(DEFAULT_OUT), help="default: %(default)s")
    m.add_argument("--zip", action="store_true", help="also a zip per plugin, as uploaded")
    m.add_argument("--force", action="store_true", help="export rows that are already current")
    m.add_argument("--only", nargs="*", help="only rows whose id contains one of these")
    study.add_commands(sub, DEFAULT_OUT)
    sub.add_parser("self-test", help="the unit tests, on synthetic data")
    args = p.parse_args(argv)
    commands = {"list": cmd_list, "verify": cmd_verify, "candidates": cmd_candidates,
                "materialise": cmd_materialise, "self-test": cmd_self_test}
    commands.update(study.COMMANDS)
    try:
        return commands[args.command](args)
    except ListError as e:
        print(f"{args.list if hasattr(args, 'list') else LIST}: malformed:\n{e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
