//! Identifying a licence text against the SPDX licence list with the `spdx` crate's detector
//! (askalono's n-gram similarity, with the licence data the crate embeds).
//!
//! Two tiers, because loading the detector's data for the whole list costs about 150 ms per
//! process (a typical scan takes tens of milliseconds): the texts plugins commonly ship
//! (written by `build.rs` from the same data) are tried first, and the whole list only when
//! none of them scores [`FIRST_TIER_ACCEPT`]. Each tier is loaded once per process.

use std::sync::{LazyLock, OnceLock};

use spdx::detection::{LicenseType, Store, TextData};
use validator_domain::Confidence1000;

/// The first tier's data, one store per licence with the words that pick it (see `build.rs`).
mod first_tier {
    include!(concat!(env!("OUT_DIR"), "/common_licences.rs"));
}
use first_tier::COMMON;

/// A first-tier score at least this high is taken without consulting the whole list.
pub const FIRST_TIER_ACCEPT: f32 = 0.9;

/// What a text is, as far as the detector can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMatch {
    /// The closest licence of the list (an SPDX id), identified or not.
    pub closest: Option<String>,
    pub confidence: Confidence1000,
    /// The text matched the licence's standard header (the notice), not its full text.
    pub header: bool,
}

impl TextMatch {
    /// The SPDX id when the score reaches `min_confidence`.
    pub fn identified(&self, min_confidence: Confidence1000) -> Option<&str> {
        self.closest
            .as_deref()
            .filter(|_| self.confidence >= min_confidence)
    }
}

/// The first tier's store of `COMMON[index]`, loaded on first use.
fn common_store(index: usize) -> Option<&'static Store> {
    static STORES: LazyLock<Vec<OnceLock<Option<Store>>>> =
        LazyLock::new(|| COMMON.iter().map(|_| OnceLock::new()).collect());
    let (name, _, data) = COMMON.get(index)?;
    STORES.get(index)?
        .get_or_init(|| {
            Store::from_cache(*data)
                .map_err(|e| tracing::error!(error = %e, licence = name, "a common licence's data is unreadable"))
                .ok()
        })
        .as_ref()
}

fn full_store() -> Option<&'static Store> {
    static STORE: OnceLock<Option<Store>> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let _span = tracing::info_span!("load the SPDX licence list").entered();
            Store::load_inline()
                .map_err(|e| tracing::error!(error = %e, "the SPDX licence data is unreadable"))
                .ok()
        })
        .as_ref()
}

/// The SPDX id a detector name stands for. The GNU texts are stored under `-or-later` (and
/// deprecated `+`) names, but the full text of the GPL says which version it is, not whether
/// the work may be used under later versions: a licence file alone is `-only`; a matching
/// standard header ("either version 2 of the License, or (at your option) any later version")
/// keeps `-or-later`.
pub fn canonical_id(name: &str, header: bool) -> String {
    let gnu = ["GPL-", "LGPL-", "AGPL-"]
        .iter()
        .any(|family| name.starts_with(family));
    if !gnu {
        return name.to_owned();
    }
    let base = name
        .trim_end_matches('+')
        .trim_end_matches("-or-later")
        .trim_end_matches("-only");
    if base.contains("-with-") {
        return name.to_owned();
    }
    if header {
        format!("{base}-or-later")
    } else {
        format!("{base}-only")
    }
}

/// A text prepared for matching (normalised and cut into n-grams once), with its words in
/// lower case and single spaces for choosing the licences to compare it with.
pub struct Prepared {
    data: TextData,
    words: String,
}

pub fn prepare(text: &str) -> Prepared {
    Prepared {
        data: TextData::new(text),
        words: text
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn best_of(store: Option<&Store>, text: &Prepared) -> Option<(f32, String, bool)> {
    let m = store?.analyze(&text.data);
    Some((
        m.score,
        m.name.to_owned(),
        m.license_type == LicenseType::Header,
    ))
}

fn to_match(best: Option<(f32, String, bool)>) -> TextMatch {
    match best {
        Some((score, name, header)) => TextMatch {
            closest: Some(canonical_id(&name, header)),
            confidence: Confidence1000::from_score(score),
            header,
        },
        None => TextMatch {
            closest: None,
            confidence: Confidence1000(0),
            header: false,
        },
    }
}

/// The best match among the common licences (the first tier): those whose words the text has
/// first, and every one of them when none of those is accepted.
pub fn common(text: &Prepared) -> TextMatch {
    let (picked, others): (Vec<usize>, Vec<usize>) =
        (0..COMMON.len()).partition(|&i| COMMON[i].1.iter().any(|word| text.words.contains(word)));
    let scored = |indices: Vec<usize>| -> Vec<(usize, (f32, String, bool))> {
        indices
            .into_iter()
            .filter_map(|i| Some((i, best_of(common_store(i), text)?)))
            .collect()
    };
    // The best score; among equal scores the later licence, as one pass over the list gives.
    let best = |found: &[(usize, (f32, String, bool))]| {
        found
            .iter()
            .max_by(|(i, a), (j, b)| a.0.total_cmp(&b.0).then(i.cmp(j)))
            .cloned()
    };
    let mut found = scored(picked);
    if let Some((_, accepted)) = best(&found).filter(|(_, m)| m.0 >= FIRST_TIER_ACCEPT) {
        return to_match(Some(accepted));
    }
    // None accepted: the others too, each licence compared once.
    found.extend(scored(others));
    to_match(best(&found).map(|(_, m)| m))
}

/// Whether a first-tier match is good enough to stop there.
pub fn accepted(found: &TextMatch) -> bool {
    found.confidence >= Confidence1000::from_score(FIRST_TIER_ACCEPT)
}

/// The best match on the whole SPDX list (loaded on first use), or `first` when it scores
/// higher.
pub fn full(text: &Prepared, first: TextMatch) -> TextMatch {
    let found = to_match(best_of(full_store(), text));
    if found.confidence > first.confidence {
        found
    } else {
        first
    }
}

/// Matches `text` against the licence list: the common licences first, the whole list when
/// none of them is close enough.
pub fn identify(text: &str) -> TextMatch {
    let prepared = prepare(text);
    let first = common(&prepared);
    if accepted(&first) {
        first
    } else {
        full(&prepared, first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gnu_names_say_only_for_texts_and_or_later_for_headers() {
        assert_eq!(canonical_id("GPL-2.0+", false), "GPL-2.0-only");
        assert_eq!(canonical_id("GPL-2.0-or-later", false), "GPL-2.0-only");
        assert_eq!(canonical_id("GPL-3.0-or-later", true), "GPL-3.0-or-later");
        assert_eq!(canonical_id("LGPL-2.1+", false), "LGPL-2.1-only");
        assert_eq!(canonical_id("MIT", false), "MIT");
        assert_eq!(
            canonical_id("GPL-2.0-with-classpath-exception", false),
            "GPL-2.0-with-classpath-exception"
        );
    }

    #[test]
    fn the_first_tier_loads_and_knows_the_common_licences() {
        assert!(COMMON.len() >= 20);
        for (index, (name, words, _)) in COMMON.iter().enumerate() {
            let store = common_store(index).unwrap_or_else(|| panic!("{name} loads"));
            assert_eq!(store.len(), 1, "{name}");
            assert!(!words.is_empty(), "{name} has words that pick it");
        }
    }
}
