//! Service tokens recognised by their own shape: Artifactory, Discord, GitHub, GitLab,
//! Mailchimp, npm, OpenAI, PyPI, SendGrid, Slack, Square, Stripe, Telegram and Twilio.
//! Patterns are detect-secrets 1.5.0's, in Rust syntax.

use super::{Anchor, DetectorSpec};
use crate::rules;

pub(crate) const ARTIFACTORY: DetectorSpec = DetectorSpec::regex(
    &rules::ARTIFACTORY,
    Anchor::Literals {
        exact: &["AKC", "AP"],
        any_case: &[],
        confirm: Some(r"AKC[a-zA-Z0-9]{10}|AP[\dABCDEF][a-zA-Z0-9]{8}"),
    },
    &[
        r#"(?:\s|=|:|"|^)AKC[a-zA-Z0-9]{10,}(?:\s|"|$)"#,
        r#"(?:\s|=|:|"|^)AP[\dABCDEF][a-zA-Z0-9]{8,}(?:\s|"|$)"#,
    ],
);

pub(crate) const DISCORD: DetectorSpec = DetectorSpec::regex(
    &rules::DISCORD,
    // The tail of the token; starting with `[MNO]` makes the scan several times slower.
    Anchor::Pattern {
        pattern: r"\.[a-zA-Z\d_\-]{6}\.[a-zA-Z\d_\-]{27}",
        ascii_form: true,
    },
    &[r"[MNO][a-zA-Z\d_\-]{23,25}\.[a-zA-Z\d_\-]{6}\.[a-zA-Z\d_\-]{27}"],
);

pub(crate) const GITHUB: DetectorSpec = DetectorSpec::regex(
    &rules::GITHUB,
    Anchor::Literals {
        exact: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        any_case: &[],
        confirm: None,
    },
    &[r"(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}"],
);

pub(crate) const GITLAB: DetectorSpec = DetectorSpec::regex(
    &rules::GITLAB,
    Anchor::Literals {
        exact: &[
            "glpat-",
            "gldt-",
            "glft-",
            "glsoat-",
            "glrt-",
            "GR1348941",
            "glcbt-",
            "glimt-",
            "glptt-",
            "glagent-",
            "gloas-",
        ],
        any_case: &[],
        confirm: None,
    },
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

pub(crate) const MAILCHIMP: DetectorSpec = DetectorSpec::regex(
    &rules::MAILCHIMP,
    Anchor::Pattern {
        pattern: r"[0-9a-z]{32}-us[0-9]",
        ascii_form: false,
    },
    &[r"[0-9a-z]{32}-us[0-9]{1,2}"],
);

pub(crate) const NPM: DetectorSpec = DetectorSpec::regex(
    &rules::NPM,
    Anchor::Literals {
        exact: &["/:_authToken="],
        any_case: &[],
        confirm: None,
    },
    &[r"//.+/:_authToken=\s*((npm_.+)|([A-Fa-f0-9\-]{36})).*"],
);

pub(crate) const OPENAI: DetectorSpec = DetectorSpec::regex(
    &rules::OPENAI,
    Anchor::Literals {
        exact: &["T3BlbkFJ"],
        any_case: &[],
        confirm: None,
    },
    &[r"sk-[A-Za-z0-9\-_]*[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"],
);

pub(crate) const PYPI: DetectorSpec = DetectorSpec::regex(
    &rules::PYPI,
    Anchor::Literals {
        exact: &["pypi-AgE"],
        any_case: &[],
        confirm: None,
    },
    &[
        r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9\-_]{70,}",
        r"pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9\-_]{70,}",
    ],
);

pub(crate) const SENDGRID: DetectorSpec = DetectorSpec::regex(
    &rules::SENDGRID,
    Anchor::Literals {
        exact: &["SG."],
        any_case: &[],
        confirm: None,
    },
    &[r"SG\.[a-zA-Z0-9_\-]{22}\.[a-zA-Z0-9_\-]{43}"],
);

pub(crate) const SLACK: DetectorSpec = DetectorSpec::regex(
    &rules::SLACK,
    Anchor::Literals {
        exact: &[],
        any_case: &["xox", "hooks.slack.com"],
        confirm: None,
    },
    &[
        r"(?i)xox(?:a|b|p|o|s|r)-(?:\d+-)+[a-z0-9]+",
        r"(?i)https://hooks\.slack\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+",
    ],
);

pub(crate) const SQUARE_OAUTH: DetectorSpec = DetectorSpec::regex(
    &rules::SQUARE_OAUTH,
    Anchor::Literals {
        exact: &["sq0csp-"],
        any_case: &[],
        confirm: None,
    },
    &[r"sq0csp-[0-9A-Za-z\\\-_]{43}"],
);

pub(crate) const STRIPE: DetectorSpec = DetectorSpec::regex(
    &rules::STRIPE,
    Anchor::Literals {
        exact: &["k_live_"],
        any_case: &[],
        confirm: None,
    },
    &[r"(?:r|s)k_live_[0-9a-zA-Z]{24}"],
);

pub(crate) const TELEGRAM: DetectorSpec = DetectorSpec::regex(
    &rules::TELEGRAM,
    Anchor::Pattern {
        pattern: r"\d{8}:[0-9A-Za-z_\-]{35}",
        ascii_form: true,
    },
    &[r"\d{8,10}:[0-9A-Za-z_\-]{35}"],
);

pub(crate) const TWILIO: DetectorSpec = DetectorSpec::regex(
    &rules::TWILIO,
    Anchor::Pattern {
        pattern: r"(?:AC|SK)[a-z0-9]{32}",
        ascii_form: false,
    },
    &[r"AC[a-z0-9]{32}", r"SK[a-z0-9]{32}"],
);
