//! Collects a check's findings, dropping those of rules that do not run.

use validator_domain::{CheckContext, Finding, RuleInfo};

pub(crate) struct Findings<'a> {
    check: &'static str,
    enabled: &'a (dyn Fn(&str) -> bool + Sync),
    list: Vec<Finding>,
}

impl<'a> Findings<'a> {
    pub(crate) fn new(check: &'static str, ctx: &'a CheckContext<'_>) -> Self {
        Self::with_filter(check, ctx.rule_enabled)
    }

    pub(crate) fn with_filter(
        check: &'static str,
        enabled: &'a (dyn Fn(&str) -> bool + Sync),
    ) -> Self {
        Self {
            check,
            enabled,
            list: Vec::new(),
        }
    }

    /// Whether the rule runs under the selected rule set (work for it can be skipped otherwise).
    pub(crate) fn on(&self, rule: &RuleInfo) -> bool {
        (self.enabled)(rule.id)
    }

    pub(crate) fn push(
        &mut self,
        rule: &RuleInfo,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        if self.on(rule) {
            self.list
                .push(Finding::new(self.check, rule, path, message));
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Finding> {
        self.list
    }
}
