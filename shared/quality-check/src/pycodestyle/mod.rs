//! pycodestyle's checks as flake8 runs them: flake8's token loop (`FileChecker.process_tokens`)
//! cuts the file into physical lines and logical lines, and each family of checks sees exactly
//! what pycodestyle's functions see (the logical line with strings muted, the tokens, the
//! blank-line counters).

mod blank_lines;
mod comparisons;
mod continuation;
mod keywords;
mod logical_checks;
mod logical_line;
mod physical;
mod processor;
mod statements;
mod text;
mod whitespace;

pub use logical_line::StyleSettings;
pub use processor::{check, check_each_line_length};
