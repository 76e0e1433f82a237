"""Prints pycodestyle's annotated docstring examples as JSON: [[expected, source], ...].

Run with the pycodestyle sdist first on sys.path; mirrors its tests/test_self_doctests.py.
"""
import json
import re
import sys

sys.path.insert(0, sys.argv[1])
import pycodestyle  # noqa: E402

assert pycodestyle.__file__.startswith(sys.argv[1]), pycodestyle.__file__
SELFTEST_REGEX = re.compile(r'\b(Okay|[EW]\d{3}): (.*)')
out = []
for group in pycodestyle._checks.values():
    for f in group:
        if f.__doc__ is None:
            continue
        for match in SELFTEST_REGEX.finditer(f.__doc__):
            s = '\n'.join((*match[2].replace(r'\t', '\t').split(r'\n'), ''))
            out.append([match[1], s, f.__name__])
json.dump(out, sys.stdout)
