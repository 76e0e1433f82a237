//! Which licences may be combined with QGIS's GPL-2.0-or-later: a table of SPDX ids, each with
//! the statement it rests on. The sources are the Free Software Foundation's list "Various
//! Licenses and Comments about Them" (<https://www.gnu.org/licenses/license-list.html>, its
//! sections "GPL-Compatible Free Software Licenses", "GPL-Incompatible Free Software Licenses"
//! and "Nonfree Software Licenses"; the anchor of each entry is given) and the SPDX licence list
//! (<https://spdx.org/licenses/>) for the identifiers. A licence the table does not know is
//! `unknown`: a human decides, nothing is claimed. docs/licence.md explains the table.

use validator_domain::Compatibility;

use crate::notice::PROPRIETARY;

/// One entry of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub ids: &'static [&'static str],
    pub compatibility: Compatibility,
    /// Why, in a sentence a maintainer can check.
    pub note: &'static str,
    /// The statement it rests on.
    pub source: &'static str,
}

// Without a scheme: reports and emails carry no links (tests/devtools.rs).
const FSF: &str = "gnu.org/licenses/license-list.html";

macro_rules! entry {
    ($ids:expr, $compat:ident, $note:expr, $anchor:expr) => {
        Entry {
            ids: $ids,
            compatibility: Compatibility::$compat,
            note: $note,
            source: concat!("FSF licence list, ", $anchor),
        }
    };
}

/// The table. Order does not matter; an id appears once.
pub const TABLE: &[Entry] = &[
    entry!(
        &["GPL-2.0-or-later", "GPL-1.0-or-later"],
        Compatible,
        "the GPL version 2 or later, QGIS's own terms",
        "#GPLv2"
    ),
    entry!(
        &["GPL-2.0-only"],
        Compatible,
        "GPL version 2 only: the combination with QGIS is distributed under GPLv2 (it cannot \
         be combined with code that is GPLv3-only, such as Apache-2.0 or GPL-3.0 code)",
        "#GPLv2"
    ),
    entry!(
        &["GPL-3.0-only", "GPL-3.0-or-later"],
        Gpl3Only,
        "GPL version 3: QGIS's \"or later\" lets the combination be distributed under GPLv3",
        "#GNUGPLv3"
    ),
    entry!(
        &[
            "LGPL-2.1-only",
            "LGPL-2.1-or-later",
            "LGPL-2.0-only",
            "LGPL-2.0-or-later"
        ],
        Compatible,
        "the LGPL version 2 or 2.1 permits distribution under the GPL",
        "#LGPLv2.1"
    ),
    entry!(
        &["LGPL-3.0-only", "LGPL-3.0-or-later"],
        Gpl3Only,
        "the LGPL version 3 is GPLv3 with extra permissions: compatible with GPLv3",
        "#LGPLv3"
    ),
    entry!(
        &["AGPL-3.0-only", "AGPL-3.0-or-later"],
        Gpl3Only,
        "the GNU AGPLv3 may be combined with GPLv3 code (section 13 of each); the network \
         clause then applies to the AGPL part",
        "#AGPLv3.0"
    ),
    entry!(
        &["Apache-2.0"],
        Gpl3Only,
        "Apache-2.0 is compatible with GPLv3 but not with GPLv2 (its patent termination and \
         indemnification clauses): fine for a module that uses QGIS, distributed as GPLv3",
        "#apache2"
    ),
    entry!(
        &["MIT", "MIT-0", "X11"],
        Compatible,
        "a lax permissive licence (the Expat/X11 licence)",
        "#Expat, #X11License"
    ),
    entry!(
        &["BSD-2-Clause", "BSD-2-Clause-FreeBSD"],
        Compatible,
        "a lax permissive licence (FreeBSD)",
        "#FreeBSD"
    ),
    entry!(
        &["BSD-3-Clause", "BSD-3-Clause-Clear"],
        Compatible,
        "a lax permissive licence (modified BSD)",
        "#ModifiedBSD, #clearbsd"
    ),
    entry!(
        &["BSD-4-Clause"],
        Incompatible,
        "the original BSD licence's advertising clause conflicts with the GPL",
        "#OriginalBSD"
    ),
    entry!(
        &["0BSD", "ISC"],
        Compatible,
        "a lax permissive licence",
        "#ISC"
    ),
    entry!(
        &["Unlicense", "CC0-1.0"],
        Compatible,
        "a public-domain dedication with a permissive fallback",
        "#Unlicense, #CC0"
    ),
    entry!(
        &[
            "Zlib",
            "BSL-1.0",
            "WTFPL",
            "NCSA",
            "Python-2.0",
            "PSF-2.0",
            "Artistic-2.0",
            "HPND"
        ],
        Compatible,
        "a permissive licence the FSF lists as GPL-compatible",
        "#ZLib, #boost, #WTFPL, #NCSA, #Python, #ArtisticLicense2, #HPND"
    ),
    entry!(
        &["MPL-2.0"],
        Compatible,
        "MPL-2.0 allows distribution under the GPL version 2 or later (section 3.3), unless the \
         file is marked \"Incompatible With Secondary Licenses\"",
        "#MPL-2.0"
    ),
    entry!(
        &["MPL-2.0-no-copyleft-exception", "MPL-1.1", "MPL-1.0"],
        Incompatible,
        "MPL 1.x, and MPL-2.0 marked \"Incompatible With Secondary Licenses\", cannot be \
         combined with GPL code",
        "#MPL, #MPL-2.0"
    ),
    entry!(
        &["EUPL-1.2"],
        Compatible,
        "the EUPL 1.2 lists the GPL version 2 and 3 among its compatible licences",
        "#EUPL-1.2"
    ),
    entry!(
        &["EPL-1.0", "EPL-2.0", "CDDL-1.0", "CDDL-1.1", "CPL-1.0"],
        Incompatible,
        "a weak copyleft licence the FSF lists as GPL-incompatible (EPL-2.0 only becomes \
         compatible where the author names the GPL as a Secondary License)",
        "#EPL, #EPL2, #CDDL, #CommonPublicLicense10"
    ),
    entry!(
        &["OpenSSL", "JSON", "PHP-3.01", "Apache-1.1", "Apache-1.0"],
        Incompatible,
        "a licence the FSF lists as GPL-incompatible",
        "#OpenSSL, #JSON, #PHP-3.01, #apache1.1, #apache1"
    ),
    entry!(
        &["CC-BY-4.0", "CC-BY-3.0"],
        Compatible,
        "Creative Commons Attribution (version 4.0 is listed as compatible with the GPL; it is \
         meant for works other than software)",
        "#ccby"
    ),
    entry!(
        &["CC-BY-SA-4.0"],
        Gpl3Only,
        "Creative Commons Attribution-ShareAlike 4.0 is one-way compatible with GPLv3",
        "#ccbysa"
    ),
    entry!(
        &[
            "CC-BY-NC-4.0",
            "CC-BY-NC-3.0",
            "CC-BY-NC-2.0",
            "CC-BY-NC-SA-4.0",
            "CC-BY-NC-SA-3.0",
            "CC-BY-NC-SA-2.0",
            "CC-BY-NC-ND-4.0",
            "CC-BY-NC-ND-3.0",
            "LicenseRef-CC-BY-NC",
            "LicenseRef-CC-BY-NC-SA",
            "LicenseRef-CC-BY-NC-ND",
        ],
        Incompatible,
        "a non-commercial clause forbids what the GPL permits (any use, including commercial)",
        "#CC-BY-NC"
    ),
    entry!(
        &[
            "CC-BY-ND-4.0",
            "CC-BY-ND-3.0",
            "LicenseRef-CC-BY-ND",
            "CC-BY-SA-3.0",
            "LicenseRef-CC-BY-SA",
        ],
        Incompatible,
        "no-derivatives terms forbid modification; CC BY-SA before 4.0 is not GPL-compatible",
        "#ccbynd, #ccbysa"
    ),
    entry!(
        &[PROPRIETARY],
        Incompatible,
        "proprietary terms (an end-user licence agreement, copying prohibited) forbid what the \
         GPL requires: the source, modification and redistribution",
        "#NonFreeSoftwareLicenses"
    ),
];

/// The table's entry for one SPDX id (exceptions, `WITH ...`, add permissions only and do not
/// change the answer).
pub fn entry(id: &str) -> Option<&'static Entry> {
    let id = id.split(" WITH ").next().unwrap_or(id).trim();
    TABLE.iter().find(|e| e.ids.contains(&id))
}

/// Compatibility of a canonical SPDX expression, with the reason: `OR` takes the best choice
/// (the licensee picks), `AND` the worst (all terms apply).
pub fn classify(expression: &str) -> (Compatibility, String) {
    let rank = |c: Compatibility| match c {
        Compatibility::Incompatible => 0,
        Compatibility::Unknown => 1,
        Compatibility::Gpl3Only => 2,
        Compatibility::Compatible => 3,
    };
    let terms = split_terms(expression);
    let mut best: Option<(Compatibility, String)> = None;
    for alternative in terms {
        // Every licence of an AND must allow it.
        let mut worst: Option<(Compatibility, String)> = None;
        for id in alternative {
            let (compat, why) = match entry(&id) {
                Some(e) => (
                    e.compatibility,
                    format!("{id}: {} ({}, {FSF})", e.note, e.source),
                ),
                None => (
                    Compatibility::Unknown,
                    format!("{id}: not in the compatibility table; a human decides"),
                ),
            };
            if worst.as_ref().is_none_or(|(w, _)| rank(compat) < rank(*w)) {
                worst = Some((compat, why));
            }
        }
        if let Some(worst) = worst {
            if best.as_ref().is_none_or(|(b, _)| rank(worst.0) > rank(*b)) {
                best = Some(worst);
            }
        }
    }
    best.unwrap_or((Compatibility::Unknown, "no licence".to_owned()))
}

/// The expression in disjunctive normal form: alternatives of licences that apply together.
/// Canonical expressions only (as `notice::canonical_expression` writes them); anything else is
/// one alternative of one term.
fn split_terms(expression: &str) -> Vec<Vec<String>> {
    // `(A OR B) AND C` -> [[A, C], [B, C]].
    fn parse(tokens: &[String], pos: &mut usize) -> Vec<Vec<String>> {
        let mut alternatives = parse_and(tokens, pos);
        while tokens.get(*pos).map(String::as_str) == Some("OR") {
            *pos += 1;
            alternatives.extend(parse_and(tokens, pos));
        }
        alternatives
    }
    fn parse_and(tokens: &[String], pos: &mut usize) -> Vec<Vec<String>> {
        let mut result = parse_atom(tokens, pos);
        while tokens.get(*pos).map(String::as_str) == Some("AND") {
            *pos += 1;
            let right = parse_atom(tokens, pos);
            let mut product = Vec::new();
            for left in &result {
                for r in &right {
                    let mut both = left.clone();
                    both.extend(r.iter().cloned());
                    product.push(both);
                }
            }
            // A pathological expression cannot grow without bound.
            product.truncate(64);
            result = product;
        }
        result
    }
    fn parse_atom(tokens: &[String], pos: &mut usize) -> Vec<Vec<String>> {
        match tokens.get(*pos).map(String::as_str) {
            Some("(") => {
                *pos += 1;
                let inner = parse(tokens, pos);
                if tokens.get(*pos).map(String::as_str) == Some(")") {
                    *pos += 1;
                }
                inner
            }
            Some(_) => {
                let mut id = tokens[*pos].clone();
                *pos += 1;
                if tokens.get(*pos).map(String::as_str) == Some("WITH") {
                    if let Some(exception) = tokens.get(*pos + 1) {
                        id = format!("{id} WITH {exception}");
                    }
                    *pos += 2;
                }
                vec![vec![id]]
            }
            None => vec![],
        }
    }
    let spaced = expression.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<String> = spaced.split_whitespace().map(str::to_owned).collect();
    let mut pos = 0;
    let result = parse(&tokens, &mut pos);
    if result.is_empty() {
        vec![vec![expression.to_owned()]]
    } else {
        result
    }
}

/// The licence family of an id, for comparing a licence file with `metadata.txt` (`GPL-2.0`
/// for `GPL-2.0-only` and `GPL-2.0-or-later`).
pub fn family(id: &str) -> &str {
    id.trim_end_matches('+')
        .trim_end_matches("-only")
        .trim_end_matches("-or-later")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for entry in TABLE {
            for id in entry.ids {
                assert!(seen.insert(*id), "{id} twice");
                assert!(
                    id.starts_with("LicenseRef-") || spdx::license_id(id).is_some(),
                    "{id} is not an SPDX id"
                );
            }
        }
    }

    #[test]
    fn the_subtleties_a_maintainer_expects() {
        use Compatibility::*;
        for (expression, expected) in [
            ("GPL-2.0-or-later", Compatible),
            ("GPL-2.0-only", Compatible),
            ("GPL-3.0-only", Gpl3Only),
            ("Apache-2.0", Gpl3Only),
            ("LGPL-2.1-or-later", Compatible),
            ("LGPL-3.0-only", Gpl3Only),
            ("MPL-2.0", Compatible),
            ("MPL-2.0-no-copyleft-exception", Incompatible),
            ("MIT", Compatible),
            ("CC-BY-NC-4.0", Incompatible),
            (PROPRIETARY, Incompatible),
            ("MIT OR CC-BY-NC-4.0", Compatible),
            ("MIT AND CC-BY-NC-4.0", Incompatible),
            ("(MIT OR Apache-2.0) AND BSD-3-Clause", Compatible),
            ("GPL-2.0-or-later WITH Classpath-exception-2.0", Compatible),
            ("Elastic-2.0", Unknown),
        ] {
            assert_eq!(classify(expression).0, expected, "{expression}");
        }
        assert!(classify("Apache-2.0").1.contains("#apache2"));
    }
}
