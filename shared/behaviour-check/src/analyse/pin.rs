//! Code fetched from the network and pinned by a digest: `if sha256(code).hexdigest() == "...":
//! exec(code)`, or `if digest != "...": raise` before it. What runs is then the file the
//! author hashed, which an approver can fetch and compare; without the pin (BHV002) it is
//! whatever the server sends that day.

use super::*;
use validator_python::ast::{CmpOp, StmtIf};

/// Digests strong enough to pin code (not MD5 or SHA-1, whose collisions can be made).
const STRONG_DIGESTS: &[&str] = &[
    "sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s",
];

/// The shortest hex constant that counts as a pin (256 bits).
const MIN_PIN_HEX_CHARS: usize = 64;

impl<'m> Analyser<'m> {
    /// Records the data an `if` guards by comparing its digest with a constant: the `if`'s body
    /// for `==`, the rest of the function for `!=` when the body raises or returns.
    pub(super) fn note_hash_pin(&mut self, branch: &'m StmtIf) {
        let Expr::Compare(compare) = branch.test.as_ref() else {
            return;
        };
        let ([op], [right]) = (compare.ops.as_ref(), compare.comparators.as_ref()) else {
            return;
        };
        let left = compare.left.as_ref();
        let hashed = match (self.hashed_operand(left), self.hashed_operand(right)) {
            (Some(data), None) if self.hex_constant(right) => data,
            (None, Some(data)) if self.hex_constant(left) => data,
            _ => return,
        };
        let (from, to) = match op {
            CmpOp::Eq => match (branch.body.first(), branch.body.last()) {
                (Some(first), Some(last)) => (
                    self.line(first.range()),
                    self.module.line_of(last.range().end()),
                ),
                _ => return,
            },
            CmpOp::NotEq => {
                let leaves = matches!(branch.body.last(), Some(Stmt::Raise(_) | Stmt::Return(_)));
                if !leaves || !branch.elif_else_clauses.is_empty() {
                    return;
                }
                (self.module.line_of(branch.range.end()), u32::MAX)
            }
            _ => return,
        };
        self.pinned.push((self.current, hashed, from, to));
    }

    /// `hashlib.sha256(data).hexdigest()` (or `.digest()`, `hashlib.new("sha256", data)`): the
    /// source text of `data`.
    fn hashed_operand(&self, expr: &'m Expr) -> Option<&'m str> {
        let Expr::Call(outer) = expr else {
            return None;
        };
        let Expr::Attribute(method) = outer.func.as_ref() else {
            return None;
        };
        if !matches!(method.attr.as_str(), "hexdigest" | "digest") {
            return None;
        }
        let Expr::Call(inner) = method.value.as_ref() else {
            return None;
        };
        let callee = self.text(inner.func.range());
        let algorithm = callee.rsplit('.').next().unwrap_or(callee);
        let args = &inner.arguments.args;
        let data = if algorithm == "new" {
            let named = args.first().and_then(|a| match a {
                Expr::StringLiteral(s) => Some(s.value.to_str().to_ascii_lowercase()),
                _ => None,
            })?;
            if !STRONG_DIGESTS.contains(&named.as_str()) {
                return None;
            }
            args.get(1)?
        } else {
            if !STRONG_DIGESTS.contains(&algorithm) {
                return None;
            }
            args.first()?
        };
        Some(self.text(data.range()))
    }

    /// A constant of at least [`MIN_PIN_HEX_CHARS`] hex digits, written out or held by a name
    /// (`EXPECTED_SHA256`). Only literals and names are evaluated: they have no effects.
    fn hex_constant(&mut self, expr: &'m Expr) -> bool {
        if !matches!(expr, Expr::StringLiteral(_) | Expr::Name(_)) {
            return false;
        }
        match self.eval(expr) {
            Value::Str(folded) => {
                !folded.partial
                    && folded.text.len() >= MIN_PIN_HEX_CHARS
                    && folded.text.bytes().all(|b| b.is_ascii_hexdigit())
            }
            _ => false,
        }
    }

    /// Whether the code `text` run at `line` is guarded by a digest check in this unit.
    pub(super) fn pinned_at(&self, text: &str, line: u32) -> bool {
        self.pinned.iter().any(|(unit, hashed, from, to)| {
            *unit == self.current && *hashed == text && (*from..=*to).contains(&line)
        })
    }
}
