#!/usr/bin/env python3
"""The settings keys QGIS's own code reads and writes, for the API catalogue's settings table.

  qgis_settings_keys.py print SRC...          every key found, with the file it is in
  qgis_settings_keys.py write VERSION SRC...   writes shared/api-catalogue/tables/surface/qgis-settings.tsv

SRC: files or folders of QGIS source (a checkout's src/ and python/, or the Python files of
Debian's python3-qgis and python3-qgis-common packages: `apt-get download`, `dpkg -x`). Never
run in CI: the written list is committed, and the catalogue's coverage test checks that every
key under a group the settings table claims (`@covers GROUP group qgis-settings`) is classified.

Keys are found where the code spells them: string literals passed to `value`, `setValue`,
`enumValue`, `setEnumValue`, `flagValue`, `setFlagValue`,
`remove`, `contains` and `beginGroup` (`settings.value("qgis/enableMacros")`), and a literal
concatenated with a variable (`"/PythonPlugins/" + key`, `settingsGroup + "/checkOnStart"` with
`settingsGroup = "app/plugin_installer"` assigned in the same file) becomes a `*` part. C++
`QStringLiteral("...")` and `tr()`-free literals count the same. A key built any other way is
not found: the list is a floor, which is why a human reads the source of each claimed group.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "shared", "api-catalogue", "tables", "surface", "qgis-settings.tsv")

CALL = re.compile(r"\.(?:value|setValue|enumValue|setEnumValue|flagValue|setFlagValue|remove|contains|beginGroup)\(\s*(?P<arg>[^,)]+)")
LITERAL = re.compile(r"""(?:QStringLiteral\(\s*)?(["'])(?P<text>[^"'\n]*)\1\s*\)?""")
ASSIGN = re.compile(r"""^\s*(?:const\s+)?(?:QString\s+)?(?P<name>\w+)\s*=\s*(?:QStringLiteral\(\s*)?["'](?P<text>[A-Za-z0-9_/.-]+)["']""")
KEY = re.compile(r"^/?[A-Za-z][A-Za-z0-9_.-]*(/[A-Za-z0-9_.*%-]+)*/?$")


def key_of(arg, constants):
    """The key an argument spells, with `*` for the parts built from variables, or None."""
    parts = [p.strip() for p in arg.split("+")]
    out = []
    for part in parts:
        m = LITERAL.fullmatch(part)
        if m:
            out.append(m.group("text"))
        elif part in constants:
            out.append(constants[part])
        elif re.fullmatch(r"[\w.()\[\]'\"]+", part):
            out.append("*")
        else:
            return None
    key = "".join(out).strip()
    key = re.sub(r"%\d", "*", key)
    key = re.sub(r"\*+", "*", key)
    if not key or key == "*" or "/" not in key.strip("/") and not key.endswith("*"):
        # A bare word is a key relative to a group the line does not show.
        return None
    if not KEY.match(key.replace("*", "x")):
        return None
    return key.strip("/")


def keys_in(path):
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return []
    constants = {}
    for line in text.splitlines():
        m = ASSIGN.match(line)
        if m:
            constants[m.group("name")] = m.group("text")
    found = []
    for m in CALL.finditer(text):
        key = key_of(m.group("arg"), constants)
        if key:
            found.append(key)
    return found


def walk(sources):
    for src in sources:
        if os.path.isfile(src):
            yield src
            continue
        for folder, _, files in os.walk(src):
            for name in files:
                if name.endswith((".py", ".cpp", ".h")):
                    yield os.path.join(folder, name)


def collect(sources):
    keys = {}
    for path in walk(sources):
        for key in keys_in(path):
            keys.setdefault(key, os.path.basename(path))
    return keys


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "print":
        for key, where in sorted(collect(args[1:]).items()):
            print(f"{key}\t{where}")
    elif len(args) >= 3 and args[0] == "write":
        version, sources = args[1], args[2:]
        lines = [
            "# Settings keys QGIS's own code reads or writes: key (* for a part built at run time),",
            "# QGIS version, the file it was found in. Written by infra/catalogue/qgis_settings_keys.py;",
            "# do not edit by hand.",
        ]
        lines += [f"{k}\t{version}\t{w}" for k, w in sorted(collect(sources).items())]
        with open(OUT, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        print(f"wrote {OUT}")
    else:
        sys.exit(__doc__)
