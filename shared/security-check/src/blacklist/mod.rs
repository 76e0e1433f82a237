//! Bandit's blacklists: calls (B301-B323) and imports (B401-B415), with Bandit's generic
//! `blacklist` test that reports the first matching entry of a node.

pub(crate) mod calls;
pub(crate) mod imports;

use validator_domain::Confidence;

use crate::context::Issue;
use crate::rules::Rule;

/// One blacklist entry (`build_conf_dict`); its name, id and severity are its rule's.
pub(crate) struct Entry {
    pub(crate) rule: Rule,
    pub(crate) qualnames: &'static [&'static str],
    pub(crate) message: &'static str,
}

impl Entry {
    /// `report_issue`: confidence is always high, `{name}` is the matched name.
    pub(crate) fn report(&self, name: &str) -> Issue {
        Issue::new(
            self.rule,
            self.rule.info().severity,
            Confidence::High,
            self.message.replace("{name}", name),
        )
    }
}
