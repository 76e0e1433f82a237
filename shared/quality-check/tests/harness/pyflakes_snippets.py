"""Prints pyflakes' test-suite snippets with what pyflakes itself reports on each, as JSON:
[{"test": ..., "source": ..., "messages": [[code, line, col], ...] or null for a syntax error}].

Run with the pyflakes sdist first on sys.path. TestCase.flakes records each snippet, every
test module is run, and pyflakes then checks each recorded snippet as flake8 would.
"""
import ast
import io
import json
import sys
import textwrap
import unittest

sys.path.insert(0, sys.argv[1])
from pyflakes import checker  # noqa: E402
from pyflakes.test import harness  # noqa: E402

assert checker.__file__.startswith(sys.argv[1]), checker.__file__

# flake8's numbering of pyflakes' messages (flake8/plugins/pyflakes.py).
sys.path.insert(0, sys.argv[2])
from flake8.plugins.pyflakes import FLAKE8_PYFLAKES_CODES  # noqa: E402

recorded = []
original_flakes = harness.TestCase.flakes


def record(self, input, *expected, **kw):
    # Snippets run with custom builtins, as segments or with doctests are not comparable.
    if not kw and not self.withDoctest:
        recorded.append((self.id(), textwrap.dedent(input)))
    return original_flakes(self, input, *expected, **kw)


harness.TestCase.flakes = record
loader = unittest.TestLoader()
suite = loader.discover(sys.argv[1] + '/pyflakes/test', top_level_dir=sys.argv[1])
unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)

out = []
seen = set()
for test, source in recorded:
    if source in seen:
        continue
    seen.add(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        out.append({'test': test, 'source': source, 'messages': None})
        continue
    w = checker.Checker(tree, filename='snippet.py')
    messages = [
        [FLAKE8_PYFLAKES_CODES.get(type(m).__name__, type(m).__name__), m.lineno, m.col]
        for m in w.messages
    ]
    out.append({'test': test, 'source': source, 'messages': messages})
json.dump(out, sys.stdout)
