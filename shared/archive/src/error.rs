use std::path::PathBuf;

/// Why an archive was refused or could not be read. Every variant names what went wrong in words
/// a plugin author can act on; limit breaches also name the limit.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{detail} (limit `{limit}` is {max})")]
    LimitExceeded {
        limit: &'static str,
        max: u64,
        detail: String,
    },
    #[error("not a readable zip archive: {0}")]
    Corrupt(String),
    #[error("entry `{entry}` is damaged: {reason}")]
    DamagedEntry { entry: String, reason: String },
    #[error("entry `{entry}` is encrypted; an encrypted plugin cannot be checked")]
    Encrypted { entry: String },
    #[error("an entry name is not valid UTF-8 (`{lossy}`); store file names as UTF-8")]
    NonUtf8Name { lossy: String },
    #[error("entry name `{0}` appears more than once in the archive")]
    DuplicateName(String),
    #[error("entry `{entry}` uses compression method {method}, which is not supported (use deflate or store)")]
    UnsupportedCompression { entry: String, method: String },
    #[error("no entry named `{0}` in the archive")]
    NoSuchEntry(String),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is neither a zip file nor a folder", .0.display())]
    NotAPlugin(PathBuf),
}

impl ArchiveError {
    /// The named limit this error breaches, if it is a limit breach.
    pub fn limit(&self) -> Option<&'static str> {
        match self {
            Self::LimitExceeded { limit, .. } => Some(limit),
            _ => None,
        }
    }

    /// A short stable code for reports and tests: the limit name, or the kind of problem.
    pub fn code(&self) -> &'static str {
        match self {
            Self::LimitExceeded { limit, .. } => limit,
            Self::Corrupt(_) => "corrupt",
            Self::DamagedEntry { .. } => "damaged_entry",
            Self::Encrypted { .. } => "encrypted",
            Self::NonUtf8Name { .. } => "non_utf8_name",
            Self::DuplicateName(_) => "duplicate_name",
            Self::UnsupportedCompression { .. } => "unsupported_compression",
            Self::NoSuchEntry(_) => "no_such_entry",
            Self::Io { .. } => "io",
            Self::NotAPlugin(_) => "not_a_plugin",
        }
    }
}
