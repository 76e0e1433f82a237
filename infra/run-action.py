#!/usr/bin/env python3
"""Runs the composite action's steps (action.yml) locally, as a runner would: each `run:` step in
bash with its `env:`, `${{ inputs.* }}`, `${{ github.action_ref }}` and
`${{ steps.*.outputs.* }}` substituted, `if:` conditions evaluated, and GITHUB_OUTPUT,
GITHUB_PATH, GITHUB_STEP_SUMMARY and RUNNER_TEMP provided. Only what action.yml uses is
supported; anything else is an error, not a guess.
Usage: run-action.py REPO_ROOT WORKDIR NAME=VALUE...  (inputs; exit status: the failed step's)
Prints the outputs as JSON on the last line.
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def main() -> int:
    root, workdir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    action = yaml.safe_load((root / "action.yml").read_text())
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    for arg in sys.argv[3:]:
        name, value = arg.split("=", 1)
        if name not in inputs:
            raise SystemExit(f"no input {name!r} in action.yml")
        inputs[name] = value
    steps: dict = {}

    def value(ref: str) -> str:
        parts = ref.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return inputs[parts[1]]
        if parts[:1] == ["github"] and parts[1:] == ["action_ref"]:
            return os.environ.get("GITHUB_ACTION_REF", "")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return steps.get(parts[1], {}).get(parts[3], "")
        raise SystemExit(f"unsupported expression {ref!r}")

    def substitute(text: str) -> str:
        return EXPR.sub(lambda m: value(m.group(1)), str(text))

    def condition(text: str) -> bool:
        expr = EXPR.sub(lambda m: m.group(1), str(text))
        expr = re.sub(r"[A-Za-z_][\w.-]*\.[\w.-]+", lambda m: repr(value(m.group(0))), expr)
        expr = expr.replace("&&", " and ").replace("||", " or ")
        return bool(eval(expr, {"__builtins__": {}}, {}))  # only literals and == != and or

    with tempfile.TemporaryDirectory() as temp:
        temp = pathlib.Path(temp)
        path_file = temp / "path"
        path_file.touch()
        summary = temp / "summary"
        for index, step in enumerate(action["runs"]["steps"]):
            if "if" in step and not condition(step["if"]):
                continue
            output = temp / f"output-{index}"
            output.touch()
            extra_path = [p for p in path_file.read_text().splitlines() if p]
            env = dict(os.environ)
            env.update({k: substitute(v) for k, v in step.get("env", {}).items()})
            env.update(
                GITHUB_OUTPUT=str(output),
                GITHUB_PATH=str(path_file),
                GITHUB_STEP_SUMMARY=str(summary),
                RUNNER_TEMP=str(temp),
                PATH=os.pathsep.join([*extra_path, env["PATH"]]),
            )
            assert step.get("shell") == "bash", "every step runs in bash"
            code = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", substitute(step["run"])],
                cwd=workdir,
                env=env,
            ).returncode
            outputs = dict(
                line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
            )
            if "id" in step:
                steps[step["id"]] = outputs
            if code != 0:
                print(json.dumps({"failed_step": step.get("name"), **steps.get("scan", {})}))
                return code
        result = {k: substitute(v["value"]) for k, v in action.get("outputs", {}).items()}
        print(json.dumps(result))
        return 0


if __name__ == "__main__":
    sys.exit(main())
