//! Globs over paths, settings keys and environment variable names, matched case-insensitively
//! by a small automaton (linear in the text, no regex), and a set of them with a literal
//! prefilter so that a lookup only runs the globs whose longest literal occurs in the text.
//!
//! Syntax: `*` any run of characters within one `/`-separated part, `?` one such character,
//! `**` any run including `/`; a leading `**/` also matches nothing (`**/.ssh` matches `.ssh`)
//! and a trailing `/**` too (`~/.ssh/**` matches `~/.ssh`).

use aho_corasick::{AhoCorasick, MatchKind};

/// One compiled glob.
#[derive(Debug, Clone)]
pub struct Glob {
    /// The common shapes are matched without the automaton.
    shape: Shape,
    states: Vec<State>,
    /// For each state, the states reachable from it without consuming a byte (itself
    /// included, splits left out), as a bitset of `words` words.
    closures: Vec<u64>,
    words: usize,
    /// The longest run of literal bytes, for the prefilter.
    literal: Vec<u8>,
}

/// Shapes most table globs have: a literal, `**/lit`, `lit/**`, `**/lit/**`.
#[derive(Debug, Clone)]
enum Shape {
    Exact(Vec<u8>),
    /// `**/lit`: the text is `lit` or ends with `/lit`.
    Suffix(Vec<u8>),
    /// `lit/**`: the text is `lit` or starts with `lit/`.
    Prefix(Vec<u8>),
    /// `**/lit/**`: `lit` is the text or one or more of its whole parts.
    Part(Vec<u8>),
    /// No `**` and no `?`: as many parts as the pattern, each a literal or with `*`s.
    Parts(Vec<Vec<u8>>),
    Automaton,
}

/// `*` within one part (no `/` in `text`), by the usual backtracking over the last star.
fn part_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

impl Shape {
    fn of(pattern: &[u8]) -> Shape {
        let plain = |p: &[u8]| !p.iter().any(|b| matches!(b, b'*' | b'?'));
        let inner = pattern
            .strip_prefix(b"**/")
            .and_then(|p| p.strip_suffix(b"/**"));
        if let Some(lit) = inner.filter(|l| plain(l) && !l.is_empty()) {
            return Shape::Part(lit.to_vec());
        }
        if let Some(lit) = pattern
            .strip_prefix(b"**/")
            .filter(|l| plain(l) && !l.is_empty())
        {
            return Shape::Suffix(lit.to_vec());
        }
        if let Some(lit) = pattern
            .strip_suffix(b"/**")
            .filter(|l| plain(l) && !l.is_empty())
        {
            return Shape::Prefix(lit.to_vec());
        }
        if plain(pattern) {
            return Shape::Exact(pattern.to_vec());
        }
        let no_globstar = !pattern.windows(2).any(|w| w == b"**") && !pattern.contains(&b'?');
        if no_globstar {
            return Shape::Parts(pattern.split(|&b| b == b'/').map(<[u8]>::to_vec).collect());
        }
        Shape::Automaton
    }

    fn is_match(&self, text: &[u8]) -> Option<bool> {
        let after_slash = |at: usize| at == 0 || text[at - 1] == b'/';
        Some(match self {
            Shape::Exact(lit) => text == lit.as_slice(),
            Shape::Suffix(lit) => text.ends_with(lit) && after_slash(text.len() - lit.len()),
            Shape::Prefix(lit) => {
                text.starts_with(lit) && (text.len() == lit.len() || text[lit.len()] == b'/')
            }
            Shape::Part(lit) => text.windows(lit.len()).enumerate().any(|(at, w)| {
                w == lit.as_slice()
                    && after_slash(at)
                    && (at + lit.len() == text.len() || text[at + lit.len()] == b'/')
            }),
            Shape::Parts(parts) => {
                let mut text_parts = text.split(|&b| b == b'/');
                parts
                    .iter()
                    .all(|p| text_parts.next().is_some_and(|t| part_matches(p, t)))
                    && text_parts.next().is_none()
            }
            Shape::Automaton => return None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// One byte, then `next`.
    Byte(u8, usize),
    /// Any byte but `/`, then `next`.
    NotSlash(usize),
    /// Any byte, then `next`.
    Any(usize),
    /// Either branch, without consuming.
    Split(usize, usize),
    Match,
}

enum Piece {
    Byte(u8),
    One,
    Star,
    Globstar,
    /// `**/` at the start or after `/`: nothing, or anything ending with `/`.
    GlobstarSlash,
    /// `/**` at the end: nothing, or `/` and anything.
    SlashGlobstar,
}

fn pieces(pattern: &[u8]) -> Vec<Piece> {
    let mut out = Vec::with_capacity(pattern.len());
    let mut i = 0;
    while i < pattern.len() {
        let rest = &pattern[i..];
        if rest.starts_with(b"/**") && rest.len() == 3 {
            out.push(Piece::SlashGlobstar);
            i += 3;
        } else if rest.starts_with(b"**/") && (i == 0 || pattern[i - 1] == b'/') {
            out.push(Piece::GlobstarSlash);
            i += 3;
        } else if rest.starts_with(b"**") {
            out.push(Piece::Globstar);
            i += 2;
        } else if rest[0] == b'*' {
            out.push(Piece::Star);
            i += 1;
        } else if rest[0] == b'?' {
            out.push(Piece::One);
            i += 1;
        } else {
            out.push(Piece::Byte(rest[0]));
            i += 1;
        }
    }
    out
}

impl Glob {
    /// Compiles an already normalised pattern (lower case, `/` separators).
    pub fn new(pattern: &str) -> Glob {
        let pieces = pieces(pattern.as_bytes());
        // Built back to front so that each piece knows the state that follows it.
        let mut states: Vec<State> = vec![State::Match];
        let mut next = 0usize;
        let push = |states: &mut Vec<State>, s: State| {
            states.push(s);
            states.len() - 1
        };
        for piece in pieces.iter().rev() {
            next = match *piece {
                Piece::Byte(b) => push(&mut states, State::Byte(b, next)),
                Piece::One => push(&mut states, State::NotSlash(next)),
                Piece::Star | Piece::Globstar => {
                    // split -> (one byte -> split) | next
                    let split = push(&mut states, State::Split(usize::MAX, next));
                    let body = match piece {
                        Piece::Star => push(&mut states, State::NotSlash(split)),
                        _ => push(&mut states, State::Any(split)),
                    };
                    states[split] = State::Split(body, next);
                    split
                }
                Piece::GlobstarSlash => {
                    // next | (any* then '/' then next)
                    let slash = push(&mut states, State::Byte(b'/', next));
                    let split = push(&mut states, State::Split(usize::MAX, slash));
                    let body = push(&mut states, State::Any(split));
                    states[split] = State::Split(body, slash);
                    push(&mut states, State::Split(next, split))
                }
                Piece::SlashGlobstar => {
                    // next | ('/' then any*)
                    let split = push(&mut states, State::Split(usize::MAX, next));
                    let body = push(&mut states, State::Any(split));
                    states[split] = State::Split(body, next);
                    let slash = push(&mut states, State::Byte(b'/', split));
                    push(&mut states, State::Split(next, slash))
                }
            };
        }
        // The start state is `next`; keep it first by rotating the index through a Split.
        states.push(State::Split(next, next));
        let literal = longest_literal(pattern.as_bytes());
        let words = states.len().div_ceil(64);
        let mut closures = vec![0u64; states.len() * words];
        for state in 0..states.len() {
            let mut stack = vec![state];
            let row = &mut closures[state * words..(state + 1) * words];
            let mut seen = vec![false; states.len()];
            while let Some(s) = stack.pop() {
                if std::mem::replace(&mut seen[s], true) {
                    continue;
                }
                match states[s] {
                    State::Split(a, b) => stack.extend([a, b]),
                    _ => row[s / 64] |= 1 << (s % 64),
                }
            }
        }
        Glob {
            shape: Shape::of(pattern.as_bytes()),
            states,
            closures,
            words,
            literal,
        }
    }

    fn start(&self) -> usize {
        self.states.len() - 1
    }

    /// Whether the whole (normalised) text matches.
    pub fn is_match(&self, text: &[u8]) -> bool {
        match self.shape.is_match(text) {
            Some(matched) => matched,
            None => self.run(text).0,
        }
    }

    /// Whether some text that starts with `text` matches (`text` is a prefix of a match).
    pub fn matches_prefix(&self, text: &[u8]) -> bool {
        self.run(text).1
    }

    /// Runs the automaton: (the whole text matches, some state is still alive at its end).
    fn run(&self, text: &[u8]) -> (bool, bool) {
        // Globs are short: their state sets fit in a few words on the stack.
        const STACK_WORDS: usize = 4;
        if self.words <= STACK_WORDS {
            let mut current = [0u64; STACK_WORDS];
            let mut next = [0u64; STACK_WORDS];
            self.run_in(text, &mut current[..self.words], &mut next[..self.words])
        } else {
            let mut current = vec![0u64; self.words];
            let mut next = vec![0u64; self.words];
            self.run_in(text, &mut current, &mut next)
        }
    }

    fn run_in<'a>(
        &self,
        text: &[u8],
        mut current: &'a mut [u64],
        mut next: &'a mut [u64],
    ) -> (bool, bool) {
        let words = self.words;
        let closure = |state: usize| &self.closures[state * words..(state + 1) * words];
        current.copy_from_slice(closure(self.start()));
        for &b in text {
            next.fill(0);
            for (w, &word) in current.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let s = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let to = match self.states[s] {
                        State::Byte(want, to) if want == b => to,
                        State::NotSlash(to) if b != b'/' => to,
                        State::Any(to) => to,
                        _ => continue,
                    };
                    for (n, c) in next.iter_mut().zip(closure(to)) {
                        *n |= c;
                    }
                }
            }
            std::mem::swap(&mut current, &mut next);
            if current.iter().all(|&w| w == 0) {
                return (false, false);
            }
        }
        let matched = self.states.iter().enumerate().any(|(s, state)| {
            matches!(state, State::Match) && current[s / 64] & (1 << (s % 64)) != 0
        });
        (matched, current.iter().any(|&w| w != 0))
    }
}

fn longest_literal(pattern: &[u8]) -> Vec<u8> {
    pattern
        .split(|b| matches!(b, b'*' | b'?'))
        .map(|run| {
            let run = run.strip_prefix(b"/").unwrap_or(run);
            run.strip_suffix(b"/").unwrap_or(run)
        })
        .max_by_key(|run| run.len())
        .unwrap_or_default()
        .to_vec()
}

/// Globs with their payload (an entry id), found by a prefilter over their literals.
#[derive(Debug, Default)]
pub struct GlobSet {
    globs: Vec<(Glob, u32)>,
    /// Literal -> the globs that contain it (index into `globs`).
    by_literal: Vec<Vec<usize>>,
    /// Globs whose literal is too short to prefilter: always tried.
    always: Vec<usize>,
    prefilter: Option<AhoCorasick>,
}

/// Literals shorter than this match too much to be worth a prefilter.
const MIN_LITERAL: usize = 3;

impl GlobSet {
    pub fn push(&mut self, pattern: &str, id: u32) {
        self.globs.push((Glob::new(pattern), id));
    }

    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// Builds the prefilter once every glob is in.
    pub fn build(&mut self) {
        let mut literals: Vec<&[u8]> = Vec::new();
        // Literal -> its place in `literals`: globs share literals (`.ssh/`, `mozilla/`).
        let mut places: rustc_hash::FxHashMap<&[u8], usize> = rustc_hash::FxHashMap::default();
        self.by_literal.clear();
        self.always.clear();
        for (i, (glob, _)) in self.globs.iter().enumerate() {
            if glob.literal.len() < MIN_LITERAL {
                self.always.push(i);
                continue;
            }
            match places.get(glob.literal.as_slice()) {
                Some(&at) => self.by_literal[at].push(i),
                None => {
                    places.insert(&glob.literal, literals.len());
                    literals.push(&glob.literal);
                    self.by_literal.push(vec![i]);
                }
            }
        }
        self.prefilter = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&literals)
            .ok();
        if self.prefilter.is_none() {
            // Cannot happen with byte literals; fall back to trying every glob.
            self.always = (0..self.globs.len()).collect();
        }
    }

    /// The ids of the globs the (normalised) text matches, in table order.
    pub fn matches(&self, text: &[u8]) -> Vec<u32> {
        let mut hits: Vec<usize> = Vec::new();
        if let Some(prefilter) = &self.prefilter {
            // Few literals occur in one text: a short list beats a flag per literal.
            let mut tried: Vec<usize> = Vec::new();
            for m in prefilter.find_overlapping_iter(text) {
                let literal = m.pattern().as_usize();
                if tried.contains(&literal) {
                    continue;
                }
                tried.push(literal);
                hits.extend(
                    self.by_literal[literal]
                        .iter()
                        .filter(|&&g| self.globs[g].0.is_match(text)),
                );
            }
        }
        hits.extend(
            self.always
                .iter()
                .filter(|&&g| self.globs[g].0.is_match(text)),
        );
        hits.sort_unstable();
        hits.dedup();
        hits.into_iter().map(|g| self.globs[g].1).collect()
    }

    /// The ids of the globs that some text starting with `prefix` would match.
    pub fn prefix_matches(&self, prefix: &[u8]) -> Vec<u32> {
        self.globs
            .iter()
            .filter(|(g, _)| g.matches_prefix(prefix))
            .map(|(_, id)| *id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p).is_match(t.as_bytes())
    }

    #[test]
    fn stars_stay_within_a_part_and_globstars_cross_parts() {
        assert!(m(
            "postgresql/connections/*/password",
            "postgresql/connections/db/password"
        ));
        assert!(!m(
            "postgresql/connections/*/password",
            "postgresql/connections/a/b/password"
        ));
        assert!(m("**/.ssh/**", "~/.ssh/id_rsa"));
        assert!(m("**/.ssh/**", ".ssh"));
        assert!(m("**/.ssh/**", "/home/u/.ssh"));
        assert!(!m("**/.ssh/**", "~/.sshx/id_rsa"));
        assert!(m("~/.ssh/**", "~/.ssh"));
        assert!(m("**/id_rsa*", "c:/users/u/.ssh/id_rsa.pub"));
        assert!(m("a/**/b", "a/b"));
        assert!(m("a/**/b", "a/x/y/b"));
        assert!(m("?s", "xs"));
        assert!(!m("?s", "/s"));
        assert!(m("*_token", "github_token"));
    }

    #[test]
    fn the_prefilter_finds_globs_whose_slashes_may_match_nothing() {
        let mut set = super::GlobSet::default();
        set.push("postgresql/connections/**", 7);
        set.push("**/.ssh/**", 8);
        set.build();
        assert_eq!(set.matches(b"postgresql/connections"), vec![7]);
        assert_eq!(set.matches(b".ssh"), vec![8]);
        assert_eq!(set.matches(b"~/.ssh/id_rsa"), vec![8]);
        assert!(set.matches(b"postgresql/other").is_empty());
    }

    #[test]
    fn the_common_shapes_match_like_the_automaton() {
        let texts = [
            "",
            ".ssh",
            "~/.ssh",
            "~/.ssh/id_rsa",
            "~/.sshx",
            "x.ssh",
            "a/.ssh/b/.ssh",
            "postgresql/connections",
            "postgresql/connections/x",
            "postgresql/connectionsx",
        ];
        let texts = [
            &texts[..],
            &[
                "postgresql/connections/db/password",
                "postgresql/connections/a/b/password",
                "a.pth",
                "x/a.pth",
                "connections-wms/x/password",
                "connections-/x/password",
            ],
        ]
        .concat();
        for pattern in [
            "**/.ssh/**",
            "**/.ssh",
            "~/.ssh/**",
            ".ssh",
            "postgresql/connections/**",
            "postgresql/connections/*/password",
            "*.pth",
            "x/*.pth",
            "connections-*/*/password",
        ] {
            let glob = Glob::new(pattern);
            assert!(!matches!(glob.shape, super::Shape::Automaton), "{pattern}");
            for text in &texts {
                assert_eq!(
                    glob.is_match(text.as_bytes()),
                    glob.run(text.as_bytes()).0,
                    "{pattern} on {text}"
                );
            }
        }
    }

    #[test]
    fn a_prefix_is_alive_until_the_pattern_cannot_match() {
        let g = Glob::new("postgresql/connections/*/password");
        assert!(g.matches_prefix(b"postgresql/"));
        assert!(g.matches_prefix(b"postgresql/connections/db/"));
        assert!(!g.matches_prefix(b"postgresql/other/"));
        assert!(!g.matches_prefix(b"postgresql/connections/db/password/x"));
    }
}
