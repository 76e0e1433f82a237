//! flake8's settings that change what is reported, their defaults, and the `[flake8]` section
//! of a plugin's `setup.cfg`, `tox.ini` or `.flake8`.

use crate::rules::Rule;

/// flake8's `extend-default-ignore`: codes off unless selected explicitly (`E24` is a prefix:
/// E241 and E242).
pub const DEFAULT_IGNORE: [&str; 8] = [
    Rule::E121.code(),
    Rule::E123.code(),
    Rule::E126.code(),
    Rule::E226.code(),
    "E24",
    Rule::E704.code(),
    Rule::W503.code(),
    Rule::W504.code(),
];

/// The configuration files flake8 reads, in its order of precedence.
pub const CONFIG_FILES: [&str; 3] = ["setup.cfg", "tox.ini", ".flake8"];

/// The settings of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// E501's limit. flake8's default is 79; the plugins website runs 120.
    pub max_line_length: usize,
    /// W505's limit (off unless set).
    pub max_doc_length: Option<usize>,
    /// C901's limit (off unless set, as in flake8).
    pub max_complexity: Option<usize>,
    pub hang_closing: bool,
    pub indent_size: usize,
    /// Code prefixes reported (flake8's `select`, default `E,F,W,C90`).
    pub select: Vec<String>,
    /// Code prefixes not reported (flake8's `ignore`, default [`DEFAULT_IGNORE`]).
    pub ignore: Vec<String>,
    pub extend_select: Vec<String>,
    pub extend_ignore: Vec<String>,
    /// `disable-noqa`: `# noqa` comments are not honoured.
    pub disable_noqa: bool,
}

impl Settings {
    /// flake8 7.5.0's own defaults.
    pub fn flake8() -> Self {
        Self {
            max_line_length: 79,
            max_doc_length: None,
            max_complexity: None,
            hang_closing: false,
            indent_size: 4,
            select: ["E", "F", "W", "C90"].map(str::to_owned).to_vec(),
            ignore: DEFAULT_IGNORE.map(str::to_owned).to_vec(),
            extend_select: Vec::new(),
            extend_ignore: Vec::new(),
            disable_noqa: false,
        }
    }

    /// What the plugins website runs: flake8's defaults with `--max-line-length=120`, plus
    /// `--max-complexity=10` so that C901, which its policy enables, can be reported.
    pub fn website() -> Self {
        Self {
            max_line_length: 120,
            max_complexity: Some(10),
            ..Self::flake8()
        }
    }

    /// Whether flake8 reports `code` under these settings (its decision engine: the longest
    /// matching prefix of the select and ignore lists wins; a tie is ignored).
    pub fn reports(&self, code: &str) -> bool {
        let longest = |lists: [&Vec<String>; 2]| {
            lists
                .iter()
                .flat_map(|l| l.iter())
                .filter(|p| !p.is_empty() && code.starts_with(p.as_str()))
                .map(String::len)
                .max()
        };
        let selected = longest([&self.select, &self.extend_select]);
        let ignored = longest([&self.ignore, &self.extend_ignore]);
        match (selected, ignored) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(s), Some(i)) => s > i,
        }
    }

    /// Applies the `[flake8]` options of a configuration file. Unknown options and values that
    /// do not parse are ignored, as they cannot make the report stricter than the defaults.
    pub fn apply_config(&mut self, text: &str) -> bool {
        let Some(options) = flake8_section(text) else {
            return false;
        };
        for (key, value) in options {
            let list = || -> Vec<String> {
                value
                    .split([',', ' ', '\t', '\n', '\r'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            let number = || value.trim().parse::<i64>().ok();
            match key.as_str() {
                "max-line-length" => {
                    if let Some(n) = number().filter(|n| *n >= 0) {
                        self.max_line_length = n as usize;
                    }
                }
                "max-doc-length" => {
                    if let Some(n) = number() {
                        self.max_doc_length = (n >= 0).then_some(n as usize);
                    }
                }
                "max-complexity" => {
                    if let Some(n) = number() {
                        self.max_complexity = (n >= 0).then_some(n as usize);
                    }
                }
                "indent-size" => {
                    if let Some(n) = number().filter(|n| *n > 0) {
                        self.indent_size = n as usize;
                    }
                }
                "hang-closing" => self.hang_closing = is_true(&value),
                "disable-noqa" => self.disable_noqa = is_true(&value),
                "select" => self.select = list(),
                "ignore" => self.ignore = list(),
                "extend-select" => self.extend_select.extend(list()),
                "extend-ignore" => self.extend_ignore.extend(list()),
                _ => {}
            }
        }
        true
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::website()
    }
}

fn is_true(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "yes" | "true" | "on"
    )
}

/// The `[flake8]` section of an INI file as `configparser` reads it: `key = value` or
/// `key: value`, indented continuation lines, `#`/`;` comment lines; keys normalised to dashes.
pub fn flake8_section(text: &str) -> Option<Vec<(String, String)>> {
    let mut in_section = false;
    let mut found = false;
    let mut options: Vec<(String, String)> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if !line.starts_with([' ', '\t']) && trimmed.starts_with('[') {
            let name = trimmed
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("");
            in_section = name.trim() == "flake8";
            found |= in_section;
            continue;
        }
        if !in_section {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = options.last_mut() {
                value.push('\n');
                value.push_str(trimmed);
            }
            continue;
        }
        let split = trimmed.find(['=', ':']);
        let (key, value) = match split {
            Some(at) => (&trimmed[..at], &trimmed[at + 1..]),
            None => (trimmed, ""),
        };
        options.push((
            key.trim().to_ascii_lowercase().replace('_', "-"),
            value.trim().to_owned(),
        ));
    }
    found.then_some(options)
}
