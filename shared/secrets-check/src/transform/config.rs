//! `ConfigFileTransformer` and `EagerConfigFileTransformer`: Python's `configparser` (strict,
//! `=`/`:` delimiters, `#`/`;` full-line comments, basic `%` interpolation) followed by
//! detect-secrets' line-location heuristic, reproduced step by step because its quirks decide
//! which lines get scanned.

use std::collections::{HashMap, HashSet};

use crate::filters::is_nextline_pragma_comment;
use crate::pytext::{is_space, splitlines, strip};

/// `configparser.MAX_INTERPOLATION_DEPTH`.
const MAX_INTERPOLATION_DEPTH: usize = 10;
const DEFAULT_SECTION: &str = "DEFAULT";

/// Why the file is not an INI file for detect-secrets (any `configparser.Error`).
#[derive(Debug)]
struct NotIni;

/// Options in insertion order (Python dicts keep it), indexed by name.
#[derive(Default, Clone)]
struct Options {
    list: Vec<(String, Option<Vec<String>>)>,
    index: HashMap<String, usize>,
}

impl Options {
    fn insert(&mut self, key: String, value: Option<Vec<String>>) -> usize {
        match self.index.get(&key) {
            Some(&at) => {
                self.list[at].1 = value;
                at
            }
            None => {
                self.index.insert(key.clone(), self.list.len());
                self.list.push((key, value));
                self.list.len() - 1
            }
        }
    }
}

#[derive(Default)]
struct Parsed {
    defaults: Options,
    sections: Vec<(String, Options)>,
}

impl Parsed {
    fn options(&mut self, section: Option<usize>) -> &mut Options {
        match section {
            None => &mut self.defaults,
            Some(i) => &mut self.sections[i].1,
        }
    }
}

/// `RawConfigParser._read` with the default (strict) settings. Python collects plain parsing
/// errors and raises them at the end; the outcome is the same failure, so we stop at the first.
fn read(content: &str) -> Result<Parsed, NotIni> {
    let mut parsed = Parsed::default();
    // None: no section yet; Some(None): DEFAULT; Some(Some(i)): sections[i].
    let mut cursect: Option<Option<usize>> = None;
    let mut sectname = String::new();
    // The option being read (for continuation lines): its section and index.
    let mut current: Option<(Option<usize>, usize)> = None;
    let mut indent_level = 0usize;
    let mut added_sections: HashSet<String> = HashSet::new();
    let mut added_options: HashSet<(String, String)> = HashSet::new();

    for line in content.split_inclusive('\n') {
        let stripped = strip(line);
        let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
        if stripped.is_empty() || is_comment {
            if !is_comment {
                if let Some((sect, at)) = current {
                    if let Some(values) = &mut parsed.options(sect).list[at].1 {
                        values.push(String::new());
                    }
                }
            }
            continue;
        }
        let value = stripped;
        let cur_indent_level = line.chars().position(|c| !is_space(c)).unwrap_or(0);
        if let Some((sect, at)) = current.filter(|_| cur_indent_level > indent_level) {
            if let Some(values) = &mut parsed.options(sect).list[at].1 {
                values.push(value.to_owned());
            }
            continue;
        }
        indent_level = cur_indent_level;
        if let Some(header) = section_header(value) {
            sectname = header.to_owned();
            if let Some(index) = parsed.sections.iter().position(|(n, _)| n == header) {
                if !added_sections.insert(header.to_owned()) {
                    return Err(NotIni); // DuplicateSectionError
                }
                cursect = Some(Some(index));
            } else if header == DEFAULT_SECTION {
                cursect = Some(None);
            } else {
                parsed
                    .sections
                    .push((header.to_owned(), Options::default()));
                cursect = Some(Some(parsed.sections.len() - 1));
                added_sections.insert(header.to_owned());
            }
            current = None;
            continue;
        }
        let Some(sect) = cursect else {
            return Err(NotIni); // MissingSectionHeaderError
        };
        let Some(at) = value.find(['=', ':']) else {
            return Err(NotIni); // ParsingError
        };
        if at == 0 {
            return Err(NotIni); // an option without a name: ParsingError
        }
        let name = value[..at].trim_end_matches(is_space).to_owned();
        if !added_options.insert((sectname.clone(), name.clone())) {
            return Err(NotIni); // DuplicateOptionError
        }
        let optval = strip(&value[at + 1..]).to_owned();
        let index = parsed.options(sect).insert(name, Some(vec![optval]));
        current = Some((sect, index));
    }
    Ok(parsed)
}

/// `SECTCRE`: `\[(?P<header>.+)\]` matched at the start.
fn section_header(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('[')?;
    let close = inner.rfind(']')?;
    (close > 0).then(|| &inner[..close])
}

/// `'\n'.join(values).rstrip()`.
fn joined(values: &Option<Vec<String>>) -> Option<String> {
    values
        .as_ref()
        .map(|v| v.join("\n").trim_end_matches(is_space).to_owned())
}

/// Every option with its lines joined, as a one-element list (so maps share one type).
fn joined_options(options: &Options) -> Options {
    let mut out = Options::default();
    for (key, value) in &options.list {
        out.insert(key.clone(), joined(value).map(|v| vec![v]));
    }
    out
}

/// `BasicInterpolation.before_get`.
fn interpolate(value: &str, map: &Options, depth: usize, out: &mut String) -> Result<(), NotIni> {
    if depth > MAX_INTERPOLATION_DEPTH {
        return Err(NotIni);
    }
    let mut rest = value;
    while !rest.is_empty() {
        let Some(p) = rest.find('%') else {
            out.push_str(rest);
            return Ok(());
        };
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let after = &rest[1..];
        if let Some(tail) = after.strip_prefix('%') {
            out.push('%');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('(') {
            let close = tail.find(')').ok_or(NotIni)?;
            if close == 0 || !tail[close + 1..].starts_with('s') {
                return Err(NotIni);
            }
            let var = &tail[..close];
            rest = &tail[close + 2..];
            let v = map
                .index
                .get(var)
                .and_then(|&at| map.list[at].1.as_ref())
                .and_then(|v| v.first())
                .ok_or(NotIni)?;
            if v.contains('%') {
                interpolate(v, map, depth + 1, out)?;
            } else {
                out.push_str(v);
            }
        } else {
            return Err(NotIni);
        }
    }
    Ok(())
}

/// `IniFileParser`'s line-location state.
struct Locator<'a> {
    lines: Vec<&'a str>,
    line_offset: usize,
}

impl Locator<'_> {
    /// `_get_value_and_line_offset`.
    fn locate(&mut self, key: &str, values: &str) -> Vec<(String, usize)> {
        let all = splitlines(values);
        let mut values_list: Vec<&str> = all.iter().take(1).copied().collect();
        values_list.extend(all.iter().skip(1).filter(|v| !v.is_empty()));
        if values_list.is_empty() {
            return Vec::new();
        }
        let mut index = 0;
        let mut output = Vec::new();
        let mut advance = None;
        for (offset, line) in self.lines.iter().enumerate() {
            if is_nextline_pragma_comment(line) {
                output.push(((*line).to_owned(), self.line_offset + offset + 1));
                continue;
            }
            if line.is_empty() || is_comment_line(line) {
                continue;
            }
            if index == 0 {
                if first_line_matches(line, key, values_list[0]) {
                    output.push((values_list[0].to_owned(), self.line_offset + offset + 1));
                    index += 1;
                }
                continue;
            }
            if index == values_list.len() {
                advance = Some(offset.max(1));
                break;
            }
            output.push((values_list[index].to_owned(), self.line_offset + offset + 1));
            index += 1;
        }
        match advance {
            Some(by) => {
                self.line_offset += by;
                self.lines.drain(..by.min(self.lines.len()));
            }
            None => self.lines.clear(),
        }
        output
    }
}

/// `_comment_regex`: `\s*[;#]` at the start.
fn is_comment_line(line: &str) -> bool {
    matches!(
        line.trim_start_matches(is_space).chars().next(),
        Some(';' | '#')
    )
}

/// `^\s*{key}[ :=]+{value}` (escaped) matched at the start of a stripped line.
fn first_line_matches(line: &str, key: &str, value: &str) -> bool {
    let Some(rest) = line.trim_start_matches(is_space).strip_prefix(key) else {
        return false;
    };
    let run = rest.len() - rest.trim_start_matches([' ', ':', '=']).len();
    (1..=run).any(|k| rest[k..].starts_with(value))
}

/// The transformed lines, or `None` when the file is not INI for detect-secrets (or yields no
/// line), in which case its raw lines are scanned.
pub(crate) fn transform(text: &str, add_header: bool) -> Option<Vec<String>> {
    let parsed = if add_header {
        read(&format!("[global]\n{text}"))
    } else {
        read(text)
    }
    .ok()?;
    if parsed.sections.is_empty() {
        return None;
    }
    let mut locator = Locator {
        lines: crate::pytext::readlines(text)
            .into_iter()
            .map(strip)
            .collect(),
        line_offset: 0,
    };
    let defaults = joined_options(&parsed.defaults);
    let mut lines: Vec<String> = Vec::new();
    let sections = std::iter::once(None).chain(parsed.sections.iter().map(Some));
    for section in sections {
        // items(): the defaults, updated by the section's own options, all interpolated first.
        let mut map = defaults.clone();
        if let Some((_, options)) = section {
            for (key, value) in &joined_options(options).list {
                map.insert(key.clone(), value.clone());
            }
        }
        let mut items = Vec::with_capacity(map.list.len());
        for (key, value) in &map.list {
            let Some(value) = value.as_ref().and_then(|v| v.first()) else {
                continue;
            };
            let mut out = String::new();
            interpolate(value, &map, 1, &mut out).ok()?;
            items.push((key.clone(), out));
        }
        for (key, values) in items {
            for (value, line_number) in locator.locate(&key, &values) {
                if value.is_empty() {
                    continue;
                }
                while lines.len() + 1 < line_number {
                    lines.push(String::new());
                }
                if is_nextline_pragma_comment(&value) {
                    lines.push(value);
                    continue;
                }
                let mut chars = value.chars();
                let first = chars.next();
                let last = value.chars().last();
                let unquoted = match (first, last) {
                    (Some(q @ ('\'' | '"')), Some(l)) if l == q => {
                        let inner = &value[1..];
                        inner.strip_suffix(q).unwrap_or("")
                    }
                    _ => value.as_str(),
                };
                lines.push(format!("{key} = \"{}\"", unquoted.replace('"', "\\\"")));
            }
        }
    }
    (!lines.is_empty()).then_some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_values_become_quoted_lines() {
        let text = "[general]\nname=My plugin\n# comment\npassword = hunter2\n";
        let lines = transform(text, false).unwrap();
        assert_eq!(
            lines,
            vec!["", "name = \"My plugin\"", "", "password = \"hunter2\""]
        );
    }

    #[test]
    fn not_ini() {
        assert!(transform("import os\n", false).is_none());
        assert!(transform("[a]\nx=1\nx=2\n", false).is_none());
        assert!(transform("[a]\njust words\n", false).is_none());
        assert!(transform("[a]\nx=100%\n", false).is_none());
        assert_eq!(transform("KEY=abc\n", true).unwrap(), vec!["KEY = \"abc\""]);
    }
}
