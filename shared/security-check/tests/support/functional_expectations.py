"""Prints, as JSON, every `check_example` call of Bandit's functional tests with the
severity/confidence counts it expects (tests/functional/test_functional.py).

Each entry: test, file, expect, ignore_nosec, exclude (test ids the profile leaves out) and
custom_config (the test changes a plugin option away from Bandit's default).
"""

import ast
import json
import sys


def calls_in(node):
    for child in ast.walk(node):
        if (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and child.func.attr == "check_example"
        ):
            yield child


def walk_body(path, func, body, namespace, enclosing, out):
    """Statements in order, so that each call sees the `expect` assigned just before it."""
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Attribute) and target.attr == "_config":
                # A plugin option set by the test; Bandit's defaults are no override.
                value = ast.literal_eval(stmt.value)
                defaults = ({}, {"skips": []}, {"check_typed_exception": False})
                namespace["__config__"] = None if value in defaults else repr(value)
            if isinstance(target, ast.Name):
                try:
                    namespace[target.id] = eval(
                        compile(ast.Expression(stmt.value), path, "eval"), {}, dict(namespace)
                    )
                except Exception:
                    pass
            continue
        if isinstance(stmt, ast.With):
            walk_body(path, func, stmt.body, namespace, enclosing + [stmt], out)
            continue
        for call in calls_in(stmt):
            record(path, func, call, namespace, enclosing, out)


def record(path, func, call, namespace, enclosing, out):
    context = " ".join(ast.unparse(w.items[0]) for w in enclosing)
    exclude = []
    for w in enclosing:
        for node in ast.walk(w.items[0].context_expr):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value == "exclude":
                        exclude = ast.literal_eval(value)
    try:
        file = eval(compile(ast.Expression(call.args[0]), path, "eval"), {}, dict(namespace))
        expect = eval(compile(ast.Expression(call.args[1]), path, "eval"), {}, dict(namespace))
    except Exception as error:
        print(f"cannot evaluate {func.name}: {error}", file=sys.stderr)
        return
    ignore_nosec = any(
        k.arg == "ignore_nosec" and getattr(k.value, "value", False) is True
        for k in call.keywords
    )
    out.append(
        {
            "test": func.name,
            "file": file,
            "expect": expect,
            "ignore_nosec": ignore_nosec,
            "exclude": exclude,
            "custom_config": ("b_conf" in context and "profile" not in context)
            or namespace.get("__config__") is not None,
        }
    )


def main(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    out = []
    for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
        for func in [n for n in cls.body if isinstance(n, ast.FunctionDef)]:
            walk_body(path, func, func.body, {}, [], out)
    json.dump(out, sys.stdout, indent=1)


main(sys.argv[1])
