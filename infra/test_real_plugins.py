"""real_plugins.py's own tests: `python3 infra/real_plugins.py self-test` (cargo test runs them,
tests/real_plugins_harness.rs). Synthetic data only: lists written here, a git repository made
in a temporary folder, a fake validator printing canned reports. No mirrors, no network."""
from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import stat
import subprocess
import sys
import tempfile
import textwrap
import unittest
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import real_plugins as rp  # noqa: E402
import real_plugins_study as study  # noqa: E402

HEADER = "repo\tcommit\tfolder\tname\tnote\n"
C1, C2 = "a" * 40, "b" * 40


def row(repo, folder=".", commit=C1, name="P", note="n"):
    return f"{repo}\t{commit}\t{folder}\t{name}\t{note}\n"


class ListParsing(unittest.TestCase):
    def test_rows_comments_and_ids(self):
        rows = rp.parse_list("# about\n\n" + HEADER + row("3liz/lizmap-plugin", "lizmap")
                             + "# a comment between rows\n" + row("Org/plug", "."))
        self.assertEqual([r.repo for r in rows], ["3liz/lizmap-plugin", "Org/plug"])
        self.assertEqual(rows[0].id, "3liz+lizmap-plugin+lizmap")
        self.assertEqual(rows[0].package, "lizmap")
        self.assertEqual(rows[1].id, "Org+plug")
        self.assertEqual(rows[1].package, "plug")  # the root: the repository's name
        deep = rp.parse_list(HEADER + row("o/r", "src/My Plugin"))[0]
        self.assertEqual((deep.id, deep.package), ("o+r+src-My-Plugin", "My Plugin"))

    def assert_problem(self, text, *fragments):
        with self.assertRaises(rp.ListError) as caught:
            rp.parse_list(text)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))

    def test_malformed_rows_are_named_with_their_line(self):
        self.assert_problem("repo\tcommit\tfolder\tname\n", "the header must be")
        self.assert_problem(HEADER + "o/r\t" + C1 + "\t.\tname\n", "line 2: 4 columns")
        self.assert_problem(HEADER + row("not-a-repo"), "line 2: repo 'not-a-repo'")
        self.assert_problem(HEADER + row("o/r", commit="abc"), "line 2: commit 'abc'")
        self.assert_problem(HEADER + row("o/r", commit="A" * 40), "lower-case hex")
        self.assert_problem(HEADER + row("o/r", "/abs"), "folder '/abs'")
        self.assert_problem(HEADER + row("o/r", "a/../b"), "`..` components")
        self.assert_problem(HEADER + row("o/r", "a/"), "trailing")
        self.assert_problem(HEADER + row("o/r", name=""), "the name is empty")
        self.assert_problem("# only comments\n", "no header line")

    def test_duplicates_order_and_colliding_ids(self):
        self.assert_problem(HEADER + row("o/r") + row("O/R"), "line 3: O/R . repeats line 2")
        self.assert_problem(HEADER + row("z/r") + row("a/r"), "line 3: a/r . is out of order")
        self.assert_problem(HEADER + row("o/r", "b") + row("o/r", "a"), "out of order")
        # case-insensitive order: "Org" sorts with "org", before "pub"
        rp.parse_list(HEADER + row("abc/x") + row("Org/y") + row("pub/z"))
        self.assert_problem(HEADER + row("o/r", "a b") + row("o/r", "a-b"), "id o+r+a-b")

    def test_every_problem_is_reported_at_once(self):
        with self.assertRaises(rp.ListError) as caught:
            rp.parse_list(HEADER + row("bad") + row("o/r", commit="x"))
        self.assertEqual(len(str(caught.exception).splitlines()), 2)

    def test_the_committed_list_is_well_formed(self):
        rows = rp.load_list()
        self.assertGreaterEqual(len(rows), 200)
        self.assertGreaterEqual(len({r.repo for r in rows}), 150)
        self.assertTrue(all(r.note for r in rows), "every row has a note")
        self.assertFalse([r for r in rows if "TODO" in r.note], "no TODO left in notes")


def make_repo(root: pathlib.Path) -> tuple[pathlib.Path, str]:
    """A mirror like fetch leaves it: /root/owner+name/repo/.git, with two plugins."""
    work = root / "o+r" / "repo"
    work.mkdir(parents=True)
    env = dict(os.environ, GIT_AUTHOR_DATE="2020-01-02T03:04:05Z",
               GIT_COMMITTER_DATE="2020-01-02T03:04:05Z")

    def run(*args):
        subprocess.run(["git", "-C", str(work), *args], check=True, capture_output=True, env=env)

    run("init", "-q")
    files = {
        "plug/metadata.txt": "[general]\nname=My Plug\nqgisMinimumVersion=3.22\n",
        "plug/__init__.py": "def classFactory(iface):\n    return None\n",
        "plug/tool.sh": "#!/bin/sh\n",
        "plug/sub/x.py": "import requests\n",
        "plug/dropped.txt": "export-ignore\n",
        ".gitattributes": "plug/dropped.txt export-ignore\n",
        "other/metadata.txt": "[general]\nname : Other\n",
        "other/__init__.py": "def classFactory(iface): pass\n",
        "notaplugin/metadata.txt": "[general]\nname=No init\n",
        "README": "x\n",
        "LICENSE": "GPL\n",
        "other/LICENSE": "its own\n",
    }
    for name, text in files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (work / "plug/tool.sh").chmod(0o755)
    os.symlink("x.py", work / "plug/sub/link.py")
    os.symlink("../../README", work / "plug/sub/escape")
    run("add", "-A")
    run("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "c")
    head = subprocess.run(["git", "-C", str(work), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    return work / ".git", head


class Mirrors(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.tmp.name)
        self.mirrors = self.root / "mirrors"
        self.git_dir, self.head = make_repo(self.mirrors)

    def tearDown(self):
        self.tmp.cleanup()

    def rows(self, *extra):
        return rp.parse_list(HEADER + row("o/r", "other", self.head, "Other")
                             + row("o/r", "plug", self.head, "My Plug") + "".join(extra))

    def test_find_git_dir_and_plugin_folders(self):
        self.assertEqual(rp.find_git_dir(self.mirrors, "o/r"), self.git_dir)
        self.assertIsNone(rp.find_git_dir(self.mirrors, "o/absent"))
        folders = rp.plugin_folders(self.git_dir, self.head)
        self.assertEqual([(f["folder"], f["name"]) for f in folders],
                         [("other", "Other"), ("plug", "My Plug")])

    def test_check_row(self):
        good = self.rows()
        self.assertEqual([rp.check_row(self.git_dir, r) for r in good], [[], []])
        bad = rp.parse_list(HEADER + row("o/r", "plug", C1, "My Plug")
                            + row("o/r", "zz", self.head, "My Plug"))
        self.assertIn("not in the mirror", rp.check_row(self.git_dir, bad[0])[0])
        problems = rp.check_row(self.git_dir, bad[1])
        self.assertIn("zz/metadata.txt is missing", problems)
        self.assertIn("zz/__init__.py is missing", problems)
        renamed = rp.parse_list(HEADER + row("o/r", "plug", self.head, "Old"))[0]
        self.assertIn("names it 'My Plug'", rp.check_row(self.git_dir, renamed)[0])

    def test_materialise_folder_zip_manifest_and_missing_mirror(self):
        out = self.root / "out"
        rows = self.rows(row("z/absent", ".", self.head, "X"))
        logged = []
        outcome = rp.materialise(rows, self.mirrors, out, with_zip=True, log=logged.append)
        self.assertEqual(outcome["done"], ["o+r+other", "o+r+plug"])
        self.assertEqual(outcome["missing"], ["z+absent"])
        self.assertTrue(any("missing mirror: z/absent" in m for m in logged))
        top = out / "o+r+plug" / "plug"
        self.assertEqual(sorted(p.relative_to(top).as_posix() for p in top.rglob("*")),
                         ["LICENSE", "__init__.py", "metadata.txt", "sub", "sub/link.py",
                          "sub/x.py", "tool.sh"])  # export-ignore honoured, the escaping link left out
        self.assertEqual((top / "LICENSE").read_text(), "GPL\n")  # the root's, as released
        self.assertEqual((out / "o+r+other" / "other" / "LICENSE").read_text(), "its own\n")
        self.assertTrue((top / "tool.sh").stat().st_mode & stat.S_IXUSR)
        with zipfile.ZipFile(out / "o+r+plug.zip") as zf:
            names = zf.namelist()
            self.assertTrue(all(n.startswith("plug/") for n in names))
            self.assertEqual(names, sorted(names))
            self.assertIn("plug/LICENSE", names)
            info = zf.getinfo("plug/tool.sh")
            self.assertEqual((info.external_attr >> 16) & 0o777, 0o755)
            self.assertEqual(info.date_time, (2020, 1, 2, 3, 4, 4))
            link = zf.getinfo("plug/sub/link.py")
            self.assertTrue(stat.S_ISLNK(link.external_attr >> 16))
            self.assertEqual(zf.read(link), b"x.py")
        manifest = rp.read_manifest(out)
        self.assertEqual(manifest["o+r+plug"]["files"], "4")  # from git; not the link
        self.assertEqual((manifest["o+r+plug"]["root_license"],
                          manifest["o+r+other"]["root_license"]), ("yes", ""))
        self.assertEqual(manifest["o+r+plug"]["zip"], "o+r+plug.zip")
        # a second run leaves current rows alone; the zip is reproducible
        first = (out / "o+r+plug.zip").read_bytes()
        again = rp.materialise(rows, self.mirrors, out, with_zip=True, log=logged.append)
        self.assertEqual(again["current"], ["o+r+other", "o+r+plug"])
        rp.materialise(rows[:2], self.mirrors, out, with_zip=True, force=True, log=logged.append)
        self.assertEqual((out / "o+r+plug.zip").read_bytes(), first)

    def test_a_hostile_tar_name_never_leaves_the_folder(self):
        for name in ("../x", "plug/../../x", "/etc/passwd", "plug/a/../../b", "plugx/y", "plug"):
            self.assertIsNone(rp._safe_relative(name, "plug"), name)
        self.assertEqual(rp._safe_relative("plug/a/b.py", "plug"), "a/b.py")
        self.assertEqual(rp._safe_relative("a/b.py", "."), "a/b.py")


def report(status, findings, checks=None):
    return {"status": status, "plugin": "P", "version": "1", "counts": {},
            "checks": checks or [{"check": "security", "status": "ok", "duration_ms": 5}],
            "findings": findings, "provenance": {"validator_version": "9.9"}}


def finding(check, rule, path="p/a.py", line=1, blocking=False, review=False, suppressed=None):
    f = {"check": check, "rule": rule, "path": path, "line": line, "blocking": blocking,
         "review": review}
    if suppressed:
        f["suppressed"] = suppressed
    return f


REPORTS = {
    "a": report("blocked", [finding("security", "B602", blocking=True),
                            finding("security", "B602", line=9, blocking=True),
                            finding("secrets", "Secret Keyword", blocking=True),
                            finding("code_quality", "E501")]),
    "b": report("validated", [finding("behaviour", "BHV101", review=True),
                              finding("code_quality", "E501"),
                              finding("security", "B602", suppressed={"by": "nosec"})]),
    "c": report("error", [], [{"check": "security", "status": "error", "error": "timed out",
                              "duration_ms": 0}]),
}


class Tables(unittest.TestCase):
    def plugins(self):
        out = []
        for pid, rep in REPORTS.items():
            s = study.summarise_report(rep)
            s.update(id=pid, seconds=1.0)
            out.append(s)
        out.append({"id": "d", "verdict": "failed", "failure": "exit 2: corrupt", "seconds": 0})
        return out

    def test_summaries(self):
        a, b, c = (study.summarise_report(REPORTS[k]) for k in "abc")
        self.assertEqual((a["verdict"], b["verdict"], c["verdict"]), ("blocked", "held", "error"))
        self.assertEqual([f["rule"] for f in a["blocking"]], ["B602", "B602", "Secret Keyword"])
        self.assertEqual(b["review"], [{"check": "behaviour", "rule": "BHV101", "path": "p/a.py",
                                        "line": 1}])
        self.assertEqual(c["check_errors"], [{"check": "security", "error": "timed out"}])
        self.assertNotIn("B602", [r["rule"] for r in b["rules"]])  # suppressed: not fired

    def test_rule_and_check_tables(self):
        rules = {(r["check"], r["rule"]): r for r in study.rule_table(self.plugins())}
        self.assertEqual(rules[("security", "B602")],
                         {"check": "security", "rule": "B602", "fires": 1, "blocks": 1,
                          "holds": 0, "findings": 2})
        self.assertEqual(rules[("code_quality", "E501")]["fires"], 2)
        self.assertEqual(rules[("behaviour", "BHV101")]["holds"], 1)
        order = [r["check"] for r in study.rule_table(self.plugins())]
        self.assertLess(order.index("security"), order.index("behaviour"))
        checks = {c["check"]: c for c in study.check_table(self.plugins())}
        self.assertEqual((checks["security"]["blocks"], checks["security"]["errors"]), (1, 1))

    def test_markdown(self):
        s = {"plugins": self.plugins(), "rules": "policy", "checks": "all", "jobs": 1,
             "provenance": {"validator_version": "9.9"}, "wall_seconds": 4}
        t = study.totals(s)
        self.assertEqual((t["plugins"], t["blocked"], t["held"], t["error"], t["failed"]),
                         (4, 1, 1, 1, 1))
        md = study.markdown(s)
        self.assertIn("| 4 | 0 | 1 | 1 | 1 | 1 | 6 |", md)
        self.assertIn("| a | B602 (2), Secret Keyword (1) | B602 `p/a.py:1`; B602 `p/a.py:9`; "
                      "Secret Keyword `p/a.py:1` |", md)
        self.assertIn("| b | held | BHV101 (1) |", md)
        self.assertIn("| c | security | timed out |", md)
        self.assertIn("| d | (scan) | exit 2: corrupt |", md)
        self.assertIn("| security | B602 | 1 | 1 | 0 | 2 |", md)

    def test_qgis4_readiness_table(self):
        plugins = self.plugins()
        self.assertIsNone(plugins[0]["qgis4"])
        self.assertNotIn("QGIS 4 readiness", study.markdown({"plugins": plugins}))
        plugins[0]["qgis4"] = {"state": "declared_not_ready", "places": 3, "declared": True}
        plugins[1]["qgis4"] = {"state": "ready", "places": 0, "declared": True}
        plugins[2]["qgis4"] = {"state": "not_ready", "places": 5, "declared": False}
        table = study.qgis4_table(plugins)
        self.assertEqual((table["ready"], table["declared_not_ready"], table["not_ready"],
                          table["not_declared"], table["declared"], table["places"]),
                         (1, 1, 1, 0, 2, 8))
        self.assertIn("| 1 | 1 | 1 | 0 | 2 | 8 |", study.markdown({"plugins": plugins}))

    def test_compare(self):
        old = {"plugins": self.plugins()}
        new_plugins = self.plugins()
        new_plugins[0] = dict(new_plugins[0], blocking=[{"check": "secrets",
                                                          "rule": "Secret Keyword",
                                                          "path": "x", "line": 1}])
        new_plugins[1] = dict(new_plugins[1], verdict="validated", review=[])
        new = {"plugins": new_plugins[:3] + [{"id": "e", "verdict": "validated"}]}
        changes = {c["id"]: c for c in study.compare(old, new)}
        self.assertEqual(sorted(changes), ["a", "b", "d", "e"])
        self.assertEqual(changes["a"]["blocking_removed"], ["security/B602"])
        self.assertEqual((changes["b"]["before"], changes["b"]["after"]), ("held", "validated"))
        self.assertEqual(changes["b"]["held_removed"], ["behaviour/BHV101"])
        self.assertEqual((changes["d"]["after"], changes["e"]["before"]), ("absent", "absent"))
        md = study.compare_markdown(old, new)
        self.assertIn("4 plugin(s) changed", md)
        self.assertIn("| a | blocked | blocked |  | security/B602 |  |  |", md)


class StudyRun(unittest.TestCase):
    """The study end to end, with a fake validator that prints the canned report named by the
    zip (and exits as the real one does)."""

    def test_run_and_commands(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            plugins = root / "plugins"
            plugins.mkdir()
            for pid in ("a", "b", "c", "broken"):
                (plugins / f"{pid}.zip").write_bytes(b"PK")
            (root / "reports.json").write_text(json.dumps(REPORTS))
            fake = root / "validator"
            fake.write_text(textwrap.dedent(f"""\
                #!{sys.executable}
                import json, pathlib, sys
                assert sys.argv[1] == "scan" and "--format" in sys.argv
                name = pathlib.Path(sys.argv[2]).stem
                reports = json.loads(pathlib.Path({str(root / 'reports.json')!r}).read_text())
                if name not in reports:
                    print("cannot read the zip", file=sys.stderr)
                    sys.exit(2)
                print(json.dumps(reports[name]))
                sys.exit({{"blocked": 1, "error": 3}}.get(reports[name]["status"], 0))
                """))
            fake.chmod(0o755)
            items = study.plugins_in(plugins)
            self.assertEqual([i["id"] for i in items], ["a", "b", "broken", "c"])
            result = study.run_study(str(fake), items, None, "policy", 2, 60, root)
            verdicts = {p["id"]: p["verdict"] for p in result["plugins"]}
            self.assertEqual(verdicts, {"a": "blocked", "b": "held", "broken": "failed",
                                        "c": "error"})
            self.assertEqual(result["provenance"], {"validator_version": "9.9"})
            self.assertTrue((root / "a.json").is_file())
            saved = root / "study.json"
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
                code = rp.main(["study", "--validator", str(fake), "--plugins", str(plugins),
                                "--json", str(saved), "--only", "a", "b"])
                self.assertEqual(rp.main(["compare", str(saved), str(saved)]), 0)
            self.assertEqual(code, 0)
            self.assertEqual(json.loads(saved.read_text())["format"], study.FORMAT)
            self.assertIn("## Real plugins study: 3 plugins", printed.getvalue())
            self.assertIn("0 plugin(s) changed", printed.getvalue())


if __name__ == "__main__":
    unittest.main()
