#!/usr/bin/env python3
"""Runs libyara (yara-python) with the same packs as the signatures check and prints the
(file, rule) matches as JSON lines: {"path": ..., "rule": "SIG:<pack>/<rule>"}.

usage: yara_matches.py [--path-include] PACKS_DIR [PACKS_DIR ...] -- FILE_OR_DIR [...]

A pack is a `NAME.yar` file (pack NAME) or a folder NAME/ of `.yar` files, as the check reads
them; each pack is compiled in its own namespace. With --path-include, a rule whose meta has
GuardDog's `path_include` globs applies only to the files they match (fnmatch), as the check
applies them; without it every match is printed (what the agreement test compares).
"""

import fnmatch
import json
import os
import sys

import yara


def packs(dirs):
    sources = {}
    for root in dirs:
        for name in sorted(os.listdir(root)):
            path = os.path.join(root, name)
            if os.path.isdir(path):
                files = sorted(
                    os.path.join(dp, f)
                    for dp, _, fs in os.walk(path)
                    for f in fs
                    if f.lower().endswith((".yar", ".yara"))
                )
                if files:
                    sources[name] = "\n".join(open(f, encoding="utf-8").read() for f in files)
            elif name.lower().endswith((".yar", ".yara")):
                sources[name.rsplit(".", 1)[0]] = open(path, encoding="utf-8").read()
    return sources


def files(targets):
    for target in targets:
        if os.path.isdir(target):
            for dp, dns, fs in os.walk(target):
                dns.sort()
                for f in sorted(fs):
                    full = os.path.join(dp, f)
                    yield full, os.path.relpath(full, target).replace(os.sep, "/")
        else:
            yield target, os.path.basename(target)


def main(argv):
    path_include = "--path-include" in argv
    argv = [a for a in argv if a != "--path-include"]
    split = argv.index("--")
    rules = yara.compile(sources=packs(argv[:split]))
    for full, rel in files(argv[split + 1 :]):
        try:
            matches = rules.match(full, timeout=60)
        except yara.Error as e:
            print(json.dumps({"path": rel, "error": str(e)}))
            continue
        for m in matches:
            globs = [g.strip() for g in str(m.meta.get("path_include", "")).split(",") if g.strip()]
            if path_include and globs and not any(fnmatch.fnmatchcase(rel, g) for g in globs):
                continue
            print(json.dumps({"path": rel, "rule": f"SIG:{m.namespace}/{m.rule}"}))


if __name__ == "__main__":
    main(sys.argv[1:])
