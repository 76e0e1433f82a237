#!/usr/bin/env python3
"""Lints the composite action (action.yml) and the example workflows with actionlint.

actionlint checks workflows, not action metadata, so the action is checked twice over through
workflows made here, in a scratch project:
  - uses-action.yml calls the action as `uses: ./` with every input: actionlint loads action.yml
    (a malformed file or an unknown input is an error);
  - action-steps.yml runs the action's steps as a job of a reusable workflow whose inputs are the
    action's: expressions, step ids, outputs and `run:` scripts get every workflow check.
Usage: lint-action.py ACTIONLINT REPO_ROOT [WORKFLOW...]  (exit status: actionlint's)
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile

import yaml  # PyYAML: a dependency of pre-commit, in the same venv


def main() -> int:
    actionlint, root = str(pathlib.Path(sys.argv[1]).resolve()), pathlib.Path(sys.argv[2])
    extra = [pathlib.Path(p).resolve() for p in sys.argv[3:]]
    action = yaml.safe_load((root / "action.yml").read_text())
    inputs = action.get("inputs", {})
    with tempfile.TemporaryDirectory() as scratch:
        project = pathlib.Path(scratch)
        shutil.copy(root / "action.yml", project / "action.yml")
        workflows = project / ".github" / "workflows"
        workflows.mkdir(parents=True)
        uses = {
            "name": "uses the action",
            "on": "push",
            "jobs": {
                "scan": {
                    "runs-on": "ubuntu-latest",
                    "steps": [
                        {"uses": "actions/checkout@v4"},
                        {
                            "id": "validator",
                            "uses": "./",
                            "with": {name: spec.get("default") or "x" for name, spec in inputs.items()},
                        },
                        {"run": "echo \"${{ steps.validator.outputs.verdict }}\""},
                    ],
                }
            },
        }
        steps = {
            "name": "the action's steps",
            "on": {
                "workflow_call": {
                    "inputs": {
                        name: {"type": "string", "required": False, "default": spec.get("default", "")}
                        for name, spec in inputs.items()
                    }
                }
            },
            "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
        }
        (workflows / "uses-action.yml").write_text(yaml.safe_dump(uses, sort_keys=False))
        (workflows / "action-steps.yml").write_text(yaml.safe_dump(steps, sort_keys=False))
        files = [workflows / "uses-action.yml", workflows / "action-steps.yml"]
        for i, workflow in enumerate(extra):
            copy = workflows / f"example-{i}-{workflow.name}"
            shutil.copy(workflow, copy)
            files.append(copy)
        result = subprocess.run([actionlint, "-no-color", *map(str, files)], cwd=project)
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
