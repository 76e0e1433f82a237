"""The harness's own tests: `python3 infra/bench/bench.py self-test` (run by `cargo test`,
tests/bench_harness.rs). Cheap: synthetic tool outputs and fake tools, no reference venv."""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import stat
import sys
import tempfile
import textwrap
import unittest
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import agreement  # noqa: E402
import bench  # noqa: E402
import corpus  # noqa: E402
from measure import run_measured  # noqa: E402

CLASSES = {"KeywordDetector": "Secret Keyword", "HexHighEntropyString": "Hex High Entropy String",
           "AWSKeyDetector": "AWS Access Key"}


class PathNormalisation(unittest.TestCase):
    def test_tool_paths_map_onto_zip_paths(self):
        n = agreement.normalise_path
        self.assertEqual(n("./top/a.py"), "top/a.py")
        self.assertEqual(n("top/a.py"), "top/a.py")
        self.assertEqual(n("././top//sub/../a.py"), "top/a.py")
        self.assertEqual(n("top\\pkg\\a.py"), "top/pkg/a.py")
        self.assertEqual(n("/work/x/tree/top/a.py", "/work/x/tree"), "top/a.py")
        self.assertEqual(n("/work/x/tree/top/a.py", "/work/x/tree/"), "top/a.py")
        # A root that is only a prefix of a folder name is not stripped.
        self.assertEqual(n("/work/x/tree2/top/a.py", "/work/x/tree"), "work/x/tree2/top/a.py")
        self.assertEqual(n("/abs/top/a.py"), "abs/top/a.py")
        self.assertEqual(n("."), "")

    def test_packed_zip_paths_equal_the_extracted_tree_as_tools_walk_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = pathlib.Path(tmp, "src")
            (src / "pkg" / "sub dir").mkdir(parents=True)
            (src / "pkg" / "a.py").write_text("import os\n")
            (src / "pkg" / "sub dir" / "b:c.py").write_text("x = 1\n")
            (src / ".complete").write_text("")
            os.symlink("a.py", src / "pkg" / "link.py")
            z = pathlib.Path(tmp, "out.zip")
            corpus.pack(src, "top-1.0", z, level=1)
            with zipfile.ZipFile(z) as zf:
                names = sorted(i.filename for i in zf.infolist())
            self.assertEqual(names, ["top-1.0/pkg/a.py", "top-1.0/pkg/sub dir/b:c.py"])
            tree = pathlib.Path(tmp, "tree")
            corpus.extract(z, tree)
            # The tools walk "." from the extraction folder: ./top-1.0/pkg/a.py and so on.
            walked = sorted(agreement.normalise_path(os.path.join(os.path.relpath(d, tree), f))
                            for d, _, fs in os.walk(tree) for f in fs)
            walked_abs = sorted(agreement.normalise_path(os.path.join(d, f), str(tree))
                                for d, _, fs in os.walk(tree) for f in fs)
            self.assertEqual(walked_abs, names)
            self.assertEqual(walked, names)
            stats = corpus.zip_stats(z)
            self.assertEqual((stats["py_files"], stats["py_lines"]), (2, 2))


class ToolOutputs(unittest.TestCase):
    def test_bandit(self):
        out = json.dumps({"errors": [{"filename": "./top/py2.py", "reason": "syntax error"}],
                          "results": [{"filename": "./top/a.py", "line_number": 3, "test_id": "B602"},
                                      {"filename": "/r/top/b.py", "line_number": 1, "test_id": "B101"}]})
        keys, unparsed = agreement.bandit_keys(out, "/r")
        self.assertEqual(keys, [("top/a.py", 3, "B602"), ("top/b.py", 1, "B101")])
        self.assertEqual(unparsed, 1)

    def test_detect_secrets(self):
        out = json.dumps({"version": "1.5.0", "results": {
            "top/conf.py": [{"type": "Secret Keyword", "filename": "top/conf.py", "line_number": 7},
                            {"type": "AWS Access Key", "filename": "top/conf.py", "line_number": 9}],
            "./top/data.json": [{"type": "Hex High Entropy String", "line_number": 2}]}})
        self.assertEqual(sorted(agreement.detect_secrets_keys(out)), [
            ("top/conf.py", 7, "Secret Keyword"), ("top/conf.py", 9, "AWS Access Key"),
            ("top/data.json", 2, "Hex High Entropy String")])

    def test_flake8_paths_with_colons_and_spaces(self):
        sep = agreement.FLAKE8_SEPARATOR
        out = "\n".join([sep.join(["./top/sub dir/b:c.py", "12", "80", "E501", "line too long (130 > 120)"]),
                         sep.join(["./top/a.py", "1", "1", "F401", "'os' imported but unused"]),
                         "garbage line", ""])
        self.assertEqual(agreement.flake8_keys(out), [("top/sub dir/b:c.py", 12, "E501"),
                                                      ("top/a.py", 1, "F401")])

    def test_flake8_crash_names_the_file(self):
        err = ('./top/deep.py: "pyflakes[F]" failed during execution due to '
               "RecursionError('maximum recursion depth exceeded')\n"
               "Run flake8 with greater verbosity to see more details\n")
        self.assertEqual(list(agreement.flake8_failed_files(err)), ["top/deep.py"])
        self.assertEqual(agreement.flake8_failed_files("all fine\n"), {})


def finding(check, rule, path, line, message="", suppressed=None):
    f = {"check": check, "rule": rule, "path": path, "line": line, "message": message}
    if suppressed:
        f["suppressed"] = suppressed
    return f


class OurReport(unittest.TestCase):
    REPORT = json.dumps({
        "checks": [{"check": "security", "status": "ok", "duration_ms": 12},
                   {"check": "secrets", "status": "ok", "duration_ms": 3},
                   {"check": "package_structure", "status": "ok"}],
        "findings": [
            finding("security", "B602", "top/a.py", 3),
            finding("security", "B101", "top/a.py", 4, suppressed={"kind": "inline", "marker": "# nosec"}),
            finding("security", "B105", "top/a.py", 5, suppressed={"kind": "plugin_config", "file": "top/.bandit"}),
            finding("secrets", "KeywordDetector", "top/conf.py", 7),
            finding("secrets", "Secret Keyword", "top/conf.py", 8),
            finding("secrets", "high_entropy", "top/d.json", 2, "Hex High Entropy String found"),
            finding("package_structure", "PKG005", "top", None),
        ]})

    def test_keys_per_check(self):
        r = agreement.parse_our_report(self.REPORT)
        self.assertEqual(r.checks["security"].duration_ms, 12)
        self.assertIsNone(r.checks["package_structure"].duration_ms)
        # The inline-suppressed B101 is out (bandit honours # nosec); the config-relaxed B105 in.
        self.assertEqual(agreement.our_keys(r, "security", CLASSES),
                         [("top/a.py", 3, "B602"), ("top/a.py", 5, "B105")])
        self.assertEqual(agreement.our_keys(r, "secrets", CLASSES),
                         [("top/conf.py", 7, "Secret Keyword"), ("top/conf.py", 8, "Secret Keyword"),
                          ("top/d.json", 2, "Hex High Entropy String")])
        self.assertEqual(agreement.our_keys(r, "package_structure", CLASSES), [("top", 0, "PKG005")])


class Comparison(unittest.TestCase):
    def test_multiset_precision_and_recall(self):
        a, b, c = ("f.py", 1, "E501"), ("f.py", 2, "E231"), ("g.py", 3, "F401")
        extra = ("f.py", 9, "PARSE")  # not a flake8 code: counted apart
        r = agreement.compare([a, a, b, extra], [a, c], "code_quality", CLASSES)
        self.assertEqual((r.ours, r.reference, r.matched, r.out_of_namespace), (3, 2, 1, 1))
        self.assertAlmostEqual(r.precision, 1 / 3)
        self.assertAlmostEqual(r.recall, 1 / 2)
        self.assertEqual(r.false_positives, [a, b])
        self.assertEqual(r.false_negatives, [c])

    def test_line_and_rule_must_both_match(self):
        r = agreement.compare([("f.py", 1, "B101")], [("f.py", 2, "B101"), ("f.py", 1, "B102")],
                              "security", CLASSES)
        self.assertEqual((r.matched, r.precision, r.recall), (0, 0.0, 0.0))

    def test_nothing_to_compare_is_undefined_not_perfect(self):
        r = agreement.compare([], [], "security", CLASSES)
        self.assertIsNone(r.precision)
        self.assertEqual(agreement.fmt_ratio(r.precision), "-")
        r = agreement.compare([], [("f.py", 1, "B101")], "security", CLASSES)
        self.assertIsNone(r.precision)
        self.assertEqual(r.recall, 0.0)

    def test_totals_add_up(self):
        total = agreement.Agreement(0, 0, 0)
        total.add(agreement.Agreement(10, 10, 9))
        total.add(agreement.Agreement(90, 100, 90))
        self.assertAlmostEqual(total.precision, 99 / 100)
        self.assertAlmostEqual(total.recall, 99 / 110)


class Corpus(unittest.TestCase):
    def test_parse(self):
        entries = corpus.parse_corpus("# header\n\nclick==8.1.7  quick median  # why\n"
                                      "statsmodels==0.14.1 largest level=3\n")
        self.assertEqual([(e.label, e.tags, e.level) for e in entries],
                         [("click-8.1.7", ["quick", "median"], 6),
                          ("statsmodels-0.14.1", ["largest", "level=3"], 3)])
        with self.assertRaises(ValueError):
            corpus.parse_corpus("click 8.1.7\n")

    def test_the_shipped_corpus_is_valid(self):
        entries = corpus.parse_corpus((HERE / "corpus.txt").read_text())
        tags = [t for e in entries for t in e.tags]
        self.assertEqual((tags.count("median"), tags.count("largest")), (1, 1))
        self.assertTrue(any("quick" in e.tags for e in entries))


class Measure(unittest.TestCase):
    def test_exit_code_cpu_and_memory(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            m = run_measured([sys.executable, "-c",
                              "x = bytearray(40 * 1024 * 1024); print('hi'); raise SystemExit(3)"],
                             stdout_path=out)
            self.assertEqual(m.exit_code, 3)
            self.assertEqual(pathlib.Path(out).read_text(), "hi\n")
            self.assertGreater(m.peak_rss_mb, 40)
            self.assertGreaterEqual(m.wall_s, 0)
            self.assertGreaterEqual(m.cpu_s, 0)
            self.assertFalse(m.timed_out)

    def test_a_tool_past_its_timeout_is_killed_and_marked(self):
        m = run_measured([sys.executable, "-c", "import time; time.sleep(30)"], timeout_s=0.5)
        self.assertTrue(m.timed_out)
        self.assertLess(m.wall_s, 10)


FAKE_TOOL = """#!{python}
# A fake {name}: reports fixed findings on the files under the current folder.
import json, os, sys
files = sorted(os.path.join(d, f) for d, _, fs in os.walk('.') for f in fs if f.endswith('.py'))
name = {name!r}
if name == 'bandit':
    print(json.dumps({{'errors': [], 'results': [
        {{'filename': f, 'line_number': 1, 'test_id': 'B101'}} for f in files]}}))
elif name == 'detect-secrets':
    print(json.dumps({{'results': {{os.path.abspath(f): [
        {{'type': 'Secret Keyword', 'line_number': 2}}] for f in files}}}}))
else:
    # Like flake8 7 when pyflakes crashes on a file: only the failure, on stdout.
    excluded = ' '.join(a for a in sys.argv if a.startswith('--extend-exclude='))
    files = [f for f in files if f not in excluded]
    deep = [f for f in files if f.endswith('deep.py')]
    if deep:
        print(deep[0] + ': "pyflakes[F]" failed during execution due to RecursionError')
        sys.exit(1)
    sep = '\\x1f'
    for f in files:
        print(sep.join([f, '1', '1', 'E501', 'long']))
        print(sep.join([f, '2', '1', 'W291', 'trailing']))
"""

FAKE_SCAN = """#!{python}
# A fake plugin-validator: security and code_quality built, secrets not.
import json, sys, zipfile
names = [n for n in zipfile.ZipFile(sys.argv[2]).namelist() if n.endswith('.py')]
findings = [dict(check='security', rule='B101', path=n, line=1) for n in names]
findings += [dict(check='code_quality', rule='E501', path=n, line=1) for n in names]
findings += [dict(check='package_structure', rule='PKG005', path=names[0], line=None)]
print(json.dumps({{'checks': [
    {{'check': 'security', 'status': 'ok', 'duration_ms': 2}},
    {{'check': 'code_quality', 'status': 'ok', 'duration_ms': 3}},
    {{'check': 'package_structure', 'status': 'ok', 'duration_ms': 1}}],
    'findings': findings}}))
sys.exit(1)
"""


class EndToEnd(unittest.TestCase):
    """The driver on a tiny synthetic input with fake tools: alternation, output plumbing,
    path normalisation across relative, './' and absolute tool paths, not-built checks."""

    def test_bench_input_and_summary(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            venv = tmp / "venv"
            (venv / "bin").mkdir(parents=True)
            for name in bench.TOOLS:
                p = venv / "bin" / name
                p.write_text(FAKE_TOOL.format(python=sys.executable, name=name))
                p.chmod(p.stat().st_mode | stat.S_IXUSR)
            binary = tmp / "plugin-validator"
            binary.write_text(FAKE_SCAN.format(python=sys.executable))
            binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
            src = tmp / "src"
            (src / "pkg").mkdir(parents=True)
            (src / "pkg" / "a.py").write_text("assert x\npassword = 'hunter2'\n")
            (src / "b.py").write_text("print(1)\n")
            (src / "deep.py").write_text("x = " + "(" * 50 + ")" * 50 + "\n")
            entry = corpus.CorpusEntry("tiny", "1.0", ["median", "largest"])
            zip_path, tree = tmp / "tiny.zip", tmp / "tree"
            corpus.pack(src, entry.label, zip_path)
            corpus.extract(zip_path, tree)
            stats = corpus.zip_stats(zip_path)
            args = argparse.Namespace(work=str(tmp / "work"), binary=str(binary), our_repeat=2,
                                      checks=None, no_reference=False,
                                      tool_timeout=None)
            record = bench.bench_input(entry, zip_path, tree, stats, args, venv, [], CLASSES)
            a = record["agreement"]
            self.assertEqual(a["secrets"], {"status": "not built"})
            self.assertEqual(a["security"]["status"], "compared")
            self.assertEqual((a["security"]["precision"], a["security"]["recall"]), (1.0, 1.0))
            self.assertEqual((a["code_quality"]["matched"], a["code_quality"]["reference"]), (2, 4))
            self.assertEqual(a["code_quality"]["recall"], 0.5)
            # flake8 crashed on deep.py: run again without it, compared without it.
            self.assertEqual(a["code_quality"]["tool_failed_files"], ["tiny-1.0/deep.py"])
            self.assertEqual(list(record["reference"]["flake8"]["failed_files"]),
                             ["tiny-1.0/deep.py"])
            self.assertEqual(len(record["ours"]["runs"]), 2)
            self.assertEqual(record["ours"]["exit_codes"], [1])
            self.assertEqual(set(record["reference"]), set(bench.TOOLS))
            self.assertEqual(record["ours"]["check_ms"]["code_quality"], 3)

            summary = bench.summarise([record])
            self.assertEqual(summary["checks"]["secrets"]["status"], "not built")
            self.assertNotIn("precision", summary["checks"]["secrets"])
            self.assertEqual(summary["checks_not_built"], ["secrets"])
            speed = [t for t in summary["targets"] if "faster" in t["target"]][0]
            self.assertIn("not yet measurable", speed["verdict"])
            md = bench.markdown({"summary": summary, "machine": bench.machine(), "inputs": [record],
                                 "tool_versions": {}, "flake8_args": ""})
            secrets_row = [line for line in md.splitlines() if line.startswith("| secrets |")][0]
            self.assertIn("not built", secrets_row)
            self.assertNotIn("0.00%", secrets_row)
            self.assertIn("| code_quality | flake8 | compared |", md)
            self.assertIn("crashed on a file of 1 inputs", md)
            self.assertIn("| >=", [line for line in md.splitlines() if line.startswith("| tiny")][0])


class LambdaSizing(unittest.TestCase):
    def test_memory_and_timeout_recommendations(self):
        self.assertEqual(bench.lambda_memory(10), 128)
        self.assertEqual(bench.lambda_memory(100), 192)  # 100 * 1.5 + 32 = 182 -> 192
        self.assertEqual(bench.lambda_timeout(0.1, 128), 30)
        # 2 s of CPU at 256 MB (0.145 vCPU) -> 2 / 0.1447 * 3 + 5 = 46.5 -> 50
        self.assertEqual(bench.lambda_timeout(2.0, 256), 50)


if __name__ == "__main__":
    unittest.main()

