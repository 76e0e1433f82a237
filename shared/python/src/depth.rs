//! Nesting guards. The parser grows its own stack, but a syntax tree thousands of levels deep
//! (`a+a+...+a`, `[[[[...]]]]`) would still overflow the stack of every recursive walk over it,
//! and of its own recursive drop. Such files are measured without descending past the limit,
//! reported the way CPython reports them, and freed on a stack sized for them.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ModModule, Stmt};

/// Red zone and segment size for [`stacker::maybe_grow`] in recursive walks.
pub const STACK_RED_ZONE: usize = 128 * 1024;
pub const STACK_SEGMENT: usize = 4 * 1024 * 1024;

/// Runs `f` with enough stack for one more level of a recursive walk: every recursive visitor
/// over untrusted syntax calls this at each level.
pub fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, f)
}

/// The depth of the deepest statement or expression, counting no further than `limit + 1`.
pub fn syntax_depth(module: &ModModule, limit: u64) -> u64 {
    let mut meter = DepthMeter {
        depth: 0,
        max: 0,
        limit,
    };
    for stmt in &module.body {
        meter.visit_stmt(stmt);
    }
    meter.max
}

struct DepthMeter {
    depth: u64,
    max: u64,
    limit: u64,
}

impl DepthMeter {
    fn enter(&mut self, walk: impl FnOnce(&mut Self)) {
        self.depth += 1;
        self.max = self.max.max(self.depth);
        if self.depth <= self.limit {
            with_stack(|| walk(self));
        }
        self.depth -= 1;
    }
}

impl<'a> Visitor<'a> for DepthMeter {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.enter(|meter| walk_stmt(meter, stmt));
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.enter(|meter| walk_expr(meter, expr));
    }
}

/// Stack bytes the drop of one nesting level may take, measured with margin (see the tests).
const DROP_STACK_PER_BYTE: usize = 256;

/// Frees a tree too deep for a recursive drop on this thread: on a thread whose stack fits the
/// deepest nesting the source can hold (one level per source byte at most). The stack's pages
/// are only touched as deep as the tree really is.
pub(crate) fn dispose_deep<T: Send + 'static>(value: T, source_len: usize) {
    let stack = source_len
        .saturating_mul(DROP_STACK_PER_BYTE)
        .saturating_add(STACK_SEGMENT);
    let spawned = std::thread::Builder::new()
        .name("deep-syntax-drop".to_owned())
        .stack_size(stack)
        .spawn(move || drop(value));
    match spawned {
        Ok(handle) => {
            let _ = handle.join();
        }
        Err(error) => {
            // No thread for it: leaking the tree is the only way that cannot crash.
            tracing::warn!(%error, "cannot free a deeply nested syntax tree; leaking it");
        }
    }
}
