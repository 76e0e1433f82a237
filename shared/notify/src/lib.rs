//! PLACEHOLDER until the notify branch lands (replaced wholesale on merge).
use validator_domain::{Report, Scan};

#[derive(Debug, Clone)]
pub struct EmailSettings {
    pub website_url: String,
    pub expected_minutes: u32,
    pub approvers: Vec<String>,
}
impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            website_url: "https://plugins.qgis.org".into(),
            expected_minutes: 5,
            approvers: vec![],
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    Confirmation,
    Results,
    ApproversReview,
}
impl EmailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::Results => "results",
            Self::ApproversReview => "approvers_review",
        }
    }
}
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Email {
    pub kind: EmailKind,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("template: {0}")]
    Template(String),
}
pub fn confirmation_email(scan: &Scan, _: &EmailSettings) -> Result<Email, NotifyError> {
    Ok(Email {
        kind: EmailKind::Confirmation,
        to: scan.upload.maintainers.clone(),
        subject: format!("{} received", scan.display_name()),
        text: "validating".into(),
        html: "<p>validating</p>".into(),
    })
}
pub fn results_email(
    scan: &Scan,
    report: &Report,
    _: &EmailSettings,
) -> Result<Email, NotifyError> {
    Ok(Email {
        kind: EmailKind::Results,
        to: scan.upload.maintainers.clone(),
        subject: format!("{} {}", scan.display_name(), report.status),
        text: report.to_text(),
        html: "<p>results</p>".into(),
    })
}
pub fn approvers_email(
    _: &Scan,
    report: &Report,
    s: &EmailSettings,
) -> Result<Option<Email>, NotifyError> {
    Ok((report.status == validator_domain::ScanStatus::Validated
        && !report.auto_approved
        && !s.approvers.is_empty())
    .then(|| Email {
        kind: EmailKind::ApproversReview,
        to: s.approvers.clone(),
        subject: "review".into(),
        text: "review".into(),
        html: "<p>review</p>".into(),
    }))
}
