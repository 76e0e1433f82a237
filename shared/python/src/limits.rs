//! Named limits for untrusted Python sources.

/// Limits applied to every Python file before and after parsing. Each is named, documented and
/// configurable (`PLUGIN_VALIDATOR_MAX_PYTHON_FILE_BYTES=...`), like the archive limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PythonLimits {
    /// Size of one source file; larger files are reported, not parsed.
    pub max_python_file_bytes: u64,
    /// Nesting of brackets, as CPython's tokenizer (`too many nested parentheses` past 200).
    pub max_bracket_depth: u64,
    /// Indentation levels, as CPython's tokenizer (`too many levels of indentation` past 100).
    pub max_indent_levels: u64,
    /// Depth of the syntax tree (long operator chains such as `a+a+...+a` nest without brackets).
    /// Deeper files are reported as CPython reports them (a recursion error), never walked.
    pub max_syntax_depth: u64,
    /// Source bytes kept (inflated and parsed) for the other checks of the same scan; past it
    /// files are read and parsed again by each check, so memory stays bounded by the largest
    /// file.
    pub max_cached_source_bytes: u64,
    /// Files a check processes at once, on the scan's worker threads (0: one per CPU). Each
    /// file in flight holds its source and syntax tree, so this bounds memory as well as CPU.
    pub max_parallel_files: u64,
    /// Allocation arenas of the process's memory allocator (glibc's `M_ARENA_MAX`), set when a
    /// scan starts (0: the allocator's own default, eight per CPU). An arena keeps the memory
    /// freed in it for its own allocations; with an arena per thread, the dozen checks and the
    /// workers of a scan each kept theirs, about 30 MB of the peak on the 25 MB bench zip
    /// (docs/performance.md).
    pub max_malloc_arenas: u64,
    /// Free memory at the top of an allocation arena past this many bytes is given back to the
    /// system (glibc's `M_TRIM_THRESHOLD`, set when a scan starts; 0: the allocator's own,
    /// which grows with the largest block freed, up to 64 MiB).
    pub malloc_trim_threshold: u64,
}

impl Default for PythonLimits {
    fn default() -> Self {
        Self {
            max_python_file_bytes: 20 * 1024 * 1024,
            max_bracket_depth: 200,
            max_indent_levels: 100,
            max_syntax_depth: 1000,
            max_cached_source_bytes: 1024 * 1024,
            max_parallel_files: 0,
            max_malloc_arenas: 4,
            malloc_trim_threshold: 4 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PythonLimitError {
    #[error("unknown Python limit `{0}` (known: {known})", known = PythonLimits::NAMES.join(", "))]
    Unknown(String),
    #[error("invalid value `{value}` for the Python limit `{name}`: expected a whole number")]
    InvalidValue { name: String, value: String },
}

impl PythonLimits {
    pub const NAMES: [&'static str; 8] = [
        "max_python_file_bytes",
        "max_bracket_depth",
        "max_indent_levels",
        "max_syntax_depth",
        "max_cached_source_bytes",
        "max_parallel_files",
        "max_malloc_arenas",
        "malloc_trim_threshold",
    ];

    fn slot(&mut self, name: &str) -> Option<&mut u64> {
        Some(match name {
            "max_python_file_bytes" => &mut self.max_python_file_bytes,
            "max_bracket_depth" => &mut self.max_bracket_depth,
            "max_indent_levels" => &mut self.max_indent_levels,
            "max_syntax_depth" => &mut self.max_syntax_depth,
            "max_cached_source_bytes" => &mut self.max_cached_source_bytes,
            "max_parallel_files" => &mut self.max_parallel_files,
            "max_malloc_arenas" => &mut self.max_malloc_arenas,
            "malloc_trim_threshold" => &mut self.malloc_trim_threshold,
            _ => return None,
        })
    }

    /// Sets one limit by name.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), PythonLimitError> {
        let parsed: u64 =
            value
                .trim()
                .replace('_', "")
                .parse()
                .map_err(|_| PythonLimitError::InvalidValue {
                    name: name.to_owned(),
                    value: value.to_owned(),
                })?;
        let slot = self
            .slot(name)
            .ok_or_else(|| PythonLimitError::Unknown(name.to_owned()))?;
        *slot = parsed;
        Ok(())
    }

    /// The environment variable of a limit (`PLUGIN_VALIDATOR_MAX_SYNTAX_DEPTH`).
    pub fn env_var(name: &str) -> String {
        format!("PLUGIN_VALIDATOR_{}", name.to_ascii_uppercase())
    }

    /// Defaults overridden by any `PLUGIN_VALIDATOR_<NAME>` environment variable.
    pub fn from_env() -> Result<Self, PythonLimitError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Like [`Self::from_env`], reading the variables through `lookup` (testable).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, PythonLimitError> {
        let mut limits = Self::default();
        for name in Self::NAMES {
            if let Some(value) = lookup(&Self::env_var(name)) {
                limits.set(name, &value)?;
            }
        }
        Ok(limits)
    }

    /// `(name, value)` pairs, for `policy --limits`.
    pub fn values(&self) -> Vec<(&'static str, u64)> {
        let mut copy = *self;
        Self::NAMES
            .iter()
            .map(|name| (*name, copy.slot(name).map_or(0, |v| *v)))
            .collect()
    }
}
