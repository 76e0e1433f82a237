//! Python sources of a plugin for the checks that analyse Python: decoded as CPython decodes
//! them, parsed once with `ruff_python_parser` (tokens keep the comments for `# nosec` and
//! `# noqa`), guarded by named limits so that hostile files (huge, deeply nested, not Python 3)
//! give a clear per-file error instead of a crash.

mod depth;
pub mod imports;
mod limits;
mod lockstep;
mod module;
mod source;
mod sources;

pub use depth::{syntax_depth, with_stack, STACK_RED_ZONE, STACK_SEGMENT};
pub use limits::{PythonLimitError, PythonLimits};
pub use module::{
    Location, PythonModule, SourceError, SyntaxProblem, SyntaxProblemKind, TARGET_PYTHON,
};
pub use source::{decode_source, DecodeError};
pub use sources::{is_python_path, FileBytes, FileError, ParsedFile, PythonSources};

// The parser's types, re-exported so that every Python check uses the same pinned version.
pub use ruff_python_ast as ast;
pub use ruff_python_parser as parser;
pub use ruff_source_file as source_file;
pub use ruff_text_size as text_size;
