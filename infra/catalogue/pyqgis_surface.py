#!/usr/bin/env python3
"""The PyQGIS surface the API catalogue claims, from QGIS's own API definitions: the `.pyi`
stubs that sip generates from QGIS's `.sip` files (`qgis/_core.pyi`, `_gui.pyi`, ...), as
shipped by QGIS builds and by Debian's `python3-qgis` package.

PyQGIS is not on PyPI, so the coverage tests compare the tables' `pyqgis` claims with the list
this script writes (`shared/api-catalogue/tables/surface/pyqgis.tsv`), committed with the tables.
Refreshing (by hand, never in CI):

  apt-get download python3-qgis && dpkg -x python3-qgis_*.deb qgis-deb
  python3 infra/catalogue/pyqgis_surface.py write --version "$(dpkg-deb -f python3-qgis_*.deb Version)" \\
      qgis-deb/usr/lib/python3/dist-packages/qgis/_core.pyi qgis-deb/usr/lib/python3/dist-packages/qgis/_gui.pyi
  python3 infra/catalogue/pyqgis_surface.py print qgis.core.QgsAuthManager PYI...   # rows to classify

`write` lists every class that a table claims with `@covers NAME class pyqgis` (it reads the
tables), each public method once (overloads merged), without nested classes, enums and signals.
The catalogue's coverage test then fails for every member a table does not classify.
"""
import ast
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TABLES = os.path.join(ROOT, "shared", "api-catalogue", "tables")
OUT = os.path.join(TABLES, "surface", "pyqgis.tsv")


def module_of(path):
    """`.../qgis/_core.pyi` -> `qgis.core`."""
    base = os.path.basename(path).split(".")[0].lstrip("_")
    return "qgis." + base


def classes(paths):
    """{qualified class: (sorted public methods, source file name)}"""
    out = {}
    for path in paths:
        module = module_of(path)
        tree = ast.parse(open(path, encoding="utf-8").read())
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            methods = sorted(
                {
                    f.name
                    for f in node.body
                    if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and not f.name.startswith("_")
                }
            )
            out[f"{module}.{node.name}"] = (methods, os.path.basename(path))
    return out


def claimed():
    names = []
    for name in sorted(os.listdir(TABLES)):
        if not name.endswith(".tsv"):
            continue
        for line in open(os.path.join(TABLES, name), encoding="utf-8"):
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "@covers" and len(cols) == 4 and cols[3] == "pyqgis":
                names.append(cols[1])
    return sorted(set(names))


def write(version, paths):
    found = classes(paths)
    lines = [
        "# PyQGIS surface of the classes the catalogue claims (@covers ... pyqgis): class, method,",
        "# QGIS version, the definitions file. Written by infra/catalogue/pyqgis_surface.py; do not",
        "# edit by hand.",
    ]
    missing = []
    for name in claimed():
        if name not in found:
            missing.append(name)
            continue
        methods, source = found[name]
        lines.extend(f"{name}\t{m}\t{version}\t{source}" for m in methods)
    if missing:
        sys.exit("claimed but not in the definitions: " + ", ".join(missing))
    with open(OUT, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    print(f"wrote {OUT}")


def print_rows(name, paths):
    found = classes(paths)
    methods, source = found[name]
    print(f"@from\tQGIS {source}")
    print(f"@covers\t{name}\tclass\tpyqgis")
    for m in methods:
        print(f"{name}.{m}\t?")


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) >= 4 and args[0] == "write" and args[1] == "--version":
        write(args[2], args[3:])
    elif len(args) >= 3 and args[0] == "print":
        print_rows(args[1], args[2:])
    else:
        sys.exit(__doc__)
