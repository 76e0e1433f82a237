//! detect-secrets' file types, decided by the extension exactly as `os.path.splitext` gives it.

/// `detect_secrets.util.filetype.FileType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Cls,
    Example,
    Go,
    Java,
    JavaScript,
    Php,
    ObjectiveC,
    Python,
    Swift,
    Terraform,
    Yaml,
    CSharp,
    C,
    CPlusPlus,
    Config,
    Ini,
    Properties,
    Toml,
    Other,
}

impl FileType {
    pub fn of(path: &str) -> Self {
        match split_ext(path) {
            ".cls" => Self::Cls,
            ".example" => Self::Example,
            ".eyaml" | ".yaml" | ".yml" => Self::Yaml,
            ".go" => Self::Go,
            ".java" => Self::Java,
            ".js" => Self::JavaScript,
            ".m" => Self::ObjectiveC,
            ".php" => Self::Php,
            ".py" | ".pyi" => Self::Python,
            ".swift" => Self::Swift,
            ".tf" => Self::Terraform,
            ".cs" => Self::CSharp,
            ".c" => Self::C,
            ".cpp" => Self::CPlusPlus,
            ".cnf" | ".conf" | ".cfg" | ".cf" => Self::Config,
            ".ini" => Self::Ini,
            ".properties" => Self::Properties,
            ".toml" => Self::Toml,
            _ => Self::Other,
        }
    }
}

/// The extension with its dot, as Python's `os.path.splitext` returns it: from the last dot of
/// the last component, unless that dot only belongs to leading dots (`.bashrc` has none).
pub(crate) fn split_ext(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    let stem_start = base.len() - base.trim_start_matches('.').len();
    match base.rfind('.') {
        Some(dot) if dot >= stem_start && stem_start < base.len() => &base[dot..],
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitext_like_python() {
        assert_eq!(split_ext("a/b.py"), ".py");
        assert_eq!(split_ext("a/.bashrc"), "");
        assert_eq!(split_ext("a/..x.y"), ".y");
        assert_eq!(split_ext("a.b/c"), "");
        assert_eq!(split_ext("a/b."), ".");
        assert_eq!(FileType::of("x/metadata.txt"), FileType::Other);
        assert_eq!(FileType::of("x/a.YAML"), FileType::Other);
    }
}
