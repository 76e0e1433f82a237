"""Agreement between our scan and the reference tools on (file, line, rule).

Every finding becomes a key (path, line, rule) where
  - path is the file's path inside the plugin zip, '/'-separated, without './' (the tools run
    in the folder the zip was extracted to, so their relative paths map onto zip paths);
  - line is 1-based, 0 for findings about a whole file;
  - rule is the reference tool's code: a Bandit test id (B602), a flake8 code (E501), a
    detect-secrets type name ("Secret Keyword").
Keys are compared as multisets: a rule reported twice on one line by the tool must be reported
twice by us. Precision = matched / ours, recall = matched / reference.

Stdlib only: the driver runs under the reference venv's Python, the unit tests under any python3.
"""
from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field

# Our check id -> the reference tool it must agree with.
CHECK_TOOLS = {
    "security": "bandit",
    "secrets": "detect-secrets",
    "code_quality": "flake8",
}

BANDIT_RULE = re.compile(r"^B\d{3}$")
FLAKE8_RULE = re.compile(r"^[A-Z]\d{3}$")

Key = tuple  # (path, line, rule)


def normalise_path(path: str, root: str | None = None) -> str:
    """A tool's or the zip's path of a file, as the path inside the zip.

    `root` is the absolute folder the zip was extracted to (tools given absolute paths print
    absolute paths). Backslashes are separators (Windows-made zips), '.' and '..' components are
    resolved lexically, leading './' and '/' removed.
    """
    p = path.replace("\\", "/")
    if root:
        r = root.replace("\\", "/").rstrip("/")
        if p == r:
            p = ""
        elif p.startswith(r + "/"):
            p = p[len(r) + 1 :]
    p = posixpath.normpath(p) if p else ""
    if p in (".", ""):
        return ""
    while p.startswith("./"):
        p = p[2:]
    return p.lstrip("/")


def _line(value) -> int:
    try:
        return int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0


# ---- our report -----------------------------------------------------------------------------


@dataclass
class OurCheck:
    status: str  # "ok" | "error"
    duration_ms: int | None
    error: str | None = None


@dataclass
class OurReport:
    checks: dict[str, OurCheck]
    findings: list[dict]


def parse_our_report(text: str) -> OurReport:
    """`plugin-validator scan --format json` output."""
    data = json.loads(text)
    checks = {}
    for entry in data.get("checks", []):
        checks[entry["check"]] = OurCheck(
            status=entry.get("status", "?"),
            duration_ms=entry.get("duration_ms"),
            error=entry.get("error"),
        )
    return OurReport(checks=checks, findings=list(data.get("findings", [])))


def secret_rule(rule: str, message: str, class_to_type: dict[str, str]) -> str:
    """Our secrets finding's rule as a detect-secrets type name.

    The engine may name rules by plugin class (KeywordDetector) or by type ("Secret Keyword");
    failing both, the message is searched for a type name (longest first, so "Hex High Entropy
    String" wins over shorter names it contains).
    """
    types = set(class_to_type.values())
    if rule in types:
        return rule
    if rule in class_to_type:
        return class_to_type[rule]
    for name in sorted(types, key=len, reverse=True):
        if name in (message or ""):
            return name
    return rule


def our_keys(report: OurReport, check: str, class_to_type: dict[str, str]) -> list[Key]:
    """Our findings of one check as keys; inline-suppressed ones (`# nosec`, `# noqa`, `pragma:
    allowlist secret`) are left out because the reference tools honour those markers too.
    Findings relaxed by plugin configuration stay in: the tools run isolated from it."""
    keys = []
    for f in report.findings:
        if f.get("check") != check:
            continue
        suppressed = f.get("suppressed")
        if isinstance(suppressed, dict) and suppressed.get("kind") == "inline":
            continue
        rule = f.get("rule", "")
        if check == "secrets":
            rule = secret_rule(rule, f.get("message", ""), class_to_type)
        keys.append((normalise_path(f.get("path", "")), _line(f.get("line")), rule))
    return keys


# ---- the reference tools ----------------------------------------------------------------------


def bandit_keys(text: str, root: str | None = None) -> tuple[list[Key], int]:
    """`bandit -f json` output -> (keys, files bandit could not parse)."""
    data = json.loads(text)
    keys = [
        (normalise_path(r["filename"], root), _line(r.get("line_number")), r["test_id"])
        for r in data.get("results", [])
    ]
    return keys, len(data.get("errors", []))


def detect_secrets_keys(text: str, root: str | None = None) -> list[Key]:
    """`detect-secrets scan` output (a baseline) -> keys."""
    data = json.loads(text)
    keys = []
    for filename, secrets in data.get("results", {}).items():
        for s in secrets:
            keys.append(
                (normalise_path(s.get("filename", filename), root), _line(s.get("line_number")),
                 s["type"])
            )
    return keys


# flake8 prints with this format so that paths with ':' or spaces parse unambiguously.
FLAKE8_SEPARATOR = "\x1f"
FLAKE8_FORMAT = FLAKE8_SEPARATOR.join(["%(path)s", "%(row)d", "%(col)d", "%(code)s", "%(text)s"])


def flake8_keys(text: str, root: str | None = None) -> list[Key]:
    keys = []
    for raw in text.splitlines():
        parts = raw.split(FLAKE8_SEPARATOR)
        if len(parts) < 4:
            continue
        keys.append((normalise_path(parts[0], root), _line(parts[1]), parts[3]))
    return keys


FLAKE8_FAILED = re.compile(r'^(?P<path>.+?): "[^"]+" failed during execution due to (?P<why>.*)$')


def flake8_failed_files(printed: str, root: str | None = None) -> dict[str, str]:
    """The files a flake8 plugin crashed on (pyflakes' RecursionError on a deep file): flake8
    then prints nothing else, so the run has to be repeated without them."""
    failed = {}
    for raw in printed.splitlines():
        m = FLAKE8_FAILED.match(raw.strip())
        if m:
            failed[normalise_path(m.group("path"), root)] = m.group("why")
    return failed


def in_namespace(check: str, rule: str, class_to_type: dict[str, str]) -> bool:
    """Whether a rule is one the reference tool could report at all; our extra rules (e.g. a
    parse-error finding a tool lists elsewhere) are counted apart, not as disagreements."""
    if check == "security":
        return bool(BANDIT_RULE.match(rule))
    if check == "code_quality":
        return bool(FLAKE8_RULE.match(rule))
    if check == "secrets":
        return rule in set(class_to_type.values())
    return True


# ---- comparison -----------------------------------------------------------------------------


@dataclass
class Agreement:
    ours: int
    reference: int
    matched: int
    out_of_namespace: int = 0
    false_positives: list = field(default_factory=list)  # ours only (a sample)
    false_negatives: list = field(default_factory=list)  # reference only (a sample)

    @property
    def precision(self) -> float | None:
        return None if self.ours == 0 else self.matched / self.ours

    @property
    def recall(self) -> float | None:
        return None if self.reference == 0 else self.matched / self.reference

    def add(self, other: "Agreement", sample: int = 20) -> None:
        self.ours += other.ours
        self.reference += other.reference
        self.matched += other.matched
        self.out_of_namespace += other.out_of_namespace
        self.false_positives = (self.false_positives + other.false_positives)[:sample]
        self.false_negatives = (self.false_negatives + other.false_negatives)[:sample]

    def as_dict(self) -> dict:
        return {
            "ours": self.ours,
            "reference": self.reference,
            "matched": self.matched,
            "precision": self.precision,
            "recall": self.recall,
            "out_of_namespace": self.out_of_namespace,
            "false_positives_sample": [list(k) for k in self.false_positives],
            "false_negatives_sample": [list(k) for k in self.false_negatives],
        }


def compare(ours: list[Key], reference: list[Key], check: str = "",
            class_to_type: dict[str, str] | None = None, sample: int = 20) -> Agreement:
    """Multiset precision/recall of our keys against the reference's."""
    class_to_type = class_to_type or {}
    kept = [k for k in ours if in_namespace(check, k[2], class_to_type)] if check else list(ours)
    mine, theirs = Counter(kept), Counter(reference)
    matched = sum((mine & theirs).values())
    fp = sorted((mine - theirs).elements())
    fn = sorted((theirs - mine).elements())
    return Agreement(
        ours=len(kept),
        reference=len(reference),
        matched=matched,
        out_of_namespace=len(ours) - len(kept),
        false_positives=fp[:sample],
        false_negatives=fn[:sample],
    )


def fmt_ratio(value: float | None) -> str:
    """A precision or recall for a table: '-' when undefined (nothing to compare)."""
    return "-" if value is None else f"{100 * value:.2f}%"
