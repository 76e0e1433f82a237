"""QGIS's PyQt5-to-PyQt6 migration script as the reference of the `qgis4` check.

The script (scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py of the QGIS sources, GPL-2.0-or-later) is
never committed: infra/qgis4-reference.sh fetches it at run time and this driver imports it as a
module, in the pinned venv of `infra/python-tools.sh qgis4` (PyQt6, QScintilla, tokenize-rt).
The QGIS Python bindings cannot be installed from PyPI, so the script runs as it does without
them: it prints "QGIS classes not available for introspection" and migrates the Qt part only.

  tables SCRIPT          the tables the check's data file is generated from (JSON on stdout):
                         every unscoped enum member the script knows with the replacement the
                         script writes, the ambiguous ones with their candidates, the renamed
                         enums, QVariant type names, and the versions they come from.
  tsv SCRIPT             the same as the check's data file (shared/qgis4-check/data/qt-enums.tsv).
  compare SCRIPT DIR OURS.json   precision and recall of our report's places (scan --checks
                         qgis4 --rules all --format json of the plugin folder DIR) against the
                         script's on DIR, as JSON, and the one-line figure on stderr.
  places SCRIPT DIR      every place the script changes or warns about in the .py files under
                         DIR (a copy is rewritten, never DIR itself), as JSON lines
                         {"file", "line", "kind", "detail"}; files the script crashes on are
                         listed as kind "crash".

The kinds are the `qgis4` check's rule names (see docs/qgis4.md). The places come from the
script's own bookkeeping (the local variables of `fix_file` when it returns, read with a trace
function) and from its warnings, so what is compared is what the script decided, not a
re-implementation of it.
"""
from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import json
import os
import re
import shutil
import sys
import tempfile

# A warning line of the script: FILE:LINE:COL WARNING|ERROR: message.
WARNING = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+) (?:WARNING|ERROR): (?P<msg>.*)$")

WARNING_KINDS = [
    ("fragile call to addAction", "add-action"),
    ("QDesktopWidget is deprecated", "desktop-widget"),
    ("QFontMetrics.width()", "font-metrics-width"),
    ("activated[str]", "activated-str"),
    ("support for compiled resources", "resources-rc"),
    ("ambiguous enum, cannot fix", "enum-ambiguous"),
    ("wanted to replace with", "enum"),
]

# Our rule -> the script's kind (the same table as `reference_kind` in
# shared/qgis4-check/src/rules.rs; a test keeps them equal).
DEFAULT_KINDS = {
    "Q4001": "pyqt5-import",
    "Q4002": "exec",
    "Q4003": "enum",
    "Q4004": "enum-ambiguous",
    "Q4005": "enum-renamed",
    "Q4006": "qvariant-type",
    "Q4007": "qvariant-type-scope",
    "Q4008": "qvariant-null",
    "Q4009": "qapp",
    "Q4010": "qdatetime",
    "Q4011": "qregexp",
    "Q4012": "desktop-widget",
    "Q4013": "font-metrics-width",
    "Q4014": "activated-str",
    "Q4015": "resources-rc",
    "Q4016": "add-action",
    "Q4017": "qt-module-import",
}

CUSTOM_KINDS = {
    "_invalid_qvariant_to_null": "qvariant-null",
    "_fix_null_qvariant": "qvariant-null",
    "_fix_qdatetime_construct": "qdatetime",
    "_replace_qvariant_type": "qvariant-type-scope",
}


def load(script: str):
    """The script as a module, with the enum tables built as its main() builds them."""
    spec = importlib.util.spec_from_file_location("pyqt5_to_pyqt6", script)
    module = importlib.util.module_from_spec(spec)
    with contextlib.redirect_stdout(io.StringIO()):
        spec.loader.exec_module(module)
    for target in module.target_modules:
        for _key, value in target.__dict__.items():
            module.get_class_enums(value)
    return module


def final_replacement(module, cls: str, enum: str, member: str):
    """What the script writes for CLS.MEMBER found unscoped as a member of ENUM (its rewrite
    step: the enum if CLS.ENUM.MEMBER exists, else the aliases of the value's type), or None
    when it reports that it cannot."""
    ns = vars(module)
    try:
        eval(f"{cls}.{enum}.{member}", ns)
        return f"{cls}.{enum}.{member}"
    except AttributeError:
        pass
    except NameError:
        return None
    try:
        actual = eval(f"{cls}.{member}", ns)
    except (AttributeError, NameError):
        return None
    obj = ns.get(cls)
    src = member
    recovered = False
    if isinstance(obj, type):
        for attr_name in dir(obj):
            try:
                attr = getattr(obj, attr_name)
            except AttributeError:
                continue
            if attr is actual.__class__:
                recovered = True
                src = f"{attr_name}.{src}"
    return f"{cls}.{src}" if recovered else None


def disambiguate(module, cls: str, member: str):
    """The enum the script picks for an ambiguous CLS.MEMBER, or None (then it warns)."""
    ns = vars(module)
    try:
        actual = eval(f"{cls}.{member}", ns)
        obj = ns[cls]
        if isinstance(obj, type):
            for attr_name in dir(obj):
                if getattr(obj, attr_name) is actual.__class__:
                    return attr_name
    except (AttributeError, NameError, KeyError):
        pass
    return None


def tables(script: str) -> dict:
    module = load(script)
    from PyQt6 import QtCore

    enums = []
    for (cls, member), enum in sorted(module.qt_enums.items()):
        enums.append([cls, member, final_replacement(module, cls, enum, member) or ""])
    ambiguous = []
    for (cls, member), candidates in sorted(module.ambiguous_enums.items()):
        picked = disambiguate(module, cls, member)
        replacement = final_replacement(module, cls, picked, member) if picked else None
        ambiguous.append([cls, member, replacement or "", sorted(candidates)])
    return {
        "pyqt": QtCore.PYQT_VERSION_STR,
        "qt": QtCore.QT_VERSION_STR,
        "enums": enums,
        "ambiguous": ambiguous,
        "renamed": [
            [cls, member, f"{cls}.{enum}.{new}"]
            for (cls, member), (enum, new) in sorted(module.deprecated_renamed_enums.items())
        ],
        "qmetatype": sorted(module.qmetatype_mapping.items()),
    }


def run_file(module, path: str, display: str, qgis3_compat: bool) -> list[dict]:
    """The places of one file: the script's bookkeeping when fix_file returns, and its output."""
    captured: dict = {}

    def tracer(frame, event, arg):
        if frame.f_code is module.fix_file.__code__:
            def local(frame, event, arg):
                if event == "return":
                    captured.update(frame.f_locals)
                return local
            return local
        return None

    out, err = io.StringIO(), io.StringIO()
    crashed = None
    # The script prints the QRegExp warning without a line: its `print` is given one that
    # notes the import it is about.
    regexp_lines = []

    def noting_print(*args, **kwargs):
        text = " ".join(str(a) for a in args)
        if "QRegExp is removed" in text:
            caller = sys._getframe(1).f_locals.get("_node")
            regexp_lines.append(getattr(caller, "lineno", 0))
        print(*args, file=out)

    # The source as it was: the script rewrites the file.
    with open(path, encoding="UTF-8", errors="replace") as f:
        original = f.read()
    module.print = noting_print
    sys.settrace(tracer)
    try:
        with contextlib.redirect_stderr(err):
            module.fix_file(path, qgis3_compat)
    except Exception as e:  # the script's asserts and unguarded lookups
        crashed = f"{type(e).__name__}: {e}"
    finally:
        sys.settrace(None)
        del module.print

    places = []

    def add(line, kind, detail=""):
        places.append({"file": display, "line": int(line), "kind": kind, "detail": detail})

    for offset in captured.get("fix_pyqt_import", []):
        add(offset.line, "pyqt5-import")
    for offset in captured.get("fix_qvariant_type", []):
        add(offset.line, "qvariant-type")
    for offset, (cls, enum, member) in captured.get("fix_qt_enums", {}).items():
        add(offset.line, "enum", f"{cls}.{enum}.{member}")
    for offset in captured.get("rename_qt_enums", []):
        add(offset.line, "enum-renamed")
    for offset in captured.get("member_renames", {}):
        add(offset.line, "exec")
    for offset in captured.get("function_def_renames", {}):
        add(offset.line, "exec")
    for offset, fix in captured.get("custom_updates", {}).items():
        add(offset.line, CUSTOM_KINDS.get(fix.__name__, fix.__name__))
    for offset in captured.get("token_renames", {}):
        add(offset.line, "qapp")
    # Import lines the script rewrites: `qApp` dropped, `qgis.PyQt.Qt` moved to QtCore.
    removed = captured.get("removed_imports", {})
    if removed:
        try:
            tree = ast.parse(original)
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module in removed:
                    names = {a.name for a in node.names}
                    if node.module == "qgis.PyQt.Qt":
                        add(node.lineno, "qt-module-import")
                    elif names & removed[node.module]:
                        add(node.lineno, "qapp")
        except SyntaxError:
            pass
    for line in regexp_lines:
        add(line, "qregexp")
    for text in err.getvalue().splitlines():
        m = WARNING.match(text)
        if not m:
            continue
        kind = next((k for needle, k in WARNING_KINDS if needle in m["msg"]), "other")
        if kind == "enum":
            continue  # the place is already in fix_qt_enums
        add(m["line"], kind, m["msg"])
    if crashed:
        # Stopped before it had read the whole file (an unguarded lookup while walking the
        # tree): its places there are incomplete, and the file is left out of the comparison.
        # Stopped while rewriting (an assert on the tokens): the places were all found.
        analysed = "tokens" in captured
        add(0, "rewrite-crash" if analysed else "crash", crashed)
    return places


def places(script: str, folder: str, qgis3_compat: bool) -> list[dict]:
    module = load(script)
    result = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "plugin")
        shutil.copytree(folder, copy, symlinks=True)
        for root, dirs, files in os.walk(copy):
            # As the script's glob: hidden files and folders are not matched.
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.endswith(".py") or name.startswith("."):
                    continue
                path = os.path.join(root, name)
                if os.path.islink(path) or "auto_additions" in path:
                    continue
                display = os.path.relpath(path, copy).replace(os.sep, "/")
                try:
                    result.extend(run_file(module, path, display, qgis3_compat))
                except Exception as e:  # noqa: BLE001 - one file must not stop the rest
                    result.append({"file": display, "line": 0, "kind": "crash", "detail": str(e)})
    return result


def provenance(script: str) -> str:
    """The script's release (the folder infra/qgis4-reference.sh keeps it in) and digest."""
    import hashlib

    with open(script, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    release = os.path.basename(os.path.dirname(os.path.abspath(script)))
    return f"{release} scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py (sha256:{digest})"


def tsv(script: str) -> str:
    """The check's data file (shared/qgis4-check/data/qt-enums.tsv) from the tables."""
    t = tables(script)
    module = load(script)
    grouped: dict[tuple[str, str], list[str]] = {}
    rows = []
    for cls, member, replacement in t["enums"]:
        enum = module.qt_enums[(cls, member)]
        if replacement == f"{cls}.{enum}.{member}":
            grouped.setdefault((cls, enum), []).append(member)
        else:
            rows.append(f"X\t{cls}\t{member}\t{replacement}")
    for cls, member, replacement, candidates in t["ambiguous"]:
        rows.append(f"A\t{cls}\t{member}\t{replacement}\t{' '.join(candidates)}")
    for cls, member, replacement in t["renamed"]:
        rows.append(f"R\t{cls}\t{member}\t{replacement}")
    for old, new in t["qmetatype"]:
        rows.append(f"M\tQVariant\t{old}\tQMetaType.Type.{new}")
    lines = [
        "# Qt enum members the qgis4 check reports unscoped, with the replacement QGIS's migration",
        "# script writes. Generated, do not edit: infra/qgis4/reference.py tsv (docs/qgis4.md).",
        f"# From: {provenance(script)}; PyQt6 {t['pyqt']}, Qt {t['qt']} (the script's enum tables, built",
        "# by introspecting PyQt6 as the script does).",
        "# E CLASS ENUM MEMBERS: CLASS.MEMBER (each of the space-separated MEMBERS) -> CLASS.ENUM.MEMBER",
        "# X CLASS MEMBER REPLACEMENT: another replacement (empty: the script cannot rewrite it)",
        "# A CLASS MEMBER REPLACEMENT CANDIDATES: ambiguous (empty replacement: the script only warns)",
        "# R CLASS MEMBER REPLACEMENT: renamed or removed enum member",
        "# M QVariant TYPE REPLACEMENT: QVariant type -> QMetaType type",
    ]
    for (cls, enum), members in sorted(grouped.items()):
        lines.append(f"E\t{cls}\t{enum}\t{' '.join(sorted(members))}")
    lines.extend(rows)
    return "\n".join(lines) + "\n"


# The kinds the check reports beyond the script (its rule Q4018: `import PyQt5`, `from PyQt5
# import QtCore`) are not compared; neither are the script's own stops.
NOT_COMPARED = {"crash", "rewrite-crash"}


def compare(reference: list[dict], ours: list[dict]) -> dict:
    """Precision and recall of our places against the script's, on (file, line, kind) as
    multisets, over the files the script read to the end."""
    from collections import Counter

    stopped = {p["file"] for p in reference if p["kind"] == "crash"}
    ref = Counter(
        (p["file"], p["line"], p["kind"])
        for p in reference
        if p["kind"] not in NOT_COMPARED and p["file"] not in stopped
    )
    mine = Counter(
        (p["file"], p["line"], p["kind"]) for p in ours if p["file"] not in stopped
    )
    matched = sum((ref & mine).values())
    return {
        "reference": sum(ref.values()),
        "ours": sum(mine.values()),
        "matched": matched,
        "precision": matched / sum(mine.values()) if mine else 1.0,
        "recall": matched / sum(ref.values()) if ref else 1.0,
        "files_left_out": sorted(stopped),
        "missed": sorted((ref - mine).elements()),
        "extra": sorted((mine - ref).elements()),
    }


def our_places(report: dict, kinds: dict) -> list[dict]:
    """The places of our JSON report (`scan --checks qgis4 --rules all --format json`), paths
    inside the plugin folder (the zip's top folder removed), kinds from the rules."""
    result = []
    for f in report.get("findings", []):
        kind = kinds.get(f.get("rule"))
        if f.get("check") != "qgis4" or kind is None or not f.get("line"):
            continue
        path = f["path"].split("/", 1)[1] if "/" in f["path"] else f["path"]
        result.append({"file": path, "line": f["line"], "kind": kind})
    return result


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "tables":
        json.dump(tables(argv[1]), sys.stdout, indent=0)
        return 0
    if len(argv) >= 2 and argv[0] == "tsv":
        sys.stdout.write(tsv(argv[1]))
        return 0
    if len(argv) >= 3 and argv[0] == "places":
        # The QVariant types are rewritten only for plugins that drop QGIS 3: asked for too.
        for place in places(argv[1], argv[2], qgis3_compat=False):
            print(json.dumps(place, sort_keys=True))
        return 0
    if argv[:1] == ["kinds"]:
        json.dump(DEFAULT_KINDS, sys.stdout, sort_keys=True)
        return 0
    if len(argv) >= 4 and argv[0] == "compare":
        # compare SCRIPT PLUGIN_DIR OUR_REPORT.json [KINDS.json]: the figure, as JSON.
        reference = places(argv[1], argv[2], qgis3_compat=False)
        with open(argv[3], encoding="utf-8") as f:
            report = json.load(f)
        kinds = DEFAULT_KINDS
        if len(argv) >= 5:
            with open(argv[4], encoding="utf-8") as f:
                kinds = json.load(f)
        result = compare(reference, our_places(report, kinds))
        json.dump(result, sys.stdout, indent=1)
        print()
        print(
            f"qgis4 agreement: precision {result['precision']:.4f}, recall {result['recall']:.4f} "
            f"({result['matched']} of {result['reference']} reference places, {result['ours']} ours; "
            f"{len(result['files_left_out'])} file(s) the script stopped on left out)",
            file=sys.stderr,
        )
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
