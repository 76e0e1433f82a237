//! PLACEHOLDER until the package-checks branch lands (replaced wholesale on merge).
use validator_domain::{Check, CheckContext, CheckError, Finding, Level, RuleInfo, Severity};

pub struct PackageStructureCheck;
pub struct FilePermissionsCheck;
pub struct SuspiciousFilesCheck;

static PKG: [RuleInfo; 2] = [
    RuleInfo {
        id: "PKG001",
        title: "archive refused",
        severity: Severity::High,
        level: Level::Critical,
        mandatory: true,
        remediation: "fix",
    },
    RuleInfo {
        id: "PKG005",
        title: "no LICENSE",
        severity: Severity::High,
        level: Level::Critical,
        mandatory: true,
        remediation: "add LICENSE",
    },
];

pub fn intake_finding(err: &validator_archive::ArchiveError) -> Finding {
    Finding::new("package_structure", &PKG[0], "", err.to_string())
}

impl Check for PackageStructureCheck {
    fn id(&self) -> &'static str {
        "package_structure"
    }
    fn title(&self) -> &'static str {
        "Package structure"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &PKG
    }
    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        let top = ctx.package.top_folder.clone().unwrap_or_default();
        Ok(if ctx.archive.entry(&format!("{top}/LICENSE")).is_none() {
            vec![Finding::new(
                "package_structure",
                &PKG[1],
                top,
                "no LICENSE",
            )]
        } else {
            vec![]
        })
    }
}
impl Check for FilePermissionsCheck {
    fn id(&self) -> &'static str {
        "file_permissions"
    }
    fn title(&self) -> &'static str {
        "File permissions"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &[]
    }
    fn run(&self, _: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        Ok(vec![])
    }
}
impl Check for SuspiciousFilesCheck {
    fn id(&self) -> &'static str {
        "suspicious_files"
    }
    fn title(&self) -> &'static str {
        "Suspicious files"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &[]
    }
    fn run(&self, _: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        Ok(vec![])
    }
}
