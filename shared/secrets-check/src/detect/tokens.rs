//! Service tokens recognised by their own shape: Artifactory, Discord, GitHub, GitLab,
//! Mailchimp, npm, OpenAI, PyPI, SendGrid, Slack, Square, Stripe, Telegram and Twilio.
//! Patterns are detect-secrets 1.5.0's, in Rust syntax.

use super::{Analyzer, DetectorSpec};
use crate::rules;

const fn regex(
    ty: &'static rules::SecretType,
    prefilter: &'static str,
    patterns: &'static [&'static str],
) -> DetectorSpec {
    DetectorSpec {
        ty,
        prefilter,
        analyzer: Analyzer::Regex {
            patterns,
            validate: None,
        },
    }
}

pub(crate) const ARTIFACTORY: DetectorSpec = regex(
    &rules::ARTIFACTORY,
    r"AKC[a-zA-Z0-9]{10}|AP[\dABCDEF][a-zA-Z0-9]{8}",
    &[
        r#"(?:\s|=|:|"|^)AKC[a-zA-Z0-9]{10,}(?:\s|"|$)"#,
        r#"(?:\s|=|:|"|^)AP[\dABCDEF][a-zA-Z0-9]{8,}(?:\s|"|$)"#,
    ],
);

pub(crate) const DISCORD: DetectorSpec = regex(
    &rules::DISCORD,
    r"[MNO][a-zA-Z\d_\-]{23,25}\.[a-zA-Z\d_\-]{6}\.[a-zA-Z\d_\-]{27}",
    &[r"[MNO][a-zA-Z\d_\-]{23,25}\.[a-zA-Z\d_\-]{6}\.[a-zA-Z\d_\-]{27}"],
);

pub(crate) const GITHUB: DetectorSpec = regex(
    &rules::GITHUB,
    r"gh[pousr]_[A-Za-z0-9_]{36}",
    &[r"(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}"],
);

pub(crate) const GITLAB: DetectorSpec = regex(
    &rules::GITLAB,
    r"gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-|GR1348941",
    &[
        r"(glpat|gldt|glft|glsoat|glrt)-[A-Za-z0-9_\-]{20,50}(?!\w)",
        r"GR1348941[A-Za-z0-9_\-]{20,50}(?!\w)",
        r"glcbt-([0-9a-fA-F]{2}_)?[A-Za-z0-9_\-]{20,50}(?!\w)",
        r"glimt-[A-Za-z0-9_\-]{25}(?!\w)",
        r"glptt-[A-Za-z0-9_\-]{40}(?!\w)",
        r"glagent-[A-Za-z0-9_\-]{50,1024}(?!\w)",
        r"gloas-[A-Za-z0-9_\-]{64}(?!\w)",
    ],
);

pub(crate) const MAILCHIMP: DetectorSpec = regex(
    &rules::MAILCHIMP,
    r"[0-9a-z]{32}-us[0-9]",
    &[r"[0-9a-z]{32}-us[0-9]{1,2}"],
);

pub(crate) const NPM: DetectorSpec = regex(
    &rules::NPM,
    r"/:_authToken=",
    &[r"//.+/:_authToken=\s*((npm_.+)|([A-Fa-f0-9\-]{36})).*"],
);

pub(crate) const OPENAI: DetectorSpec = regex(
    &rules::OPENAI,
    r"T3BlbkFJ",
    &[r"sk-[A-Za-z0-9\-_]*[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"],
);

pub(crate) const PYPI: DetectorSpec = regex(
    &rules::PYPI,
    r"pypi-AgE",
    &[
        r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9\-_]{70,}",
        r"pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9\-_]{70,}",
    ],
);

pub(crate) const SENDGRID: DetectorSpec = regex(
    &rules::SENDGRID,
    r"SG\.[a-zA-Z0-9_\-]{22}\.",
    &[r"SG\.[a-zA-Z0-9_\-]{22}\.[a-zA-Z0-9_\-]{43}"],
);

pub(crate) const SLACK: DetectorSpec = regex(
    &rules::SLACK,
    r"(?i)xox[abposr]-|hooks\.slack\.com",
    &[
        r"(?i)xox(?:a|b|p|o|s|r)-(?:\d+-)+[a-z0-9]+",
        r"(?i)https://hooks\.slack\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+",
    ],
);

pub(crate) const SQUARE_OAUTH: DetectorSpec = regex(
    &rules::SQUARE_OAUTH,
    r"sq0csp-",
    &[r"sq0csp-[0-9A-Za-z\\\-_]{43}"],
);

pub(crate) const STRIPE: DetectorSpec = regex(
    &rules::STRIPE,
    r"[rs]k_live_",
    &[r"(?:r|s)k_live_[0-9a-zA-Z]{24}"],
);

pub(crate) const TELEGRAM: DetectorSpec = regex(
    &rules::TELEGRAM,
    r"\d{8}:[0-9A-Za-z_\-]{35}",
    &[r"\d{8,10}:[0-9A-Za-z_\-]{35}"],
);

pub(crate) const TWILIO: DetectorSpec = regex(
    &rules::TWILIO,
    r"[AS][CK][a-z0-9]{32}",
    &[r"AC[a-z0-9]{32}", r"SK[a-z0-9]{32}"],
);
