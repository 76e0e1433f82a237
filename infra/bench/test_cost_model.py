"""The rescan cost model's arithmetic (infra/bench/cost_model.py), on synthetic measurements
and inputs: run by `bench.py self-test` (cargo test, tests/bench_harness.rs)."""
from __future__ import annotations

import math
import pathlib
import sys
import unittest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cost_model  # noqa: E402

TEMPLATE = """\
Parameters:
  RescanConcurrency:
    Type: Number
    Default: 2
    MinValue: 0
  RescanBatchSize:
    Type: Number
    Default: 10
  CheckConcurrency:
    Type: Number
    Default: 5
Globals:
  Function:
    Runtime: provided.al2023
    MemorySize: 256
    Timeout: 60
Resources:
  RescanFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 900
      MemorySize: 1769
  FastFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          CHECK_ID: fast
  SlowFunction:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 512
      Environment:
        Variables:
          CHECK_ID: slow
  SomeQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 360
"""


def inputs(**projection) -> dict:
    base = {"versions": 1000, "changed_share": 0.1, "mb_per_vcpu": 1769,
            "cpu_speed_factor": 1.0, "io_ms_per_version": 0.0, "io_ms_per_check_invocation": 0.0}
    base.update(projection)
    prices = {"date": "test", "lambda_gb_second_arm64": 1.0, "lambda_per_million_requests": 1e6,
              "sqs_per_million_requests": 1e6, "dynamodb_per_million_wru": 1e6,
              "dynamodb_per_million_rru": 1e6, "s3_put_per_thousand": 1e3,
              "s3_get_per_thousand": 1e3, "step_functions_per_thousand_transitions": 1e3,
              "ses_per_thousand_emails": 1e3, "eventbridge_per_million_events": 1e6}
    ops = [
        {"path": "rescan", "service": "lambda_requests", "per": "batch", "count": 1},
        {"path": "rescan", "service": "dynamodb_write", "per": "check", "count": 4},
        {"path": "rescan", "service": "s3_get", "per": "version", "count": 2},
        {"path": "rescan", "service": "ses_emails", "per": "changed", "count": 1},
        {"path": "upload", "service": "sqs_requests", "per": "check", "count": 3},
    ]
    return {"projection": base, "prices": prices, "ops": ops}


MEANS = {"checks": {"fast": {"cpu_s": 0.5, "peak_rss_mb": 20.0},
                    "slow": {"cpu_s": 2.0, "peak_rss_mb": 60.0}},
         "all": {"cpu_s": 2.2, "peak_rss_mb": 70.0}}


class TemplateFacts(unittest.TestCase):
    def test_memory_sizes_and_parameters_come_from_the_template(self):
        facts = cost_model.template_facts(TEMPLATE)
        self.assertEqual(facts["check_memory_mb"], {"fast": 256, "slow": 512})
        self.assertEqual(facts["rescan_memory_mb"], 1769)
        self.assertEqual(facts["rescan_batch_size"], 10)
        self.assertEqual(facts["rescan_concurrency"], 2)
        self.assertEqual(facts["check_concurrency"], 5)

    def test_the_real_template_names_every_check_function(self):
        facts = cost_model.template_facts((HERE.parent.parent / "template.yaml").read_text())
        self.assertIn("security", facts["check_memory_mb"])
        self.assertGreaterEqual(facts["rescan_memory_mb"], 128)


class Arithmetic(unittest.TestCase):
    def test_billed_duration_stretches_cpu_below_one_vcpu_and_rounds_up_to_a_millisecond(self):
        i = inputs()
        # 1769 MB is one vCPU: the CPU time as is.
        self.assertAlmostEqual(cost_model.billed_seconds(1.0, 1769, 0, i), 1.0)
        # A quarter of a vCPU: four times as long, plus the I/O.
        self.assertAlmostEqual(cost_model.billed_seconds(1.0, 1769 // 4 + 0.25, 250, i), 4.25)
        # Above one vCPU the CPU time is the floor (no speed-up assumed).
        self.assertAlmostEqual(cost_model.billed_seconds(1.0, 3538, 0, i), 1.0)
        self.assertAlmostEqual(cost_model.billed_seconds(0.0001, 1769, 0, i), 0.001)
        self.assertAlmostEqual(
            cost_model.billed_seconds(1.0, 1769, 0, inputs(cpu_speed_factor=1.5)), 1.5)

    def test_operations_scale_per_version_check_batch_and_change(self):
        ops = cost_model.count_ops(inputs()["ops"], "rescan", checks=2, batch_size=10,
                                   changed_share=0.1)
        self.assertEqual(ops, {"lambda_requests": 0.1, "dynamodb_write": 8.0, "s3_get": 2.0,
                               "ses_emails": 0.1})

    def test_projection_of_both_paths(self):
        facts = cost_model.template_facts(TEMPLATE)
        result = cost_model.project(MEANS, facts, inputs(), 1000)
        rescan, upload = result["paths"]["rescan"], result["paths"]["upload"]
        # Rescan: 2.2 s at one vCPU (1769 MB) per version, 1000 versions.
        self.assertAlmostEqual(rescan["gb_s"], 2.2 * 1769 / 1024 * 1000)
        self.assertAlmostEqual(rescan["operations"]["dynamodb_write"], 8000)
        self.assertAlmostEqual(rescan["operations"]["lambda_requests"], 100)
        # 100 changed versions' emails and the approvers' one digest.
        self.assertAlmostEqual(rescan["operations"]["ses_emails"], 101)
        # Prices of 1 per unit: dollars are the units (GB-s at $1).
        self.assertAlmostEqual(rescan["dollars"]["dynamodb_write"], 8000)
        self.assertAlmostEqual(rescan["total_dollars"],
                               rescan["gb_s"] + 100 + 8000 + 2000 + 101)
        # RescanConcurrency 2: half of 1000 x 2.2 s.
        self.assertAlmostEqual(rescan["wall_hours"], 1000 * 2.2 / 2 / 3600)
        # Upload path: fast at 256 MB (0.5 s x 1769/256), slow at 512 MB (2 s x 1769/512).
        # Billed by the millisecond, rounded up.
        fast_s = math.ceil(0.5 * 1769 / 256 * 1000) / 1000
        slow_s = math.ceil(2.0 * 1769 / 512 * 1000) / 1000
        self.assertAlmostEqual(upload["gb_s"],
                               (fast_s * 256 / 1024 + slow_s * 512 / 1024) * 1000, places=3)
        self.assertAlmostEqual(upload["operations"]["sqs_requests"], 6000)
        # CheckConcurrency 5 versions at once, each as slow as its slowest check.
        self.assertAlmostEqual(upload["wall_hours"], 1000 * slow_s / 5 / 3600)

    def test_a_check_without_a_function_is_an_error_not_a_free_check(self):
        facts = cost_model.template_facts(TEMPLATE)
        means = {"checks": dict(MEANS["checks"], ghost={"cpu_s": 1.0, "peak_rss_mb": 1.0}),
                 "all": MEANS["all"]}
        with self.assertRaises(ValueError):
            cost_model.project(means, facts, inputs(), 10)

    def test_the_shipped_inputs_price_every_counted_service(self):
        shipped = cost_model.load_inputs(HERE / "cost-inputs.toml")
        for op in shipped["ops"]:
            self.assertIn(op["service"], cost_model.PRICE_OF)
            self.assertIn(op["per"], ("version", "check", "batch", "changed"))
            self.assertTrue(op["where"])
        for key, _ in cost_model.PRICE_OF.values():
            self.assertIn(key, shipped["prices"])


if __name__ == "__main__":
    unittest.main()
