#!/usr/bin/env python3
"""The public surface of Python classes and modules, for the API catalogue
(shared/api-catalogue).

  surface.py print NAME[:class|module] ...
      prints the surface as table rows to classify: `NAME.member<TAB>?<TAB>-<TAB>-<TAB>signature`,
      after an `@from` line naming the library and its version. A human replaces each `?` with a
      kind (or `none`) and adds the argument roles.
  surface.py check < claims.json
      the coverage test's side: reads [{"name", "kind", "bases", "rows"}] and prints, per claim,
      {"surface": [public members], "missing": [rows that do not exist], "version": "..."}.

Run it with the interpreter whose libraries you mean: `python3` for the standard library, the
venv of `infra/python-tools.sh catalogue` for the third-party ones. It imports the modules it
is asked about and nothing else; it never fetches anything.

The surface of a module is its public callables (`__all__` when it has one; otherwise the public
names it defines), without exception classes and submodules. The surface of a class is every
public method defined by the class itself, by a base from a private module (its implementation:
`_socket.socket`) or by one of the catalogued bases it is given (members of other bases,
QObject's or object's, are out of the claim), without nested classes and signals.
"""
import importlib
import inspect
import json
import os
import sys
import types

# Libraries that need a display otherwise (pynput, Qt) are introspected without one.
os.environ.setdefault("PYNPUT_BACKEND", "dummy")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def resolve(name):
    """The object a dotted name designates: the longest importable module, then attributes.
    `qgis.PyQt.X` is QGIS's shim over PyQt5 (QGIS 3): introspected as `PyQt5.X`."""
    if name.startswith("qgis.PyQt."):
        name = "PyQt5." + name[len("qgis.PyQt."):]
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"cannot import any prefix of {name}")


def top(module_name):
    return (module_name or "").lstrip("_").split(".")[0]


def is_exception(obj):
    return isinstance(obj, type) and issubclass(obj, BaseException)


def module_surface(module):
    names = getattr(module, "__all__", None)
    explicit = names is not None
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    out = []
    for name in names:
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            continue
        obj = getattr(module, name, None)
        if obj is None or isinstance(obj, types.ModuleType) or is_exception(obj):
            continue
        if not callable(obj):
            continue
        if not explicit:
            # Without __all__, leave out what the module only imported from another package.
            origin = getattr(obj, "__module__", None)
            if origin and origin not in ("builtins", "posix", "nt") and not origin.startswith("_"):
                if top(origin) != top(module.__name__):
                    continue
        out.append(name)
    return sorted(set(out))


def is_method(value):
    if isinstance(value, (staticmethod, classmethod)):
        return True
    if isinstance(value, type):
        return False
    kind = type(value).__name__
    if kind in ("pyqtSignal", "pyqtBoundSignal", "Signal"):
        return False
    # sip's method descriptors (PyQt, PyQGIS) are routines but not callable objects.
    return callable(value) or inspect.isroutine(value)


def class_surface(cls, bases):
    wanted = {cls} | {resolve(b) for b in bases}
    out = set()
    for klass in inspect.getmro(cls):
        # A base from a private module is the class's own implementation (`_socket.socket`
        # under `socket.socket`).
        private = klass.__module__.startswith("_") and klass is not object
        if klass not in wanted and not private:
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") and is_method(value):
                out.add(name)
    return sorted(out)


def instance_attributes(cls):
    """`self.x = ...` in the class's source: attributes set on instances, for rows like
    `netrc.netrc.hosts` (an instance attribute, not on the class)."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return set()
    import re

    return set(re.findall(r"self\.([A-Za-z_][A-Za-z0-9_]*)\s*=", source))


def exists(obj, member):
    if hasattr(obj, member):
        return True
    return isinstance(obj, type) and member in instance_attributes(obj)


def version_of(name):
    if name.startswith("qgis.PyQt."):
        name = "PyQt5"
    root = name.split(".")[0]
    if root in sys.stdlib_module_names:
        return "Python " + sys.version.split()[0]
    try:
        from importlib.metadata import packages_distributions, version

        dists = packages_distributions().get(root) or [root]
        return f"{dists[0]} {version(dists[0])}"
    except Exception:
        return root + " (version unknown)"


def surface(name, kind, bases):
    obj = resolve(name)
    if kind == "module":
        if not isinstance(obj, types.ModuleType):
            raise TypeError(f"{name} is not a module")
        return obj, module_surface(obj)
    if not isinstance(obj, type):
        raise TypeError(f"{name} is not a class")
    return obj, class_surface(obj, bases)


def check():
    claims = json.load(sys.stdin)
    out = {}
    for claim in claims:
        name = claim["name"]
        try:
            obj, members = surface(name, claim["kind"], claim.get("bases", []))
        except Exception as e:  # reported per claim, so one broken import names itself
            out[name] = {"error": f"{type(e).__name__}: {e}"}
            continue
        out[name] = {
            "surface": members,
            "missing": [m for m in claim.get("rows", []) if not exists(obj, m)],
            "version": version_of(name),
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


def signature(obj, member):
    try:
        return str(inspect.signature(getattr(obj, member)))
    except (TypeError, ValueError, AttributeError):
        doc = (getattr(getattr(obj, member, None), "__doc__", "") or "").strip().splitlines()
        return doc[0] if doc else ""


def print_rows(specs):
    for spec in specs:
        name, _, kind = spec.partition(":")
        obj = resolve(name)
        kind = kind or ("module" if isinstance(obj, types.ModuleType) else "class")
        _, members = surface(name, kind, [])
        print(f"@from\t{version_of(name)} {name} (infra/catalogue/surface.py)")
        print(f"@covers\t{name}\t{kind}\tstdlib")
        for member in members:
            print(f"{name}.{member}\t?\t-\t-\t{signature(obj, member)}")
        print()


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "check":
        check()
    elif len(sys.argv) >= 3 and sys.argv[1] == "print":
        print_rows(sys.argv[2:])
    else:
        sys.exit(__doc__)
