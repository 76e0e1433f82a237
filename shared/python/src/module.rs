//! One parsed Python file.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_python_ast::ModModule;
use ruff_python_parser::{parse_unchecked, Mode, ParseOptions, Parsed};
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::depth::{dispose_deep, syntax_depth};
use crate::source::{decode_source, DecodeError};
use crate::PythonLimits;

/// The Python the plugins run on: QGIS 3.40 and later ship Python 3.12. Syntax that needs a newer
/// Python is a syntax error, as it is when QGIS loads the plugin.
pub const TARGET_PYTHON: ruff_python_ast::PythonVersion = ruff_python_ast::PythonVersion::PY312;

/// A position in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: u32,
    /// 0-based column in UTF-8 bytes (CPython's `col_offset`, Bandit's convention).
    pub byte_column: u32,
    /// 0-based column in characters (pycodestyle's convention, which flake8 prints plus one).
    pub char_column: u32,
}

/// Why a file could not be read as Python at all (nothing to analyse).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SourceError {
    #[error("the file is {size} bytes, over the max_python_file_bytes limit of {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("cannot decode the file: {0}")]
    Decode(#[from] DecodeError),
}

/// A syntax error, with the position CPython would report it at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxProblem {
    pub message: String,
    pub location: Location,
    pub kind: SyntaxProblemKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxProblemKind {
    /// The grammar was not followed (Python 2 code, typos, ...).
    Invalid,
    /// Over one of the nesting limits: the tree is not kept and must not be walked.
    TooDeep,
}

/// A decoded, parsed source file. The syntax tree is present even when the file has syntax
/// errors (ruff's parser recovers), except for files over a nesting limit; consumers decide
/// whether a file with errors is analysed (flake8 still runs its line checks) or skipped
/// (Bandit).
pub struct PythonModule {
    source: String,
    parsed: Option<Parsed<ModModule>>,
    line_index: LineIndex,
    syntax_error: Option<SyntaxProblem>,
}

impl std::fmt::Debug for PythonModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PythonModule")
            .field("bytes", &self.source.len())
            .field("syntax_error", &self.syntax_error)
            .finish()
    }
}

impl PythonModule {
    /// Decodes and parses one file's bytes within `limits`.
    pub fn parse(bytes: &[u8], limits: &PythonLimits) -> Result<Self, SourceError> {
        if bytes.len() as u64 > limits.max_python_file_bytes {
            return Err(SourceError::TooLarge {
                size: bytes.len() as u64,
                limit: limits.max_python_file_bytes,
            });
        }
        let source = decode_source(bytes)?.into_owned();
        Ok(Self::parse_text(source, limits))
    }

    /// Parses already decoded text.
    pub fn parse_text(source: String, limits: &PythonLimits) -> Self {
        let line_index = LineIndex::from_source_text(&source);
        let options = ParseOptions::from(Mode::Module).with_target_version(TARGET_PYTHON);
        let parsed = parse_unchecked(&source, options)
            .try_into_module()
            .expect("module mode parses into a module");
        let mut module = Self {
            source,
            parsed: None,
            line_index,
            syntax_error: None,
        };
        let too_deep = module.nesting_problem(&parsed, limits);
        if let Some(problem) = too_deep {
            let len = module.source.len();
            dispose_deep(parsed, len);
            module.syntax_error = Some(problem);
            return module;
        }
        let invalid = parsed
            .errors()
            .first()
            .map(|error| (error.error.to_string(), error.location.start()));
        // Newer syntax is an error for the Python that runs the plugin, e.g. Python 2's
        // `except E, e:`, which the parser accepts as Python 3.14's unparenthesised `except`.
        let unsupported = || {
            parsed
                .unsupported_syntax_errors()
                .first()
                .map(|error| (error.to_string(), error.range.start()))
        };
        module.syntax_error = invalid
            .or_else(unsupported)
            .map(|(message, offset)| SyntaxProblem {
                message,
                location: module.location(offset),
                kind: SyntaxProblemKind::Invalid,
            });
        module.parsed = Some(parsed);
        module
    }

    fn nesting_problem(
        &self,
        parsed: &Parsed<ModModule>,
        limits: &PythonLimits,
    ) -> Option<SyntaxProblem> {
        let (mut brackets, mut indents) = (0u64, 0u64);
        for token in parsed.tokens().iter() {
            let (counter, limit, message) = match token.kind() {
                TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => (
                    &mut brackets,
                    limits.max_bracket_depth,
                    "too many nested parentheses",
                ),
                TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                    brackets = brackets.saturating_sub(1);
                    continue;
                }
                TokenKind::Indent => (
                    &mut indents,
                    limits.max_indent_levels,
                    "too many levels of indentation",
                ),
                TokenKind::Dedent => {
                    indents = indents.saturating_sub(1);
                    continue;
                }
                _ => continue,
            };
            *counter += 1;
            if *counter > limit {
                return Some(SyntaxProblem {
                    message: message.to_owned(),
                    location: self.location(token.start()),
                    kind: SyntaxProblemKind::TooDeep,
                });
            }
        }
        let depth = syntax_depth(parsed.syntax(), limits.max_syntax_depth);
        (depth > limits.max_syntax_depth).then(|| SyntaxProblem {
            message: format!(
                "maximum recursion depth exceeded: the syntax nests deeper than the \
                 max_syntax_depth limit of {}",
                limits.max_syntax_depth
            ),
            location: self.location(TextSize::new(0)),
            kind: SyntaxProblemKind::TooDeep,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The syntax tree, unless the file was over a nesting limit.
    pub fn syntax(&self) -> Option<&ModModule> {
        self.parsed.as_ref().map(Parsed::syntax)
    }

    /// The tokens (comments included), unless the file was over a nesting limit.
    pub fn tokens(&self) -> Option<&Tokens> {
        self.parsed.as_ref().map(Parsed::tokens)
    }

    /// Every syntax error the parser recovered from.
    pub fn parse_errors(&self) -> &[ruff_python_parser::ParseError] {
        self.parsed.as_ref().map_or(&[], |p| p.errors())
    }

    /// The first syntax error (what CPython would raise), if any.
    pub fn syntax_error(&self) -> Option<&SyntaxProblem> {
        self.syntax_error.as_ref()
    }

    /// True when the file parsed without error: the tree is the program CPython would run.
    pub fn is_valid(&self) -> bool {
        self.syntax_error.is_none()
    }

    /// The comments, with their ranges (for `# nosec`, `# noqa`, pragmas).
    pub fn comments(&self) -> impl Iterator<Item = (TextRange, &str)> + '_ {
        self.tokens()
            .into_iter()
            .flat_map(|tokens| tokens.iter())
            .filter(|t| t.kind() == TokenKind::Comment)
            .map(|t| (t.range(), &self.source[t.range()]))
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_index.line_count()
    }

    /// The position of a byte offset.
    pub fn location(&self, offset: TextSize) -> Location {
        let offset = offset.min(TextSize::of(self.source.as_str()));
        let line = self.line_index.line_index(offset);
        let start = self.line_index.line_start(line, &self.source);
        let prefix = &self.source[TextRange::new(start, offset)];
        Location {
            line: u32::try_from(line.get()).unwrap_or(u32::MAX),
            byte_column: u32::from(offset - start),
            char_column: u32::try_from(prefix.chars().count()).unwrap_or(u32::MAX),
        }
    }

    /// The 1-based line and 0-based byte column of a byte offset: [`Self::location`] without
    /// counting characters, for callers that report byte columns only.
    pub fn line_and_byte_column(&self, offset: TextSize) -> (u32, u32) {
        let offset = offset.min(TextSize::of(self.source.as_str()));
        let line = self.line_index.line_index(offset);
        let start = self.line_index.line_start(line, &self.source);
        (
            u32::try_from(line.get()).unwrap_or(u32::MAX),
            u32::from(offset - start),
        )
    }

    /// The 1-based line holding `offset`.
    pub fn line_of(&self, offset: TextSize) -> u32 {
        u32::try_from(self.line_index.line_index(offset).get()).unwrap_or(u32::MAX)
    }

    /// The text of a 1-based line, without its line ending (empty past the end).
    pub fn line_text(&self, line: u32) -> &str {
        let Some(one) = ruff_source_file::OneIndexed::new(line as usize) else {
            return "";
        };
        if one.get() > self.line_count() {
            return "";
        }
        let range = self.line_index.line_range(one, &self.source);
        self.source[range].trim_end_matches(['\n', '\r'])
    }
}

impl Drop for PythonModule {
    fn drop(&mut self) {
        // Trees within the limits are shallow enough for a normal drop; this only guards the
        // stack of whoever drops the last reference.
        if let Some(parsed) = self.parsed.take() {
            crate::depth::with_stack(move || drop(parsed));
        }
    }
}
