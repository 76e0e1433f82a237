//! Regexes that only ever run on one candidate line, after an anchor (literal or whole-file
//! regex) found the line. They are built without the literal prefilter that the `regex` crate
//! extracts from every pattern: on a short line a prefilter saves nothing, and extracting it
//! from the case-insensitive keyword alternations was most of their compile time (about 60 %
//! of the secrets check's start-up on a small plugin). Matching is otherwise the `regex`
//! crate's: the same engine, syntax, match semantics and limits.

use regex_automata::meta::{self, BuildError, Regex};
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::MatchKind;

/// `pattern` with Unicode off: every class (`\d`, `\w`, `(?i)` folding) restricted to ASCII.
/// On text where the pattern's Unicode classes can only meet ASCII characters it matches as
/// `pattern` does, and it compiles several times faster.
pub(crate) fn ascii_form(pattern: &str) -> String {
    format!("(?-u){pattern}")
}

pub(crate) struct LineRegex {
    regex: Regex,
}

impl LineRegex {
    /// `pattern` as `regex::Regex` reads it: Unicode classes, matches on character boundaries.
    pub fn new(pattern: &str) -> Result<Self, Box<BuildError>> {
        Self::build(pattern, true)
    }

    /// `pattern` with Unicode off, for ASCII text (as `regex::bytes::Regex` with `(?-u)`):
    /// where every class restricted to ASCII is the same class, it matches the same and
    /// compiles several times faster.
    pub fn ascii(pattern: &str) -> Result<Self, Box<BuildError>> {
        Self::build(&ascii_form(pattern), false)
    }

    fn build(pattern: &str, utf8: bool) -> Result<Self, Box<BuildError>> {
        // The `regex` crate's own settings for one pattern, minus the prefilter.
        let config = meta::Config::new()
            .match_kind(MatchKind::LeftmostFirst)
            .utf8_empty(utf8)
            .nfa_size_limit(Some(10 * (1 << 20)))
            .hybrid_cache_capacity(2 * (1 << 20))
            .auto_prefilter(false);
        let regex = meta::Builder::new()
            .configure(config)
            .syntax(syntax::Config::new().utf8(utf8))
            .build(pattern)
            .map_err(Box::new)?;
        Ok(Self { regex })
    }

    pub fn is_match(&self, line: &str) -> bool {
        self.regex.is_match(line)
    }

    /// The capturing groups, not counting the whole match.
    pub fn groups(&self) -> usize {
        self.regex.captures_len().saturating_sub(1)
    }

    /// Every successive non-overlapping match, with its groups.
    pub fn captures_iter<'r, 'h>(
        &'r self,
        line: &'h str,
    ) -> impl Iterator<Item = Captures> + use<'r, 'h> {
        self.regex.captures_iter(line)
    }

    /// The first match's groups.
    pub fn captures(&self, line: &str) -> Option<Captures> {
        let mut caps = self.regex.create_captures();
        self.regex.captures(line, &mut caps);
        caps.is_match().then_some(caps)
    }
}
