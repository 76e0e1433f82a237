//! A tokenizer that yields exactly the tokens of CPython 3.11's pure-Python `tokenize` module,
//! which pycodestyle (through flake8) reads: `NL` for blank and comment-only lines, comments as
//! tokens, f-strings as one `STRING`, character (not byte) columns, `ERRORTOKEN` for stray
//! characters. pycodestyle's checks depend on these details, so they are reproduced rather than
//! derived from the parser's own tokens.

use std::borrow::Cow;

use compact_str::CompactString;

/// The token types of Python's `tokenize` that pycodestyle distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Name,
    Number,
    String,
    Op,
    Comment,
    Newline,
    Nl,
    Indent,
    Dedent,
    EndMarker,
    ErrorToken,
}

/// One token: `(type, string, start, end, line)` as in `tokenize.TokenInfo`. Rows are 1-based,
/// columns 0-based characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    /// Inline up to 24 bytes: most tokens are short, and a file has one per word.
    pub text: CompactString,
    pub start: (usize, usize),
    pub end: (usize, usize),
    /// Index of the physical line(s) the token came from, as `line` in `TokenInfo`: the first
    /// and last 1-based row (a multi-line string spans several). `None` for the synthetic
    /// tokens at the end of the file (`line == ''`).
    pub lines: Option<(usize, usize)>,
}

/// Why tokenizing stopped (Python raises `TokenError` or `IndentationError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenizeError {
    pub message: String,
    pub row: usize,
    pub column: usize,
    /// `IndentationError` is a `SyntaxError` (E999 in flake8), `TokenError` is E902.
    pub is_indentation: bool,
}

/// A file's text with universal newlines (`\r\n` and `\r` read as `\n`), as Python reads it.
pub fn universal_newlines(source: &str) -> Cow<'_, str> {
    if source.contains('\r') {
        Cow::Owned(source.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(source)
    }
}

/// The lines of a text (see [`universal_newlines`]) as `readlines()` gives them: every line
/// keeps its `\n` except possibly the last.
pub fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Number of characters of `s` (fast for ASCII).
pub fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// The byte offset of character column `col` in `s` (clamped to the end).
pub fn byte_at(s: &str, col: usize) -> usize {
    if s.is_ascii() {
        col.min(s.len())
    } else {
        s.char_indices().nth(col).map_or(s.len(), |(i, _)| i)
    }
}

/// Character columns of the lines of a file, precomputed for the non-ASCII lines so that a
/// column lookup never rescans a (possibly huge) line.
pub struct LineChars {
    /// Per line (0-based), the byte offset of every character, for non-ASCII lines only.
    starts: Vec<Option<Vec<u32>>>,
}

impl LineChars {
    pub fn new(lines: &[&str]) -> Self {
        let starts = lines
            .iter()
            .map(|l| (!l.is_ascii()).then(|| l.char_indices().map(|(i, _)| i as u32).collect()))
            .collect();
        Self { starts }
    }

    /// The character column of byte offset `byte` on 1-based `row`.
    pub fn char_col(&self, lines: &[&str], row: usize, byte: usize) -> usize {
        match self.starts.get(row.wrapping_sub(1)) {
            Some(Some(starts)) => starts.partition_point(|&b| (b as usize) < byte),
            _ => byte.min(lines.get(row.wrapping_sub(1)).map_or(byte, |l| l.len())),
        }
    }

    /// The byte offset of character column `col` on 1-based `row` (clamped to the line end).
    pub fn byte_col(&self, lines: &[&str], row: usize, col: usize) -> usize {
        let len = lines.get(row.wrapping_sub(1)).map_or(0, |l| l.len());
        match self.starts.get(row.wrapping_sub(1)) {
            Some(Some(starts)) => starts.get(col).map_or(len, |&b| b as usize),
            _ => col.min(len),
        }
    }

    /// `lines[row][a:b]` in characters.
    pub fn slice<'l>(&self, lines: &'l [&'l str], row: usize, a: usize, b: usize) -> &'l str {
        let Some(line) = lines.get(row.wrapping_sub(1)) else {
            return "";
        };
        if a >= b {
            return "";
        }
        &line[self.byte_col(lines, row, a)..self.byte_col(lines, row, b)]
    }
}

/// `s[a:b]` with Python's character indices (clamped like Python slices).
pub fn char_slice(s: &str, a: usize, b: usize) -> &str {
    if a >= b {
        return "";
    }
    &s[byte_at(s, a)..byte_at(s, b)]
}

/// The length of the longest operator (`tokenize`'s `Special` and `Funny`) at the start of
/// `rest`, 0 if none: three, then two, then one character.
fn match_operator(rest: &[u8]) -> usize {
    let three = matches!(
        rest,
        [b'*', b'*', b'=', ..]
            | [b'.', b'.', b'.', ..]
            | [b'/', b'/', b'=', ..]
            | [b'<', b'<', b'=', ..]
            | [b'>', b'>', b'=', ..]
    );
    if three {
        return 3;
    }
    let two = matches!(
        rest,
        [b'!', b'=', ..]
            | [b'-', b'>', ..]
            | [b':', b'=', ..]
            | [b'*', b'*', ..]
            | [b'/', b'/', ..]
            | [b'<', b'<', ..]
            | [b'>', b'>', ..]
            | [
                b'%' | b'&' | b'*' | b'+' | b'-' | b'/' | b'<' | b'=' | b'>' | b'@' | b'^' | b'|',
                b'=',
                ..
            ]
    );
    if two {
        return 2;
    }
    match rest.first() {
        Some(
            b'%' | b'&' | b'(' | b')' | b'*' | b'+' | b',' | b'-' | b'.' | b'/' | b':' | b';'
            | b'<' | b'=' | b'>' | b'@' | b'[' | b']' | b'^' | b'{' | b'|' | b'}' | b'~',
        ) => 1,
        _ => 0,
    }
}

fn is_prefix(p: &str) -> bool {
    matches!(
        p.to_ascii_lowercase().as_str(),
        "" | "b" | "r" | "u" | "f" | "br" | "rb" | "fr" | "rf"
    )
}

fn digits(b: &[u8], mut i: usize, ok: impl Fn(u8) -> bool) -> Option<usize> {
    // `[d](?:_?[d])*`
    if i >= b.len() || !ok(b[i]) {
        return None;
    }
    i += 1;
    loop {
        if i < b.len() && ok(b[i]) {
            i += 1;
        } else if i + 1 < b.len() && b[i] == b'_' && ok(b[i + 1]) {
            i += 2;
        } else {
            return Some(i);
        }
    }
}

fn exponent(b: &[u8], i: usize) -> Option<usize> {
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        digits(b, j, |c| c.is_ascii_digit())
    } else {
        None
    }
}

fn pointfloat(b: &[u8], i: usize) -> Option<usize> {
    let dec = |c: u8| c.is_ascii_digit();
    let after = if let Some(j) = digits(b, i, dec) {
        if j < b.len() && b[j] == b'.' {
            digits(b, j + 1, dec).unwrap_or(j + 1)
        } else {
            return None;
        }
    } else if i < b.len() && b[i] == b'.' {
        digits(b, i + 1, dec)?
    } else {
        return None;
    };
    Some(exponent(b, after).unwrap_or(after))
}

fn floatnumber(b: &[u8], i: usize) -> Option<usize> {
    pointfloat(b, i).or_else(|| {
        let j = digits(b, i, |c| c.is_ascii_digit())?;
        exponent(b, j)
    })
}

/// tokenize's `Number` regex at `i` (alternatives in its order: imaginary, float, int).
fn number(b: &[u8], i: usize) -> Option<usize> {
    let is_j = |j: usize| j < b.len() && (b[j] == b'j' || b[j] == b'J');
    if let Some(j) = digits(b, i, |c| c.is_ascii_digit()) {
        if is_j(j) {
            return Some(j + 1);
        }
    }
    if let Some(j) = floatnumber(b, i) {
        if is_j(j) {
            return Some(j + 1);
        }
    }
    if let Some(j) = floatnumber(b, i) {
        return Some(j);
    }
    if i + 1 < b.len() && b[i] == b'0' {
        let radix: Option<fn(u8) -> bool> = match b[i + 1] {
            b'x' | b'X' => Some(|c: u8| c.is_ascii_hexdigit()),
            b'b' | b'B' => Some(|c: u8| c == b'0' || c == b'1'),
            b'o' | b'O' => Some(|c: u8| (b'0'..=b'7').contains(&c)),
            _ => None,
        };
        if let Some(ok) = radix {
            // `0[xX](?:_?[0-9a-fA-F])+`
            let mut j = i + 2;
            let mut any = false;
            loop {
                if j < b.len() && ok(b[j]) {
                    j += 1;
                    any = true;
                } else if j + 1 < b.len() && b[j] == b'_' && ok(b[j + 1]) {
                    j += 2;
                    any = true;
                } else {
                    break;
                }
            }
            if any {
                return Some(j);
            }
        }
    }
    if i < b.len() && b[i] == b'0' {
        // `0(?:_?0)*`
        let mut j = i + 1;
        loop {
            if j < b.len() && b[j] == b'0' {
                j += 1;
            } else if j + 1 < b.len() && b[j] == b'_' && b[j + 1] == b'0' {
                j += 2;
            } else {
                return Some(j);
            }
        }
    }
    if i < b.len() && (b'1'..=b'9').contains(&b[i]) {
        return digits(b, i, |c| c.is_ascii_digit());
    }
    None
}

/// The end of a string body that closes with `quote` (one or three quote characters) on this
/// line, starting at `i` (after the opening quotes): tokenize's `endpats`.
fn string_end(b: &[u8], mut i: usize, quote: u8, triple: bool) -> Option<usize> {
    while i < b.len() {
        let c = b[i];
        if c == b'\\' {
            if i + 1 < b.len() && b[i + 1] != b'\n' {
                // Skip the escaped character (a whole UTF-8 sequence is fine: continuation
                // bytes never equal a quote or backslash).
                i += 2;
                continue;
            }
            return None;
        }
        if c == quote {
            if !triple {
                return Some(i + 1);
            }
            if i + 2 < b.len() && b[i + 1] == quote && b[i + 2] == quote {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

/// `ContStr`: a single-quoted string that ends on this line, or continues with a backslash.
/// Returns the end and whether it continues.
fn cont_str(b: &[u8], mut i: usize, quote: u8) -> Option<(usize, bool)> {
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            return None;
        }
        if c == quote {
            return Some((i + 1, false));
        }
        if c == b'\\' {
            if i + 1 < b.len() && b[i + 1] == b'\n' {
                return Some((i + 2, true));
            }
            if i + 1 >= b.len() {
                return None;
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    None
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_identifier_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

struct Tokenizer<'a> {
    lines: &'a [&'a str],
    chars: &'a LineChars,
    tokens: Vec<Token>,
}

impl Tokenizer<'_> {
    fn col(&self, row: usize, byte: usize) -> usize {
        self.chars.char_col(self.lines, row, byte)
    }

    fn push(
        &mut self,
        kind: Kind,
        text: &str,
        start: (usize, usize),
        end: (usize, usize),
        lines: Option<(usize, usize)>,
    ) {
        let start = (start.0, self.col(start.0, start.1));
        let end = if end.0 >= 1 && end.0 <= self.lines.len() {
            (end.0, self.col(end.0, end.1))
        } else {
            end
        };
        self.tokens.push(Token {
            kind,
            text: CompactString::new(text),
            start,
            end,
            lines,
        });
    }
}

/// Tokenizes lines as `tokenize.generate_tokens` does (`chars`: the lines' [`LineChars`],
/// which pycodestyle reads too). On an error, the tokens produced so far are returned along
/// with it.
pub fn tokenize(lines: &[&str], chars: &LineChars) -> (Vec<Token>, Option<TokenizeError>) {
    let mut t = Tokenizer {
        lines,
        chars,
        // About one token per 4 bytes of Python: growing the vector copies every token.
        tokens: Vec::with_capacity(lines.iter().map(|l| l.len()).sum::<usize>() / 4),
    };
    let error = run(&mut t);
    (t.tokens, error)
}

/// A string spanning lines: its text so far, start, closing quote, whether triple-quoted, and
/// whether it continues with backslashes (a single-quoted string).
type ContStr = (String, (usize, usize), u8, bool, bool);

fn run(t: &mut Tokenizer<'_>) -> Option<TokenizeError> {
    const TABSIZE: usize = 8;
    let mut parenlev: i64 = 0;
    let mut continued = false;
    let mut indents: Vec<usize> = vec![0];
    let mut contstr: Option<ContStr> = None;
    let mut lnum = 0usize;
    let mut last_line: &str;
    let mut line: &str = "";
    loop {
        last_line = if lnum == 0 { "" } else { line };
        line = t.lines.get(lnum).copied().unwrap_or("");
        lnum += 1;
        let b = line.as_bytes();
        let max = b.len();
        let mut pos = 0usize;

        if let Some((mut text, strstart, quote, triple, needcont)) = contstr.take() {
            if line.is_empty() {
                return Some(TokenizeError {
                    message: "EOF in multi-line string".to_owned(),
                    row: strstart.0,
                    column: t.col(strstart.0, strstart.1),
                    is_indentation: false,
                });
            }
            if let Some(end) = string_end(b, 0, quote, triple) {
                pos = end;
                text.push_str(&line[..end]);
                t.push(
                    Kind::String,
                    &text,
                    strstart,
                    (lnum, end),
                    Some((strstart.0, lnum)),
                );
            } else if needcont && !line.ends_with("\\\n") {
                text.push_str(line);
                t.push(
                    Kind::ErrorToken,
                    &text,
                    strstart,
                    (lnum, max),
                    Some((strstart.0, lnum - 1)),
                );
                continue;
            } else {
                text.push_str(line);
                contstr = Some((text, strstart, quote, triple, needcont));
                continue;
            }
        } else if parenlev == 0 && !continued {
            if line.is_empty() {
                break;
            }
            let mut column = 0usize;
            while pos < max {
                match b[pos] {
                    b' ' => column += 1,
                    b'\t' => column = (column / TABSIZE + 1) * TABSIZE,
                    b'\x0c' => column = 0,
                    _ => break,
                }
                pos += 1;
            }
            if pos == max {
                break;
            }
            if b[pos] == b'#' || b[pos] == b'\r' || b[pos] == b'\n' {
                if b[pos] == b'#' {
                    let comment = line[pos..].trim_end_matches(['\r', '\n']);
                    let end = pos + comment.len();
                    t.push(
                        Kind::Comment,
                        comment,
                        (lnum, pos),
                        (lnum, end),
                        Some((lnum, lnum)),
                    );
                    pos = end;
                }
                t.push(
                    Kind::Nl,
                    &line[pos..],
                    (lnum, pos),
                    (lnum, max),
                    Some((lnum, lnum)),
                );
                continue;
            }
            if column > *indents.last().unwrap_or(&0) {
                indents.push(column);
                t.push(
                    Kind::Indent,
                    &line[..pos],
                    (lnum, 0),
                    (lnum, pos),
                    Some((lnum, lnum)),
                );
            }
            while column < *indents.last().unwrap_or(&0) {
                if !indents.contains(&column) {
                    return Some(TokenizeError {
                        message: "unindent does not match any outer indentation level".to_owned(),
                        row: lnum,
                        column: t.col(lnum, pos),
                        is_indentation: true,
                    });
                }
                indents.pop();
                t.push(
                    Kind::Dedent,
                    "",
                    (lnum, pos),
                    (lnum, pos),
                    Some((lnum, lnum)),
                );
            }
        } else {
            if line.is_empty() {
                return Some(TokenizeError {
                    message: "EOF in multi-line statement".to_owned(),
                    row: lnum,
                    column: 0,
                    is_indentation: false,
                });
            }
            continued = false;
        }

        while pos < max {
            // Whitespace = r'[ \f\t]*'
            let mut start = pos;
            while start < max && matches!(b[start], b' ' | b'\x0c' | b'\t') {
                start += 1;
            }
            let here = Some((lnum, lnum));
            if start == max {
                // `\Z`: an empty match at the end.
                pos = max;
                continue;
            }
            let c = b[start];
            // PseudoExtras: backslash continuation, comment, triple-quoted string start.
            if c == b'\\' && start + 1 < max && b[start + 1] == b'\n' {
                pos = start + 2;
                continued = true;
                continue;
            }
            if c == b'\\' && start + 2 < max && b[start + 1] == b'\r' && b[start + 2] == b'\n' {
                pos = start + 3;
                continued = true;
                continue;
            }
            if c == b'#' {
                let end = line[start..].find(['\r', '\n']).map_or(max, |i| start + i);
                t.push(
                    Kind::Comment,
                    &line[start..end],
                    (lnum, start),
                    (lnum, end),
                    here,
                );
                pos = end;
                continue;
            }
            // A string prefix (possibly empty) followed by quotes.
            let word_end = {
                let mut e = start;
                while e < max && e - start < 3 && b[e].is_ascii_alphabetic() {
                    e += 1;
                }
                e
            };
            let mut string_start = None;
            for p in (start..=word_end).rev() {
                if p < max && (b[p] == b'\'' || b[p] == b'"') && is_prefix(&line[start..p]) {
                    string_start = Some(p);
                    break;
                }
            }
            if let Some(q) = string_start {
                let quote = b[q];
                let triple = q + 2 < max && b[q + 1] == quote && b[q + 2] == quote;
                if triple {
                    let body = q + 3;
                    if let Some(end) = string_end(b, body, quote, true) {
                        t.push(
                            Kind::String,
                            &line[start..end],
                            (lnum, start),
                            (lnum, end),
                            here,
                        );
                        pos = end;
                    } else {
                        contstr =
                            Some((line[start..].to_owned(), (lnum, start), quote, true, false));
                        break;
                    }
                    continue;
                }
            }
            // Number (before Funny: `.5` is a number, `.` an operator).
            if c.is_ascii_digit() || (c == b'.' && start + 1 < max && b[start + 1].is_ascii_digit())
            {
                if let Some(end) = number(b, start) {
                    t.push(
                        Kind::Number,
                        &line[start..end],
                        (lnum, start),
                        (lnum, end),
                        here,
                    );
                    pos = end;
                    continue;
                }
            }
            // Funny: newline, then operators.
            if c == b'\n' || (c == b'\r' && start + 1 < max && b[start + 1] == b'\n') {
                let end = if c == b'\n' { start + 1 } else { start + 2 };
                let kind = if parenlev > 0 {
                    Kind::Nl
                } else {
                    Kind::Newline
                };
                t.push(kind, &line[start..end], (lnum, start), (lnum, end), here);
                pos = end;
                continue;
            }
            let op = match_operator(&b[start..]);
            if op > 0 {
                let text = &line[start..start + op];
                match c {
                    b'(' | b'[' | b'{' => parenlev += 1,
                    b')' | b']' | b'}' => parenlev -= 1,
                    _ => {}
                }
                t.push(Kind::Op, text, (lnum, start), (lnum, start + op), here);
                pos = start + op;
                continue;
            }
            // ContStr: a single-quoted string, maybe continued with a backslash.
            if let Some(q) = string_start {
                let quote = b[q];
                if let Some((end, continues)) = cont_str(b, q + 1, quote) {
                    if continues {
                        contstr =
                            Some((line[start..].to_owned(), (lnum, start), quote, false, true));
                        break;
                    }
                    t.push(
                        Kind::String,
                        &line[start..end],
                        (lnum, start),
                        (lnum, end),
                        here,
                    );
                    pos = end;
                    continue;
                }
            }
            // Name: `\w+`.
            let rest = &line[start..];
            let name_len: usize = rest
                .char_indices()
                .find(|(_, ch)| !is_word_char(*ch))
                .map_or(rest.len(), |(i, _)| i);
            if name_len > 0 {
                let text = &rest[..name_len];
                let initial = text.chars().next().unwrap_or(' ');
                let kind = if initial.is_ascii_digit() {
                    Kind::Number
                } else if is_identifier_start(initial) {
                    Kind::Name
                } else {
                    Kind::Op
                };
                t.push(kind, text, (lnum, start), (lnum, start + name_len), here);
                pos = start + name_len;
                continue;
            }
            // No pseudo-token matched: one character is an error token (from `pos`, before
            // the whitespace, exactly as tokenize does).
            let ch_len = line[pos..].chars().next().map_or(1, char::len_utf8);
            t.push(
                Kind::ErrorToken,
                &line[pos..pos + ch_len],
                (lnum, pos),
                (lnum, pos + ch_len),
                here,
            );
            pos += ch_len;
        }
    }
    let row = lnum;
    let _ = row;
    if !last_line.is_empty()
        && !last_line.ends_with(['\r', '\n'])
        && !last_line.trim().starts_with('#')
    {
        let prev = lnum - 1;
        let len = t.col(prev, last_line.len());
        t.tokens.push(Token {
            kind: Kind::Newline,
            text: CompactString::default(),
            start: (prev, len),
            end: (prev, len + 1),
            lines: None,
        });
    }
    for _ in indents.iter().skip(1) {
        t.tokens.push(Token {
            kind: Kind::Dedent,
            text: CompactString::default(),
            start: (lnum, 0),
            end: (lnum, 0),
            lines: None,
        });
    }
    t.tokens.push(Token {
        kind: Kind::EndMarker,
        text: CompactString::default(),
        start: (lnum, 0),
        end: (lnum, 0),
        lines: None,
    });
    None
}

#[cfg(test)]
mod tests {
    use super::match_operator;

    /// Python 3.11's `tokenize.EXACT_TOKEN_TYPES` operators, as `Special` and `Funny` match
    /// them (the longest first).
    const OPERATORS: [&str; 47] = [
        "!=", "%", "%=", "&", "&=", "(", ")", "*", "**", "**=", "*=", "+", "+=", ",", "-", "-=",
        "->", ".", "...", "/", "//", "//=", "/=", ":", ":=", ";", "<", "<<", "<<=", "<=", "=",
        "==", ">", ">=", ">>", ">>=", "@", "@=", "[", "]", "^", "^=", "{", "|", "|=", "}", "~",
    ];

    #[test]
    fn longest_operator_matches_pythons_list_on_every_three_byte_prefix() {
        let alphabet: Vec<u8> = b"!%&()*+,-./:;<=>@[]^{|}~ a".to_vec();
        for &a in &alphabet {
            for &b in &alphabet {
                for &c in &alphabet {
                    let text = [a, b, c];
                    let expected = OPERATORS
                        .iter()
                        .filter(|op| text.starts_with(op.as_bytes()))
                        .map(|op| op.len())
                        .max()
                        .unwrap_or(0);
                    assert_eq!(match_operator(&text), expected, "{:?}", text);
                }
            }
        }
    }
}
