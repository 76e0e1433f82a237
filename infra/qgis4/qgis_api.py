"""QGIS's own Python API definitions as the `qgis4` check's table of deprecated and removed API.

QGIS describes its Python bindings in SIP files (`python/<module>/auto_generated/**/*.sip.in`
for its Qt5 builds, `python/PyQt6/<module>/auto_generated/**/*.sip.in` for its Qt6 builds, the
builds QGIS 4 ships). A member annotated `/Deprecated/` carries a `.. deprecated:: VERSION` note
in its docstring naming the replacement. This script reads both trees of one QGIS source release
and writes the check's data file (shared/qgis4-check/data/qgis-api.tsv):

  Q6  a member of the Qt5 bindings that the Qt6 bindings no longer have: gone in QGIS 4 builds
  R4  a deprecated member whose note announces its removal in QGIS 4.0
  D   any other deprecated member

with, per member name, whether the name is also live API elsewhere: declared by QGIS without
deprecation, by a PyQt6 class (introspected, as the migration script introspects PyQt6) or by a
Python built-in type. A call `x.name()` on an object of unknown class reports only names that
are not live anywhere; a live name is reported only when the call names the class.

  tsv SOURCE     the data file on stdout; SOURCE is the QGIS source folder (qgis-X.Y.Z) or its
                 Debian `.orig.tar.xz` tarball (only the SIP trees are read from it). Run it
                 with the Python of `infra/python-tools.sh qgis4` (PyQt6 pinned).

The sources are never committed: infra/qgis4-reference.sh fetches the pinned Debian tarball and
keeps the SIP trees beside the migration script (`--sip`), and the reference test regenerates
the table from them and compares.
"""
from __future__ import annotations

import hashlib
import pathlib
import re
import sys
import tarfile

MODULES = ("core", "gui", "analysis", "server", "3d")

# A declaration line of a method: optional qualifiers and return type, then NAME(.
DECLARATION = re.compile(
    r"^\s*(?:static\s+|virtual\s+|explicit\s+)*(?:[\w:<>,\s\*&]+?\s+[\*&]*)?(~?\w+)\s*\("
)
CLASS = re.compile(r"^\s*(?:class|struct|namespace)\s+(\w+)[^;]*$")
PYNAME = re.compile(r"/PyName=(\w+)/")
# SIP blocks whose content is documentation or C++ code, not declarations.
BLOCKS = (
    "%Docstring",
    "%MethodCode",
    "%TypeHeaderCode",
    "%ConvertToSubClassCode",
    "%ConvertFromTypeCode",
    "%ConvertToTypeCode",
    "%TypeCode",
    "%GetCode",
    "%SetCode",
    "%PickleCode",
    "%VirtualCatcherCode",
    "%TypeHintCode",
    "%InstanceCode",
    "%FinalisationCode",
)
ROLE = re.compile(r":py:(func|class|meth|attr|data):`~?([^`]+)`")
REMOVAL_IN_4 = re.compile(r"removed (?:from public API )?in (?:QGIS )?4(?:\.0)?\b", re.IGNORECASE)


def members(files):
    """(class, member) -> [deprecated?, note] over the SIP files, in declaration order."""
    out: dict[tuple[str, str], list] = {}
    for lines in files:
        stack: list[tuple[str, int]] = []
        depth = 0
        pending = None
        block = False
        last = None  # the member whose docstring follows
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("%"):
                word = stripped.split()[0]
                if word == "%End":
                    block = False
                    last = None
                elif word in BLOCKS:
                    block = True
                continue
            if block:
                if last is not None and stripped.startswith(".. deprecated::"):
                    last[1] = stripped[len(".. deprecated::") :].strip()
                    last.append(False)  # the note's indented body follows, after a blank line
                elif last is not None and len(last) == 3:
                    if stripped and line.startswith(" ") and not stripped.startswith(".. "):
                        last[1] = (last[1] + " " + stripped).strip()
                        last[2] = True
                    elif stripped or last[2]:
                        last.pop()  # the body ended
                continue
            match = CLASS.match(line)
            if match:
                pending = match.group(1)
            if "{" in stripped:
                depth += stripped.count("{")
                if pending:
                    stack.append((pending, depth))
                    pending = None
            match = DECLARATION.match(line)
            last = None
            if match and stack and not stripped.startswith(("enum", "typedef", "return")):
                name = match.group(1)
                renamed = PYNAME.search(line)
                if renamed:
                    name = renamed.group(1)
                deprecated = "/Deprecated" in line
                entry = out.setdefault((stack[-1][0], name), [True, ""])
                # A member is deprecated only when every overload of it is.
                entry[0] = entry[0] and deprecated
                if deprecated:
                    last = [True, ""]
                    entry.append(last)
            if "}" in stripped:
                depth -= stripped.count("}")
                while stack and stack[-1][1] > depth:
                    stack.pop()
    result = {}
    for key, entry in out.items():
        notes = [n[1] for n in entry[2:] if n[1]]
        result[key] = (entry[0], notes[0] if notes else "")
    return result


def clean(note: str) -> str:
    # `:py:func:`~QgsX.y`` reads as `QgsX.y()` in plain text.
    note = ROLE.sub(
        lambda m: m.group(2) + ("()" if m.group(1) in ("func", "meth") and not m.group(2).endswith(")") else ""),
        note,
    )
    return " ".join(note.replace("``", "").replace("\\see ", "").split())


def sip_trees(source: pathlib.Path):
    """(tree, relative path, text) of every SIP file of both trees of the QGIS sources."""
    if source.is_dir():
        python = source / "python"
        for path in sorted(python.glob("**/auto_generated/**/*.sip.in")):
            rel = path.relative_to(python).as_posix()
            yield rel, path.read_text(errors="replace")
        return
    with tarfile.open(source) as archive:
        for member in archive:
            if member.isfile() and "/python/" in member.name and member.name.endswith(".sip.in") and "/auto_generated/" in member.name:
                rel = member.name.split("/python/", 1)[1]
                data = archive.extractfile(member)
                if data is not None:
                    yield rel, data.read().decode("utf-8", "replace")


PYQT6_MODULES = (
    "QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtXml", "QtSql", "QtSvg", "QtPrintSupport",
    "QtPositioning", "QtMultimedia", "QtQml", "QtQuick", "QtWebChannel", "QtTest", "Qsci",
)


def other_live_names() -> tuple[set[str], str]:
    """Member names of PyQt6's classes and of Python's built-in types, and PyQt6's version."""
    import builtins
    import importlib

    try:
        from PyQt6.QtCore import PYQT_VERSION_STR
    except ImportError as error:
        raise SystemExit(f"PyQt6 is needed (infra/python-tools.sh qgis4): {error}")
    names: set[str] = set()
    for module_name in PYQT6_MODULES:
        try:
            module = importlib.import_module(f"PyQt6.{module_name}")
        except ImportError:
            continue
        for value in vars(module).values():
            if isinstance(value, type):
                names.update(dir(value))
    for value in vars(builtins).values():
        if isinstance(value, type):
            names.update(dir(value))
    return names, PYQT_VERSION_STR


def table(source: pathlib.Path) -> tuple[list[str], str]:
    qt5: list[list[str]] = []
    qt6: list[list[str]] = []
    digest = hashlib.sha256()
    for rel, text in sorted(sip_trees(source)):
        parts = rel.split("/")
        digest.update(rel.encode() + b"\0" + text.encode() + b"\0")
        if parts[0] == "PyQt6" and parts[1] in MODULES:
            qt6.append(text.splitlines())
        elif parts[0] in MODULES:
            qt5.append(text.splitlines())
    if not qt5 or not qt6:
        raise SystemExit(f"{source}: no SIP files of both the Qt5 and the Qt6 bindings found")
    five = members(qt5)
    six = members(qt6)
    live_names = {name for (_, name), (deprecated, _) in six.items() if not deprecated}
    others, pyqt6 = other_live_names()
    live_names |= others
    rows = []
    for (cls, name) in sorted(set(five) - set(six)):
        rows.append(("Q6", cls, name, "", "not in QGIS's Qt6 bindings"))
    for (cls, name), (deprecated, note) in sorted(six.items()):
        if not deprecated:
            continue
        note = clean(note)
        version, _, text = note.partition(" ")
        if not re.fullmatch(r"(?:QGIS )?\d+\.\d+(?:\.\d+)?", version):
            version, text = "", note
        kind = "R4" if REMOVAL_IN_4.search(note) else "D"
        rows.append((kind, cls, name, version, text))
    lines = []
    for kind, cls, name, version, text in rows:
        shared = "live" if name in live_names else "only"
        lines.append("\t".join((kind, cls, name, shared, version, text)))
    return lines, digest.hexdigest(), pyqt6


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "tsv":
        print(__doc__, file=sys.stderr)
        return 2
    source = pathlib.Path(argv[1])
    lines, digest, pyqt6 = table(source)
    name = source.name.removesuffix(".orig.tar.xz").replace("_", "-").replace("+dfsg", "")
    print("# QGIS Python API that QGIS 4 builds no longer have, or that QGIS 3 deprecated.")
    print("# Generated, do not edit: infra/qgis4/qgis_api.py tsv SOURCE (docs/qgis4.md).")
    print(f"# From: {name} python/{{core,gui,analysis,server,3d}} and python/PyQt6/* SIP files "
          f"(sha256 of the trees: {digest}); PyQt6 {pyqt6}.")
    print("# KIND CLASS MEMBER NAME SINCE NOTE: Q6 gone from the Qt6 bindings; R4 deprecated, removal in")
    print("# QGIS 4.0 announced; D deprecated. NAME: live when QGIS (without deprecation), PyQt6 or")
    print("# a Python built-in type has the name too, only when not. SINCE, NOTE: `.. deprecated::`.")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
