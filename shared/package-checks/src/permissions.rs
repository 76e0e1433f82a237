//! `file_permissions`: the unix modes and symbolic links recorded in the zip, which unzip tools
//! restore when the plugin is installed. Entries zipped on Windows carry no mode and are fine.

use validator_archive::{Entry, EntryKind, PluginArchive};
use validator_domain::{Check, CheckContext, CheckError, Finding, Level, RuleInfo, Severity};

use crate::emit::Findings;
use crate::names::{shown, starts_with_drive};

const ID: &str = "file_permissions";

const PERM001: RuleInfo = RuleInfo {
    id: "PERM001",
    title: "Executable Python file",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: false,
    remediation: "QGIS imports plugin modules and never runs them directly, so they need no \
                  execute bit; one that has it was often copied from elsewhere or is meant to \
                  run as a script. Clear it before zipping: \
                  `find myplugin -name '*.py' -exec chmod a-x {} +`.",
};
const PERM002: RuleInfo = RuleInfo {
    id: "PERM002",
    title: "Setuid, setgid or sticky bit",
    severity: Severity::High,
    level: Level::Critical,
    mandatory: true,
    remediation: "A setuid or setgid file runs with the rights of its owner or group, which a \
                  plugin never needs and an attacker can abuse once an extractor restores the \
                  bit; the sticky bit has no use in a plugin either. Clear them before zipping: \
                  `chmod -R u-s,g-s,-t myplugin`.",
};
const PERM003: RuleInfo = RuleInfo {
    id: "PERM003",
    title: "World-writable file or folder",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: false,
    remediation: "Once extracted, a world-writable file or folder lets any user of the machine \
                  change the plugin and run code inside QGIS. Remove write permission for \
                  others before zipping: `chmod -R o-w myplugin`.",
};
const PERM004: RuleInfo = RuleInfo {
    id: "PERM004",
    title: "Symbolic link",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: false,
    remediation: "Symbolic links are not restored on Windows nor by every installer, so the \
                  plugin breaks there, and reviewers must follow them by hand. Replace the link \
                  with a copy of the file it points to (`zip` without `--symlinks` does that).",
};
const PERM005: RuleInfo = RuleInfo {
    id: "PERM005",
    title: "Symbolic link out of the plugin",
    severity: Severity::High,
    level: Level::Critical,
    mandatory: true,
    remediation: "A link that points out of the plugin folder makes the plugin read or \
                  overwrite files elsewhere on the user's machine once installed. Remove it and \
                  ship the file the plugin needs inside the plugin folder.",
};

const RULES: &[RuleInfo] = &[PERM001, PERM002, PERM003, PERM004, PERM005];

/// Setuid, setgid and sticky bits.
const SPECIAL_BITS: [(u32, &str); 3] = [(0o4000, "setuid"), (0o2000, "setgid"), (0o1000, "sticky")];

/// Unix permissions and symbolic links.
#[derive(Debug, Clone, Copy, Default)]
pub struct FilePermissionsCheck;

impl FilePermissionsCheck {
    pub const ID: &'static str = ID;
    pub const RULES: &'static [RuleInfo] = RULES;
}

impl Check for FilePermissionsCheck {
    fn id(&self) -> &'static str {
        ID
    }

    fn title(&self) -> &'static str {
        "File permissions"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        let mut out = Findings::new(ID, ctx);
        let links = out.on(&PERM004) || out.on(&PERM005);
        for entry in ctx.archive.entries() {
            if let Some(mode) = entry.unix_mode {
                let python = entry.extension().as_deref() == Some("py");
                mode_findings(&mut out, &entry.name, entry.kind, python, mode);
            }
            if links && entry.kind == EntryKind::Symlink {
                let root = ctx
                    .package
                    .top_folder
                    .as_deref()
                    .unwrap_or_else(|| entry.name.split('/').next().unwrap_or_default());
                link_finding(&mut out, ctx.archive, entry, root)?;
            }
        }
        Ok(out.into_vec())
    }
}

/// PERM001 to PERM003 for one entry with a unix mode; `python`: a `.py` name.
fn mode_findings(out: &mut Findings<'_>, name: &str, kind: EntryKind, python: bool, mode: u32) {
    let perms = mode & 0o7777;
    let special: Vec<&str> = SPECIAL_BITS
        .iter()
        .filter(|(bit, _)| mode & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    if !special.is_empty() {
        out.push(
            &PERM002,
            name,
            format!(
                "`{}` has the {} bit{} set (mode {perms:04o})",
                shown(name),
                special.join(" and "),
                if special.len() == 1 { "" } else { "s" }
            ),
        );
    }
    if kind == EntryKind::File && python && mode & 0o111 != 0 {
        out.push(
            &PERM001,
            name,
            format!("`{}` is executable (mode {perms:04o})", shown(name)),
        );
    }
    // A link's own mode is always 777 and means nothing; its target's mode is what counts.
    if kind != EntryKind::Symlink && mode & 0o002 != 0 {
        let what = if kind == EntryKind::Directory {
            "folder"
        } else {
            "file"
        };
        out.push(
            &PERM003,
            name,
            format!(
                "`{}` is a world-writable {what} (mode {perms:04o})",
                shown(name)
            ),
        );
    }
}

fn link_finding(
    out: &mut Findings<'_>,
    archive: &PluginArchive,
    entry: &Entry,
    root: &str,
) -> Result<(), CheckError> {
    let target = archive.symlink_target(entry)?;
    match escape(entry.path(), &target, root) {
        Some(how) => out.push(
            &PERM005,
            &entry.name,
            format!(
                "`{}` is a symbolic link to `{}`, {how}",
                shown(&entry.name),
                shown(&target)
            ),
        ),
        None => out.push(
            &PERM004,
            &entry.name,
            format!(
                "`{}` is a symbolic link to `{}` (inside the plugin)",
                shown(&entry.name),
                shown(&target)
            ),
        ),
    }
    Ok(())
}

/// How a link target leaves the plugin folder `root`, resolved lexically from the link's
/// folder, or `None` when it stays inside. Backslashes count as separators, as on Windows.
fn escape(link: &str, target: &str, root: &str) -> Option<&'static str> {
    if target.starts_with(['/', '\\']) || starts_with_drive(target) {
        return Some("an absolute path outside the plugin folder");
    }
    let mut folder: Vec<&str> = link.split('/').collect();
    folder.pop(); // the link itself
    for component in target.split(['/', '\\']) {
        match component {
            "" | "." => {}
            ".." => {
                if folder.pop().is_none() {
                    return Some("which climbs out of the plugin folder");
                }
            }
            other => folder.push(other),
        }
    }
    (folder.first() != Some(&root)).then_some("which points out of the plugin folder")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modes(name: &str, kind: EntryKind, mode: u32) -> Vec<Finding> {
        let enabled = |_: &str| true;
        let mut out = Findings::with_filter(ID, &enabled);
        mode_findings(&mut out, name, kind, name.ends_with(".py"), mode);
        out.into_vec()
    }

    /// The special bits cannot be tested end to end yet: the archive reader drops them (see the
    /// ignored `setuid_setgid_and_sticky` integration test), so the rule is tested here on modes.
    #[test]
    fn special_bits_on_any_entry() {
        let found = modes("demo/helper", EntryKind::File, 0o104755);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, PERM002.id);
        assert!(
            found[0].message.contains("setuid bit set (mode 4755)"),
            "{}",
            found[0].message
        );
        let found = modes("demo/shared/", EntryKind::Directory, 0o043775);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("setgid and sticky bits"),
            "{}",
            found[0].message
        );
        let found = modes("demo/run.py", EntryKind::File, 0o106777);
        let rules: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, [PERM002.id, PERM001.id, PERM003.id]);
        assert!(modes("demo/plugin.py", EntryKind::File, 0o100644).is_empty());
        assert!(modes("demo/link", EntryKind::Symlink, 0o120777).is_empty());
    }

    #[test]
    fn links_resolve_lexically_from_their_folder() {
        assert_eq!(escape("demo/link", "plugin.py", "demo"), None);
        assert_eq!(escape("demo/sub/link", "../plugin.py", "demo"), None);
        assert_eq!(escape("demo/sub/link", "..", "demo"), None);
        assert_eq!(escape("demo/link", "./a/../b", "demo"), None);
        assert_eq!(escape("demo/link", "../demo/b", "demo"), None);
        assert!(escape("demo/link", "..", "demo").is_some());
        assert!(escape("demo/link", "../other/x", "demo").is_some());
        assert!(escape("demo/link", "../../etc/passwd", "demo").is_some());
        assert!(escape("demo/sub/link", "..\\..\\..\\x", "demo").is_some());
        assert!(escape("demo/link", "/etc/passwd", "demo").is_some());
        assert!(escape("demo/link", "C:\\Windows", "demo").is_some());
    }
}
