//! One flake8 result before rating, as every part of the engine reports it.

use crate::rules::Rule;

/// One flake8 result before rating: the rule, the 1-based line, the 0-based column flake8 was
/// given (it prints one more), and the message without the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: Rule,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Violation {
    pub fn new(rule: Rule, line: usize, column: usize, message: String) -> Self {
        Self {
            rule,
            line,
            column,
            message,
        }
    }

    /// The code flake8 prints for it.
    pub fn code(&self) -> &'static str {
        self.rule.code()
    }
}
