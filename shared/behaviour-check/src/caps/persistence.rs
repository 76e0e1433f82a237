//! Places and commands that start code automatically, startup variables, and what command
//! lines do (run a shell, print stored credentials, only manage files).

use super::*;

/// A path or command that starts code automatically (lower-cased text).
pub fn persistence_target(lower: &str) -> Option<&'static str> {
    if let Some((_, what)) = PERSISTENCE_TARGETS.iter().find(|(p, _)| lower.contains(p)) {
        return Some(what);
    }
    persistence_pth(lower)
}

/// The sinks catalogue's `persistence` row a folded path matches (QGIS's processing scripts
/// and expression folders, autostart places, ...), leaving out the plugins folder (a write
/// there is the plugin's own or BHV006's) and paths with unknown parts in their folder.
pub fn persistence_path(path: &str) -> Option<&'static Entry> {
    if path.is_empty() || path.starts_with(crate::analyse::PLUGINS_DIR) {
        return None;
    }
    let folder = path.rsplit_once(['/', '\\']).map_or("", |(d, _)| d);
    if folder.contains('*') {
        return None;
    }
    Catalogue::builtin().path(path).iter().find(|e| {
        e.kind == Kind::Sink(SinkKind::Persistence) && !e.pattern.contains("<plugins-dir>")
    })
}

/// A program that sets the user's environment for good (the sinks catalogue's `environment`
/// path rows: `setx`, `launchctl setenv`) given a variable the runners catalogue says starts
/// code (`PYQGIS_STARTUP`, `PYTHONSTARTUP`, `QGIS_PLUGINPATH`): what that runner is.
pub fn startup_variable_set(program: &str, words: &[String]) -> Option<String> {
    let catalogue = Catalogue::builtin();
    let sets_environment = catalogue
        .path(program)
        .iter()
        .any(|e| e.kind == Kind::Sink(SinkKind::Environment));
    if !sets_environment {
        return None;
    }
    words.iter().skip(1).find_map(|word| startup_variable(word))
}

/// The environment variable `name` as evidence, when it runs code at start (the runners
/// catalogue's `env:` rows: `PYQGIS_STARTUP`, `PYTHONPATH`, ...).
fn startup_variable(name: &str) -> Option<String> {
    Catalogue::builtin()
        .env(name)
        .iter()
        .find(|e| matches!(e.kind, Kind::Runner(k) if k != RunnerKind::None))
        .map(|e| format!("{}: {}", e.pattern, entry_text(e)))
}

/// The variable that runs code at start (the runners catalogue's `env:` rows) a value of QGIS's
/// `qgis/customEnvVars` setting sets: its entries are `action|NAME=value` (`append|`,
/// `prepend|`, `overwrite|`, `unset|`), one string or a list of them.
pub fn startup_variable_in(value: &crate::value::Value) -> Option<String> {
    use crate::value::Value;
    let texts: Vec<String> = match value {
        Value::List(items) => items.iter().map(|i| i.text_or_star().0).collect(),
        other => vec![other.text_or_star().0],
    };
    texts.iter().find_map(|text| startup_variable_in_text(text))
}

/// The first `NAME=` in `text` (a folded value, or the source text of an expression that builds
/// one: `current + ["overwrite|PYQGIS_STARTUP=" + script]`) whose variable runs code at start.
pub fn startup_variable_in_text(text: &str) -> Option<String> {
    text.match_indices('=').find_map(|(at, _)| {
        let before = &text[..at];
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let name = &before[start..];
        if name.is_empty() {
            return None;
        }
        startup_variable(name)
    })
}

pub(super) const PERSISTENCE_TARGETS: &[(&str, &str)] = &[
    ("startup.py", "the QGIS startup script"),
    ("sitecustomize", "Python's sitecustomize"),
    ("usercustomize", "Python's usercustomize"),
    ("crontab", "crontab"),
    ("/etc/cron", "cron"),
    ("/var/spool/cron", "cron"),
    ("systemd/user", "a systemd unit"),
    ("/etc/systemd", "a systemd unit"),
    (".config/autostart", "a desktop autostart entry"),
    ("launchagents", "a macOS launch agent"),
    ("launchdaemons", "a macOS launch daemon"),
    // `osascript -e 'tell application "System Events" to make login item ...'` and the file
    // macOS keeps them in.
    ("make login item", "a macOS login item"),
    ("backgrounditems.btm", "a macOS login item"),
    ("currentversion\\run", "a Windows Run key"),
    ("currentversion/run", "a Windows Run key"),
    (
        "start menu\\programs\\startup",
        "the Windows Startup folder",
    ),
    ("start menu/programs/startup", "the Windows Startup folder"),
    ("schtasks", "a Windows scheduled task"),
    (".bashrc", "a shell startup file"),
    (".zshrc", "a shell startup file"),
    (".bash_profile", "a shell startup file"),
    ("/.profile", "a shell startup file"),
    ("~/.profile", "a shell startup file"),
];

fn persistence_pth(lower: &str) -> Option<&'static str> {
    let trimmed = lower.trim_end();
    // Installers write `.pth` files next to what they install; only one written into the
    // interpreter's own site-packages (or sys.path) runs at every Python start-up.
    let site = ["<site-packages>", "site-packages", "dist-packages"]
        .iter()
        .any(|s| trimmed.contains(s));
    if trimmed.ends_with(".pth") && site {
        return Some("a .pth file (run by Python at start-up)");
    }
    None
}

/// A command's program by its name: the last part of its path, lowercased, without `.exe`
/// (`C:\Windows\System32\cmd.exe` is `cmd`).
pub(crate) fn program_name(word: &str) -> String {
    let last = word.rsplit(['/', '\\']).next().unwrap_or(word);
    let lower = last.to_ascii_lowercase();
    match lower.strip_suffix(".exe") {
        Some(stem) => stem.to_owned(),
        None => lower,
    }
}

/// The command a shell is asked to run (`cmd /c X`, `sh -c "X"`, `powershell -Command X`), as
/// words; any other command line as it is.
pub fn shell_command(words: &[String]) -> Vec<&str> {
    let Some(first) = words.first() else {
        return Vec::new();
    };
    let program = program_name(first);
    let shell = program.as_str();
    let flag = words.get(1).map(|w| w.to_ascii_lowercase());
    let wrapped = matches!(
        (shell, flag.as_deref()),
        ("cmd", Some("/c" | "/k"))
            | ("sh" | "bash" | "dash" | "zsh", Some("-c"))
            | ("powershell" | "pwsh", Some("-c" | "-command"))
    );
    if wrapped {
        words[2..]
            .iter()
            .flat_map(|w| w.split_whitespace())
            .collect()
    } else {
        words.iter().map(String::as_str).collect()
    }
}

/// What a command line prints when its program prints stored credentials (the sources
/// catalogue's program rows with `words=`: `netsh wlan show profile key=clear`, `security
/// find-generic-password -w`), run directly or as a shell's one command.
pub fn credential_command(words: &[String]) -> Option<&'static str> {
    let command = shell_command(words);
    Catalogue::builtin()
        .command(&command)
        .iter()
        .find(|e| {
            matches!(
                e.kind,
                Kind::Source(SourceKind::Credential | SourceKind::SecretStore)
            )
        })
        .map(|e| &*e.note)
}

/// Whether a command line prints the whole environment (the sources catalogue's
/// `environment` program rows: `env`, `printenv`, cmd's `set`, PowerShell's `gci env:`), run
/// directly or as a shell's one command, with no operand but the provider (`env X=1 prog`
/// runs a program, `printenv HOME` prints one variable, `set X=1` sets one).
pub fn environment_command(words: &[String]) -> bool {
    let command = shell_command(words);
    let operands = command
        .iter()
        .skip(1)
        .filter(|w| !w.starts_with('-') && !w.eq_ignore_ascii_case("env:"))
        .count();
    operands == 0
        && Catalogue::builtin()
            .command(&command)
            .iter()
            .any(|e| e.kind == Kind::Source(SourceKind::Environment))
}

/// A command that only links, copies, moves, creates or deletes files (`cmd /c mklink /J
/// link target`, `ln -s`, `robocopy`), directly or as a shell's one command, with no second
/// command chained on (`&`, `|`, `;`, redirections, substitutions): it runs none of the files
/// it is given. Changing permissions (`chmod`, `icacls`) is not in the list: it can make a
/// file executable.
pub fn manages_files_only(words: &[String]) -> bool {
    const FILE_COMMANDS: &[&str] = &[
        "mklink", "ln", "mkdir", "md", "copy", "xcopy", "robocopy", "move", "mv", "cp", "ren",
        "rename", "del", "erase", "rmdir", "rd", "rm",
    ];
    const CHAINS: &[&str] = &["&", "|", ";", "`", "$(", ">", "<", "\n"];
    let rest = shell_command(words);
    let Some(command) = rest.first() else {
        return false;
    };
    FILE_COMMANDS.contains(&program_name(command).as_str())
        && !rest.iter().any(|w| CHAINS.iter().any(|c| w.contains(c)))
}
