//! Licence statements inside files: `SPDX-License-Identifier:` lines, and the classic notices
//! authors paste at the top of their files (the GPL's "This program is free software...", the
//! MIT permission notice, BSD's redistribution conditions, "Licensed under the Apache License,
//! Version 2.0", ...). Only the head of a file is read (`max_header_bytes`): that is where a
//! licence header is, and it keeps the cost per file constant.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;
use spdx::{Expression, ParseMode};
use validator_domain::LicenceEvidence;

/// Our name for terms that forbid what the GPL requires (an end-user licence agreement, "all
/// rights reserved, unauthorised copying prohibited"): not an SPDX id, always incompatible.
pub const PROPRIETARY: &str = "LicenseRef-Proprietary";

/// A licence statement found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// A valid SPDX expression (canonical form).
    pub spdx: String,
    pub evidence: LicenceEvidence,
    /// 1-based line where the statement starts.
    pub line: u32,
    /// What was recognised, quoted briefly.
    pub quote: String,
    /// The notice is the licence's whole terms (the MIT permission notice, BSD's conditions,
    /// ISC, the Unlicense): it keeps the licence text with the code on its own.
    pub full_terms: bool,
}

/// An SPDX expression as written, in canonical form (`GPL-2.0+` -> `GPL-2.0-or-later`,
/// `Apache 2.0` -> `Apache-2.0` in lax mode), or why it is not one.
pub fn canonical_expression(text: &str) -> Result<String, String> {
    parse_expression(text, true)
}

/// [`canonical_expression`] without imprecise names (`BSD`, `GPL` say a family, not which
/// licence): for metadata a licence file's text should outrank.
pub fn precise_expression(text: &str) -> Result<String, String> {
    parse_expression(text, false)
}

fn parse_expression(text: &str, imprecise: bool) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty".to_owned());
    }
    let mode = ParseMode {
        allow_slash_as_or_operator: true,
        allow_imprecise_license_names: imprecise,
        allow_postfix_plus_on_gpl: true,
        allow_deprecated: true,
        allow_unknown: false,
    };
    let expression = Expression::parse_mode(text, mode).map_err(|e| e.to_string())?;
    Ok(render(&expression))
}

/// The canonical text of a parsed expression: current ids (`GPL-2.0+` is
/// `GPL-2.0-or-later`), operators in capitals, parentheses where the tree needs them.
fn render(expression: &Expression) -> String {
    use spdx::expression::{ExprNode, Operator};
    // Postfix to infix, with each operand's loosest operator to decide on parentheses.
    let mut stack: Vec<(String, Option<Operator>)> = Vec::new();
    for node in expression.iter() {
        match node {
            ExprNode::Req(req) => stack.push((requirement(&req.req), None)),
            ExprNode::Op(op) => {
                let (Some((right, rop)), Some((left, lop))) = (stack.pop(), stack.pop()) else {
                    return expression.as_ref().to_owned();
                };
                let wrap = |text: String, inner: Option<Operator>| match (inner, op) {
                    (Some(Operator::Or), Operator::And) => format!("({text})"),
                    _ => text,
                };
                let word = match op {
                    Operator::And => "AND",
                    Operator::Or => "OR",
                };
                stack.push((
                    format!("{} {word} {}", wrap(left, lop), wrap(right, rop)),
                    Some(*op),
                ));
            }
        }
    }
    match stack.pop() {
        Some((text, _)) if stack.is_empty() => text,
        _ => expression.as_ref().to_owned(),
    }
}

/// One requirement (`GPL-2.0-or-later WITH Classpath-exception-2.0`) with current ids.
fn requirement(req: &spdx::LicenseReq) -> String {
    let licence = match &req.license {
        spdx::LicenseItem::Spdx { id, or_later } => {
            let name = id.name;
            if *or_later || name.ends_with('+') {
                let base = name.trim_end_matches('+');
                let base = base.trim_end_matches("-only").trim_end_matches("-or-later");
                match spdx::gnu_license_id(base, true) {
                    Some(gnu) => gnu.name.to_owned(),
                    None => format!("{base}+"),
                }
            } else if id.is_gnu() && !name.ends_with("-only") && !name.ends_with("-or-later") {
                // Deprecated bare GNU ids (`GPL-2.0`) mean `-only`.
                spdx::gnu_license_id(name, false)
                    .map(|gnu| gnu.name.to_owned())
                    .unwrap_or_else(|| name.to_owned())
            } else {
                name.to_owned()
            }
        }
        spdx::LicenseItem::Other(other) => other.to_string(),
    };
    match &req.addition {
        Some(addition) => format!("{licence} WITH {addition}"),
        None => licence,
    }
}

static SPDX_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)SPDX-License-Identifier:[ \t]*(?P<expr>[^\r\n]*)").expect("a valid pattern")
});

/// The `SPDX-License-Identifier:` line of a file's head: its expression, or the text that is
/// not one (`Err((line, text, why))`).
pub fn spdx_header(head: &str) -> Option<Result<Notice, (u32, String, String)>> {
    let caps = SPDX_LINE.captures(head)?;
    let whole = caps.get(0)?;
    let line = line_of(head, whole.start());
    // The expression ends with the line, a comment closer or a closing quote.
    let raw = caps["expr"]
        .split("*/")
        .next()
        .unwrap_or_default()
        .split("-->")
        .next()
        .unwrap_or_default()
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == ',')
        .trim();
    Some(match canonical_expression(raw) {
        Ok(spdx) => Ok(Notice {
            spdx,
            evidence: LicenceEvidence::SpdxHeader,
            line,
            quote: format!("SPDX-License-Identifier: {raw}"),
            full_terms: false,
        }),
        Err(why) => Err((line, raw.to_owned(), why)),
    })
}

fn line_of(text: &str, offset: usize) -> u32 {
    let before = text.get(..offset).unwrap_or(text);
    u32::try_from(memchr_count(before.as_bytes()) + 1).unwrap_or(u32::MAX)
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// A file's head reduced to words: lower case, every character other than a letter, a digit or
/// a dot turned into a space, runs of spaces collapsed; with the line each word came from.
struct Words {
    text: String,
    /// (offset in `text`, 1-based line) at each line start.
    lines: Vec<(usize, u32)>,
}

impl Words {
    fn of(head: &str) -> Self {
        let mut text = String::with_capacity(head.len());
        let mut lines = Vec::new();
        for (n, line) in head.lines().enumerate() {
            lines.push((text.len(), u32::try_from(n + 1).unwrap_or(u32::MAX)));
            for c in line.chars() {
                let c = if c.is_alphanumeric() || c == '.' {
                    c.to_ascii_lowercase()
                } else {
                    ' '
                };
                if c == ' ' && (text.is_empty() || text.ends_with(' ')) {
                    continue;
                }
                text.push(c);
            }
            if !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
        }
        Self { text, lines }
    }

    fn line(&self, offset: usize) -> u32 {
        match self.lines.binary_search_by(|(start, _)| start.cmp(&offset)) {
            Ok(i) => self.lines[i].1,
            Err(0) => 1,
            Err(i) => self.lines[i - 1].1,
        }
    }
}

/// One kind of notice: a pattern over the words of a file's head and the licence it means.
struct Pattern {
    regex: Regex,
    licence: fn(&regex::Captures<'_>, &str) -> Option<String>,
    full_terms: bool,
}

fn pattern(regex: &str, licence: fn(&regex::Captures<'_>, &str) -> Option<String>) -> Pattern {
    Pattern {
        // ASCII classes and word boundaries: Unicode ones made compiling these patterns cost
        // about 10 ms per process. The words are lower-cased and stripped of punctuation, so the
        // two differ only next to a non-ASCII letter, which no pattern's words have.
        regex: Regex::new(&format!("(?-u){regex}")).expect("a valid pattern"),
        licence,
        full_terms: false,
    }
}

/// A notice that is the licence's whole terms.
fn terms(regex: &str, licence: fn(&regex::Captures<'_>, &str) -> Option<String>) -> Pattern {
    Pattern {
        full_terms: true,
        ..pattern(regex, licence)
    }
}

fn fixed(id: &str) -> Option<String> {
    Some(id.to_owned())
}

/// The GNU licences: which one, which version, and whether "any later version" follows.
fn gnu(caps: &regex::Captures<'_>, words: &str) -> Option<String> {
    let kind = caps.name("kind").map_or("", |m| m.as_str());
    let family = match kind {
        "lesser " | "library " => "LGPL",
        "affero " => "AGPL",
        _ => "GPL",
    };
    let end = caps.get(0).map_or(0, |m| m.end());
    let after = words.get(end..).unwrap_or_default();
    let window: String = after.trim_start().chars().take(160).collect();
    static VERSION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:as published by the free software foundation )?(?:either )?(?:version |v)(?P<v>[123](?:\.[01])?)\b")
            .expect("a valid pattern")
    });
    let version = VERSION.captures(&window).map(|c| c["v"].to_owned());
    let later = window.contains("any later version") || window.contains("or later");
    let version = match (family, version.as_deref()) {
        (_, Some(v)) if v.contains('.') => v.to_owned(),
        (_, Some(v)) => format!("{v}.0"),
        // No version: "any version ever published" (GPL section 9).
        ("LGPL", None) => return Some("LGPL-2.0-or-later".to_owned()),
        ("AGPL", None) => return Some("AGPL-3.0-or-later".to_owned()),
        (_, None) => return Some("GPL-1.0-or-later".to_owned()),
    };
    let suffix = if later { "or-later" } else { "only" };
    let id = format!("{family}-{version}-{suffix}");
    spdx::license_id(&id).map(|_| id)
}

fn bsd(_: &regex::Captures<'_>, words: &str) -> Option<String> {
    Some(
        if words.contains("all advertising materials mentioning") {
            "BSD-4-Clause"
        } else if words.contains("neither the name")
            || words.contains("names of its contributors may not be used")
            || words.contains("name of the copyright holder nor")
        {
            "BSD-3-Clause"
        } else {
            "BSD-2-Clause"
        }
        .to_owned(),
    )
}

fn creative_commons(caps: &regex::Captures<'_>, _: &str) -> Option<String> {
    let mut id = "CC-BY".to_owned();
    if caps.name("nc").is_some() {
        id.push_str("-NC");
    }
    match caps.name("variant").map(|m| m.as_str().trim()) {
        Some(v) if v.starts_with("share") || v.starts_with("sa") => id.push_str("-SA"),
        Some(v) if v.starts_with("no") || v.starts_with("nd") => id.push_str("-ND"),
        _ => {}
    }
    match caps.name("version") {
        Some(v) => {
            let id = format!("{id}-{}", v.as_str());
            spdx::license_id(&id).map(|_| id)
        }
        // Unversioned: still the same kind of terms (a non-commercial clause is one whatever
        // the version); the table knows these names.
        None => Some(format!("LicenseRef-{id}")),
    }
}

fn versioned(prefix: &'static str) -> fn(&regex::Captures<'_>, &str) -> Option<String> {
    match prefix {
        "EUPL" => |caps, _| {
            let id = format!("EUPL-{}", caps.name("version")?.as_str());
            spdx::license_id(&id).map(|_| id)
        },
        _ => |caps, _| {
            let id = format!("MPL-{}", caps.name("version")?.as_str());
            spdx::license_id(&id).map(|_| id)
        },
    }
}

/// Words at least one of which every match of [`PATTERNS`] contains, searched in the raw head
/// (ASCII case-insensitively; between words, anything [`Words`] turns into a space) so that a
/// head without any is ruled out before it is reduced to words (a test checks each pattern's
/// examples). `cc` and `may` stand for `cc by`/`cc0` and `may not be`, checked where they are
/// found ([`notice_words_follow`]). One automaton pass over the head: about ten times cheaper
/// than the equivalent case-insensitive regular expression, which ran on every source file.
const NOTICE_WORDS: &[&str] = &[
    "licen",
    "permission",
    "redistribution",
    "unencumbered",
    "creative",
    "publicdomain",
    "proprietary",
    "unauthori",
    "cc",
    "may",
];

static NOTICE_WORDS_SEARCH: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(NOTICE_WORDS)
        .expect("valid words")
});

/// Whether `bytes` starts with `word` (ASCII, any case).
fn starts_with_word(bytes: &[u8], word: &str) -> bool {
    bytes
        .get(..word.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(word.as_bytes()))
}

/// What [`Words`] turns into a space (a non-ASCII byte too: the prefilter may say yes more
/// often, never less).
fn separator(byte: u8) -> bool {
    !(byte.is_ascii_alphanumeric() || byte == b'.')
}

/// After `cc`: `0` (CC0), or `by` after any separators; after `may`: ` not be`.
fn notice_words_follow(word: &str, after: &[u8]) -> bool {
    let skip = |bytes: &[u8]| -> usize { bytes.iter().take_while(|b| separator(**b)).count() };
    match word {
        "cc" => {
            let gap = skip(after);
            after.first() == Some(&b'0') || starts_with_word(&after[gap..], "by")
        }
        "may" => {
            let gap = skip(after);
            if gap == 0 || !starts_with_word(&after[gap..], "not") {
                return false;
            }
            let rest = &after[gap + 3..];
            let gap = skip(rest);
            gap > 0 && starts_with_word(&rest[gap..], "be")
        }
        _ => true,
    }
}

/// Whether a head may hold a notice: one of [`NOTICE_WORDS`] is in it.
fn may_hold_notice(head: &str) -> bool {
    let bytes = head.as_bytes();
    NOTICE_WORDS_SEARCH
        .find_overlapping_iter(bytes)
        .any(|m| notice_words_follow(NOTICE_WORDS[m.pattern().as_usize()], &bytes[m.end()..]))
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    vec![
        pattern(
            r"\b(?:gnu )?(?P<kind>lesser |library |affero )?general public licen[cs]e\b",
            gnu,
        ),
        terms(
            r"permission is hereby granted free of charge to any person obtaining a copy",
            |_, _| fixed("MIT"),
        ),
        pattern(
            r"\b(?:under|released under|licensed under|governed by) (?:the )?(?:terms of the )?mit(?: x11)? licen[cs]e",
            |_, _| fixed("MIT"),
        ),
        terms(
            r"redistribution and use in source and binary forms with or without modification are permitted",
            bsd,
        ),
        pattern(
            r"apache licen[cs]e (?:version |v)?2\.0|apache\.org licenses licen[cs]e 2\.0",
            |_, _| fixed("Apache-2.0"),
        ),
        pattern(
            r"mozilla public licen[cs]e (?:v\. |version |v)?(?P<version>[12]\.[01])",
            versioned("MPL"),
        ),
        terms(
            r"permission to use copy modify and or distribute this software for any purpose with or without fee is hereby granted",
            |_, _| fixed("ISC"),
        ),
        terms(
            r"this is free and unencumbered software released into the public domain",
            |_, _| fixed("Unlicense"),
        ),
        pattern(
            r"\bcreative commons (?:zero|cc0)|\bcc0 1\.0|publicdomain zero 1\.0",
            |_, _| fixed("CC0-1.0"),
        ),
        pattern(
            r"\bcreative ?commons(?:\.org licenses)? (?:attribution|by)(?P<nc> non ?commercial| nc)?(?P<variant> share ?alike| sa| no ?deriv\w*| nd)?(?: international| unported| generic)?(?: public)?(?: licen[cs]e)?(?: (?:version |v)?(?P<version>[1-4]\.[05]))?",
            creative_commons,
        ),
        pattern(
            r"\bcc by(?P<nc> nc)?(?P<variant> sa| nd)? (?P<version>[1-4]\.[05])",
            creative_commons,
        ),
        pattern(
            r"european union public licen[cs]e (?:version |v)?(?P<version>1\.[12])",
            versioned("EUPL"),
        ),
        pattern(
            r"\bend user licen[cs]e agreement|\bproprietary and confidential|\bunauthori[sz]ed copying of this file|\bproprietary licen[cs]e\b|\bmay not be (?:copied|redistributed|reproduced|distributed)",
            |_, _| fixed(PROPRIETARY),
        ),
    ]
});

/// The first licence notice in a file's head (the earliest in the text wins).
pub fn boilerplate(head: &str) -> Option<Notice> {
    // Most heads have no notice: one search rules all the patterns out.
    if !may_hold_notice(head) {
        return None;
    }
    let words = Words::of(head);
    let mut best: Option<(usize, Notice)> = None;
    for pattern in PATTERNS.iter() {
        // Each pattern's first occurrence that means a licence.
        for caps in pattern.regex.captures_iter(&words.text) {
            let Some(whole) = caps.get(0) else { continue };
            if best
                .as_ref()
                .is_some_and(|(start, _)| *start <= whole.start())
            {
                break;
            }
            let Some(spdx) = (pattern.licence)(&caps, &words.text) else {
                continue;
            };
            let quote: String = words.text[whole.start()..]
                .chars()
                .take(120)
                .collect::<String>()
                .trim()
                .to_owned();
            best = Some((
                whole.start(),
                Notice {
                    spdx,
                    evidence: LicenceEvidence::Notice,
                    line: words.line(whole.start()),
                    quote,
                    full_terms: pattern.full_terms,
                },
            ));
            break;
        }
    }
    best.map(|(_, notice)| notice)
}

static DUNDER_LICENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^__licen[cs]e__\s*=\s*['"](?P<value>[^'"\r\n]{1,100})['"]"#)
        .expect("a valid pattern")
});

/// A module's `__license__ = "MIT"`, when its value is an SPDX expression (lax).
fn dunder_licence(head: &str) -> Option<Notice> {
    // A vectorised search first: the pattern's own prefilter ran at several instructions a byte
    // over every head (`__` is everywhere in Python).
    memchr::memmem::find(head.as_bytes(), b"__licen")?;
    let caps = DUNDER_LICENCE.captures(head)?;
    let whole = caps.get(0)?;
    let spdx = canonical_expression(&caps["value"]).ok()?;
    Some(Notice {
        spdx,
        evidence: LicenceEvidence::Notice,
        line: line_of(head, whole.start()),
        quote: whole.as_str().to_owned(),
        full_terms: false,
    })
}

/// The licence statement of a file's head: its SPDX line if it has a valid one, else a
/// classic notice, else a `__license__` string.
pub fn file_notice(head: &str) -> (Option<Notice>, Option<(u32, String, String)>) {
    let other = || boilerplate(head).or_else(|| dunder_licence(head));
    match spdx_header(head) {
        Some(Ok(notice)) => (Some(notice), None),
        Some(Err(invalid)) => (other(), Some(invalid)),
        None => (other(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spdx_of(head: &str) -> Option<String> {
        file_notice(head).0.map(|n| n.spdx)
    }

    #[test]
    fn spdx_lines_in_every_comment_style() {
        assert_eq!(
            spdx_of("# SPDX-License-Identifier: GPL-2.0-or-later\nimport os\n"),
            Some("GPL-2.0-or-later".to_owned())
        );
        assert_eq!(
            spdx_of("/* SPDX-License-Identifier: MIT */\n"),
            Some("MIT".to_owned())
        );
        assert_eq!(
            spdx_of("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# SPDX-License-Identifier: GPL-2.0+ OR MIT\n"),
            Some("GPL-2.0-or-later OR MIT".to_owned())
        );
        assert_eq!(
            spdx_of("// SPDX-License-Identifier: (MIT OR Apache-2.0) AND BSD-3-Clause\n"),
            Some("(MIT OR Apache-2.0) AND BSD-3-Clause".to_owned())
        );
        let (notice, invalid) = file_notice("# SPDX-License-Identifier: Foo-Bar-License\n");
        assert!(notice.is_none());
        assert_eq!(invalid.map(|i| i.0), Some(1));
    }

    #[test]
    fn deprecated_gnu_ids_are_written_as_current_ones() {
        assert_eq!(canonical_expression("GPL-2.0").unwrap(), "GPL-2.0-only");
        assert_eq!(
            canonical_expression("GPL-3.0+").unwrap(),
            "GPL-3.0-or-later"
        );
        assert_eq!(
            canonical_expression("LGPL-2.1-or-later").unwrap(),
            "LGPL-2.1-or-later"
        );
        assert_eq!(canonical_expression("GPLv3").unwrap(), "GPL-3.0-only");
    }

    #[test]
    fn the_plugin_builder_gpl_header_is_gpl_2_or_later() {
        let head = "\
/***************************************************************************
 *                                                                         *
 *   This program is free software; you can redistribute it and/or modify  *
 *   it under the terms of the GNU General Public License as published by  *
 *   the Free Software Foundation; either version 2 of the License, or     *
 *   (at your option) any later version.                                   *
 *                                                                         *
 ***************************************************************************/
";
        let notice = boilerplate(head).expect("recognised");
        assert_eq!(notice.spdx, "GPL-2.0-or-later");
        assert_eq!(notice.line, 4);
    }

    #[test]
    fn other_classic_notices() {
        let cases = [
            ("# GNU General Public License v3.0 only\n# version 3 of the License.\n", "GPL-3.0-only"),
            ("# under the terms of the GNU Lesser General Public License as published by the Free Software Foundation; either version 2.1 of the License, or (at your option) any later version.\n", "LGPL-2.1-or-later"),
            ("# Permission is hereby granted, free of charge, to any person obtaining a copy\n", "MIT"),
            ("# Licensed under the Apache License, Version 2.0 (the \"License\");\n", "Apache-2.0"),
            ("# This Source Code Form is subject to the terms of the Mozilla Public\n# License, v. 2.0.\n", "MPL-2.0"),
            ("# Redistribution and use in source and binary forms, with or without\n# modification, are permitted provided that ...\n# 3. Neither the name of the copyright holder nor ...\n", "BSD-3-Clause"),
            ("# This work is licensed under a Creative Commons Attribution-NonCommercial 4.0 International License.\n", "CC-BY-NC-4.0"),
            ("# Licence: CC BY-NC-SA 4.0\n", "CC-BY-NC-SA-4.0"),
            ("\"\"\"Beautiful Soup.\"\"\"\n__license__ = \"MIT\"\n", "MIT"),
            ("# Use of this source code is governed by the MIT license.\n", "MIT"),
            ("# licensed under the MIT/X11 License.\n", "MIT"),
            ("# Copyright ACME. All rights reserved. Proprietary and confidential.\n# Unauthorized copying of this file is strictly prohibited.\n", PROPRIETARY),
        ];
        for (head, expected) in cases {
            assert_eq!(spdx_of(head).as_deref(), Some(expected), "{head}");
        }
    }

    #[test]
    fn no_notice_in_ordinary_code() {
        for head in [
            "import os\n\ndef licence():\n    return 'see LICENSE'\n",
            "# -*- coding: utf-8 -*-\n\"\"\"A dialog.\"\"\"\nfrom qgis.core import QgsProject\n",
            "# Copyright 2020 ACME\n",
        ] {
            assert_eq!(spdx_of(head), None, "{head}");
        }
    }

    #[test]
    fn every_pattern_branch_has_a_word_of_the_prefilter() {
        // One example per pattern and per alternative, in the words form the patterns see.
        let examples = [
            "gnu general public license",
            "permission is hereby granted free of charge to any person obtaining a copy",
            "released under the mit license",
            "redistribution and use in source and binary forms with or without modification are permitted",
            "apache license version 2.0",
            "apache.org licenses license 2.0",
            "mozilla public license version 2.0",
            "permission to use copy modify and or distribute this software for any purpose with or without fee is hereby granted",
            "this is free and unencumbered software released into the public domain",
            "creative commons zero",
            "cc0 1.0",
            "publicdomain zero 1.0",
            "creative commons attribution 4.0",
            "cc by sa 4.0",
            "european union public licence 1.2",
            "end user license agreement",
            "proprietary and confidential",
            "unauthorized copying of this file",
            "proprietary license",
            "may not be copied",
        ];
        let mut matched = vec![false; PATTERNS.len()];
        for example in examples {
            let hits: Vec<usize> = (0..PATTERNS.len())
                .filter(|&i| PATTERNS[i].regex.is_match(example))
                .collect();
            assert!(!hits.is_empty(), "{example:?} is an example of a pattern");
            assert!(may_hold_notice(example), "{example:?} passes the prefilter");
            // Any case, and punctuation between the words, as in a raw head.
            let raw = example.to_ascii_uppercase().replace(' ', " -- ");
            assert!(may_hold_notice(&raw), "{raw:?} passes the prefilter");
            hits.into_iter().for_each(|i| matched[i] = true);
        }
        assert!(matched.iter().all(|m| *m), "every pattern has an example");
    }
}
