"""scan_speed.py's own logic (the report comparison and the ratio), without running anything:
run by `bench.py self-test` (cargo test, tests/bench_harness.rs)."""
from __future__ import annotations

import json
import pathlib
import sys
import unittest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import scan_speed  # noqa: E402


def report(generated_at: str, duration_ms: int, line: int) -> str:
    return json.dumps({"generated_at": generated_at, "status": "blocked",
                       "checks": [{"check": "security", "duration_ms": duration_ms}],
                       "findings": [{"rule": "B101", "path": "p/a.py", "line": line}]})


class StableReport(unittest.TestCase):
    def test_only_the_run_dependent_fields_are_ignored(self):
        a = scan_speed.stable_report(report("2026-01-01T00:00:00Z", 12, 3))
        b = scan_speed.stable_report(report("2026-01-02T00:00:00Z", 99, 3))
        self.assertEqual(a, b)
        c = scan_speed.stable_report(report("2026-01-01T00:00:00Z", 12, 4))
        self.assertNotEqual(a, c)

    def test_order_is_kept(self):
        one = json.dumps({"findings": [{"line": 1}, {"line": 2}]})
        two = json.dumps({"findings": [{"line": 2}, {"line": 1}]})
        self.assertNotEqual(scan_speed.stable_report(one), scan_speed.stable_report(two))


class Ratio(unittest.TestCase):
    def test_ratio_of_the_totals_not_the_mean_of_ratios(self):
        rows = [{"ours": {"wall_s": 1.0, "cpu_s": 2.0, "peak_rss_mb": 50.0},
                 "ruff": {"wall_s": 0.5, "cpu_s": 1.0, "peak_rss_mb": 10.0}},
                {"ours": {"wall_s": 3.0, "cpu_s": 3.0, "peak_rss_mb": 90.0},
                 "ruff": {"wall_s": 3.5, "cpu_s": 2.0, "peak_rss_mb": 10.0}}]
        total = scan_speed.ratio_summary(rows)
        self.assertAlmostEqual(total["wall_ratio"], 4.0 / 4.0)
        self.assertAlmostEqual(total["cpu_ratio"], 5.0 / 3.0)
        self.assertEqual(total["ours_peak_rss_mb"], 90.0)

    def test_ruff_is_asked_for_the_issue_s_rule_families(self):
        argv = scan_speed.ruff_argv("ruff")
        self.assertEqual(argv[argv.index("--select") + 1], "S,E,F,W")
        self.assertIn("--no-cache", argv)


if __name__ == "__main__":
    unittest.main()
