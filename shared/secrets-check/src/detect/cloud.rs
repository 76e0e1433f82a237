//! Cloud provider credentials: AWS, Azure Storage, IBM Cloud IAM, IBM COS HMAC, SoftLayer and
//! Cloudant. Several use detect-secrets' `build_assignment_regex` shape:
//! `<prefix>(-|_|)<keyword> <assignment> <secret>` with optional quotes and brackets.

use super::{Anchor, DetectorSpec};
use crate::rules;

/// `RegexBasedDetector.build_assignment_regex`, case-insensitive. Python's
/// `(?:(?<=\W)|(?<=^))` is `(?<!\w)`.
macro_rules! assignment {
    ($prefix:literal, $keyword:literal, $secret:literal) => {
        concat!(
            r#"(?i)(?<!\w)(?:\[|)(?:"|'|)"#,
            $prefix,
            r"(?:_|-|)",
            $keyword,
            r#"(?:"|'|)(?:\]|)(?: *)(?:=|:|:=|=>| +|::)(?: *)(?:"|'|)"#,
            $secret,
            r#"(?:"|'|)"#
        )
    };
}

pub(crate) const AWS: DetectorSpec = DetectorSpec::regex(
    &rules::AWS,
    Anchor::Literals {
        exact: &["A3T", "ABIA", "ACCA", "AKIA", "ASIA"],
        any_case: &["aws"],
        confirm: None,
    },
    &[
        r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}",
        r#"(?i)aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?['"]([0-9a-zA-Z/+]{40})['"]"#,
    ],
);

pub(crate) const AZURE_STORAGE: DetectorSpec = DetectorSpec::regex(
    &rules::AZURE_STORAGE,
    Anchor::Literals {
        exact: &["AccountKey="],
        any_case: &[],
        confirm: None,
    },
    &[r"AccountKey=[a-zA-Z0-9+/=]{88}"],
);

pub(crate) const CLOUDANT: DetectorSpec = DetectorSpec::regex(
    &rules::CLOUDANT,
    Anchor::Literals {
        exact: &[],
        any_case: &["key", "pw", "pass", "token", "cloudant.com"],
        confirm: Some(r"(?i)cl(?:oudant|ou)?[_\-]?(?:api)?(?:key|pw|pass|token)|cloudant\.com"),
    },
    &[
        assignment!(
            r"(?:cloudant|cl|clou)",
            r"(?:api|)(?:key|pwd|pw|password|pass|token)",
            r"([0-9a-f]{64})"
        ),
        assignment!(
            r"(?:cloudant|cl|clou)",
            r"(?:api|)(?:key|pwd|pw|password|pass|token)",
            r"([a-z]{24})"
        ),
        r"(?i)(?:https?://)[\w\-]+:([0-9a-f]{64})@[\w\-]+\.cloudant\.com",
        r"(?i)(?:https?://)[\w\-]+:([a-z]{24})@[\w\-]+\.cloudant\.com",
    ],
);

pub(crate) const IBM_CLOUD_IAM: DetectorSpec = DetectorSpec::regex(
    &rules::IBM_CLOUD_IAM,
    Anchor::Literals {
        exact: &[],
        any_case: &["key", "pwd", "pass", "token"],
        confirm: Some(r"(?i)(?:key|pwd|pass|token).*[a-zA-Z0-9_\-]{44}"),
    },
    &[assignment!(
        r"(?:ibm(?:_|-|)cloud(?:_|-|)iam|cloud(?:_|-|)iam|ibm(?:_|-|)cloud|ibm(?:_|-|)iam|ibm|iam|cloud|)(?:_|-|)(?:api|)",
        r"(?:key|pwd|password|pass|token)",
        r"([a-zA-Z0-9_\-]{44}(?![a-zA-Z0-9_\-]))"
    )],
);

pub(crate) const IBM_COS_HMAC: DetectorSpec = DetectorSpec::regex(
    &rules::IBM_COS_HMAC,
    Anchor::Literals {
        exact: &[],
        any_case: &["secret"],
        confirm: Some(r"(?i)secret[_\-]?(?:access)?[_\-]?key.*[a-f0-9]{48}"),
    },
    &[assignment!(
        r"(?:(?:ibm)?[-_]?cos[-_]?(?:hmac)?|)",
        r"(?:secret[-_]?(?:access)?[-_]?key)",
        r"([a-f0-9]{48}(?![a-f0-9]))"
    )],
);

pub(crate) const SOFTLAYER: DetectorSpec = DetectorSpec::regex(
    &rules::SOFTLAYER,
    Anchor::Literals {
        exact: &[],
        any_case: &["key", "pwd", "pass", "token", "softlayer.com"],
        confirm: Some(
            r"(?i)(?:softlayer|sl)[_\-]?(?:api)?[_\-]?(?:key|pwd|pass|token)|api.softlayer.com",
        ),
    },
    &[
        assignment!(
            r"(?:softlayer|sl)(?:_|-|)(?:api|)",
            r"(?:key|pwd|password|pass|token)",
            r"([a-z0-9]{64})"
        ),
        r"(?i)(?:http|https)://api.softlayer.com/soap/(?:v3|v3.1)/([a-z0-9]{64})",
    ],
);
