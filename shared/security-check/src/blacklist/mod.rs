//! Bandit's blacklists: calls (B301-B323) and imports (B401-B415), with Bandit's generic
//! `blacklist` test that reports the first matching entry of a node.

pub(crate) mod calls;
pub(crate) mod imports;

use validator_domain::{Confidence, Severity};

use crate::context::Issue;

/// One blacklist entry (`build_conf_dict`).
pub(crate) struct Entry {
    pub(crate) name: &'static str,
    pub(crate) id: &'static str,
    pub(crate) qualnames: &'static [&'static str],
    pub(crate) message: &'static str,
    pub(crate) severity: Severity,
}

impl Entry {
    /// `report_issue`: confidence is always high, `{name}` is the matched name.
    pub(crate) fn report(&self, name: &str) -> Issue {
        Issue::new(
            self.id,
            self.severity,
            Confidence::High,
            self.message.replace("{name}", name),
        )
    }
}

/// Blacklist test names usable in `# nosec` comments, with their ids.
pub(crate) fn names() -> impl Iterator<Item = (&'static str, &'static str)> {
    calls::CALLS
        .iter()
        .chain(imports::IMPORTS)
        .map(|entry| (entry.name, entry.id))
}
