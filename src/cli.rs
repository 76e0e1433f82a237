use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "plugin-validator",
    version,
    about = "Security and QA validator for QGIS plugins"
)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a plugin zip or folder and print a report. Exit 0 validated, 1 blocked,
    /// 2 usage error or unreadable input, 3 a check could not finish.
    Scan(ScanArgs),
    /// Check two versions of a plugin (zips or folders) and print what changed: files, findings
    /// new and fixed (by fingerprint), metadata.txt. Exit 0, or 1 when the new version gains a
    /// blocking finding or would be held for review as a sleeper update, 2 on unreadable input.
    Diff(DiffArgs),
    /// Run dispatch -> every check -> aggregate with the embedded backends, as the Lambdas do.
    Pipeline(PipelineArgs),
    /// End the scans recorded by `pipeline` that are stuck in validating (a check never
    /// reported, e.g. the process died) in error, as the aggregator's scheduled sweep does on
    /// AWS; `pipeline` runs it after each scan too. Exit 0.
    Sweep(SweepArgs),
    /// Send the emails and status events of a scan recorded by `pipeline` that are recorded as
    /// missing (sending failed every attempt, or the sender stopped mid-send), once each; as
    /// the aggregator's `resend` event does on AWS. Check first that one whose sender stopped
    /// did not go out. Exit 0 when nothing is missing afterwards, 3 otherwise.
    Resend(ResendArgs),
    /// Judge every version recorded in the data folder again with the current checks, rules,
    /// packs and policy, and report every version whose verdict changed (newly blocked, held or
    /// validated) with the findings that changed it. A changed version's status moves, with one
    /// status event and one email to its maintainers; the approvers get one digest. Start with
    /// --dry-run. Run twice, it sends nothing twice. Exit 0, or 3 when a version failed (run it
    /// again: it resumes).
    Rescan(RescanArgs),
    /// Show a scan recorded by `pipeline` (or list the recent ones). With a scan id the exit code
    /// follows its status: 0 validated, 1 blocked, 3 error or still validating.
    Status(StatusArgs),
    /// Record a reviewer's decision on a finding of a scan recorded by `pipeline` (false
    /// positive or accepted risk, with a reason); it applies to the same finding in later
    /// versions of the plugin. Append-only: `--withdraw` records a withdrawal.
    Review(ReviewArgs),
    /// Print the effective rule policy as TOML.
    Policy(PolicyArgs),
    /// Zip a plugin folder the way the website expects (one top-level folder).
    Pack(PackArgs),
    /// List every rule of every check with its policy setting and remediation guidance.
    Rules(RulesArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// One self-contained HTML page (inline CSS, no scripts, no external assets).
    Html,
    /// The CycloneDX 1.5 SBOM (JSON): the plugin, its files and bundled libraries, their
    /// licences and hashes.
    Cyclonedx,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RulesFormat {
    Text,
    /// The rule catalogue with the policy's settings and the provenance, for websites and tools.
    Json,
    /// The source of docs/rules.md.
    Markdown,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Rules {
    /// The policy's enabled rules.
    Policy,
    /// Every rule the engines know, as the reference tools run by default.
    All,
}

/// Options shared by the commands that run checks.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Rule policy file (TOML); default: the policy shipped with the validator.
    #[arg(long, env = "PLUGIN_VALIDATOR_POLICY")]
    pub policy: Option<PathBuf>,
    /// Override an archive limit, e.g. --limit max_entries=5000 (repeatable; see `policy --limits`).
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    pub limits: Vec<String>,
    /// A rule the uploader asks to skip (repeatable); mandatory rules are never skipped.
    #[arg(long = "skip", value_name = "RULE")]
    pub skip: Vec<String>,
    /// OSV advisories for the dependencies check: a folder of OSV JSON or YAML records (a
    /// checkout of the PyPA advisory database) or an OSV export zip. Default: the OSV API, with
    /// answers cached in PLUGIN_VALIDATOR_ADVISORY_CACHE (docs/dependencies.md).
    #[arg(long, value_name = "DIR", env = "PLUGIN_VALIDATOR_ADVISORIES")]
    pub advisories: Option<PathBuf>,
    /// YARA rule packs for the signatures check, beside the shipped ones: `NAME.yar` is the
    /// pack NAME, the rule files of a folder NAME/ the pack NAME; `*.sha256` files are
    /// known-bad hash lists, `disabled.txt` lists rules switched off (docs/signatures.md).
    #[arg(long, value_name = "DIR", env = "PLUGIN_VALIDATOR_SIGNATURES")]
    pub signatures: Option<PathBuf>,
    /// A known-bad SHA-256 list for the signatures check (one digest per line, of whole zips
    /// or single files); a match blocks.
    #[arg(long, value_name = "FILE", env = "PLUGIN_VALIDATOR_BAD_HASHES")]
    pub bad_hashes: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The plugin: a .zip file or a folder.
    pub path: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Only these checks (comma-separated), e.g. --checks package_structure,file_permissions.
    #[arg(long, value_delimiter = ',')]
    pub checks: Vec<String>,
    #[arg(long, value_enum, default_value = "policy")]
    pub rules: Rules,
    /// PATH is a folder in a git work tree: check the files staged for the next commit, zipped
    /// as `git archive` zips them (so untracked files, `__pycache__` and `.git` are left out).
    /// What the pre-commit hook runs.
    #[arg(long)]
    pub staged: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier version: a .zip file or a folder.
    pub old: PathBuf,
    /// The later version.
    pub new: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Only these checks (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub checks: Vec<String>,
    #[arg(long, value_enum, default_value = "policy")]
    pub rules: Rules,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct DataDirArgs {
    /// Where the embedded backends keep their data.
    #[arg(
        long,
        env = "PLUGIN_VALIDATOR_DATA_DIR",
        default_value = ".plugin-validator"
    )]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct PipelineArgs {
    /// The plugin zip (a folder is zipped first).
    pub zip: PathBuf,
    /// A maintainer's email address (repeatable).
    #[arg(long = "maintainer", value_name = "EMAIL")]
    pub maintainers: Vec<String>,
    /// The uploader is trusted: a clean version is auto-approved.
    #[arg(long)]
    pub trusted: bool,
    /// The uploader's user name.
    #[arg(long)]
    pub uploader: Option<String>,
    /// The website's id of this plugin version.
    #[arg(long)]
    pub version_id: Option<String>,
    /// The website's id of the plugin (keys the plugin's history; default: its package folder).
    #[arg(long)]
    pub plugin_id: Option<String>,
    #[command(flatten)]
    pub email: EmailArgs,
    /// Deliveries of a check message before its failure is final (like SQS maxReceiveCount).
    #[arg(long, default_value_t = 3)]
    pub max_attempts: u32,
    /// Seconds a check may run before it counts as failed.
    #[arg(long, default_value_t = 60)]
    pub check_timeout: u64,
    #[command(flatten)]
    pub stuck: StuckArgs,
    #[command(flatten)]
    pub data: DataDirArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Who the local pipeline's emails are from and for.
#[derive(Debug, Args)]
pub struct EmailArgs {
    /// An approver's email address (repeatable).
    #[arg(
        long = "approver",
        value_name = "EMAIL",
        env = "PLUGIN_VALIDATOR_APPROVERS",
        value_delimiter = ','
    )]
    pub approvers: Vec<String>,
    /// Sender address of the emails.
    #[arg(
        long,
        env = "PLUGIN_VALIDATOR_SENDER",
        default_value = "QGIS plugin validator <noreply@plugins.qgis.org>"
    )]
    pub sender: String,
    /// Base URL of the plugins website, for links in emails.
    #[arg(
        long,
        env = "PLUGIN_VALIDATOR_WEBSITE_URL",
        default_value = "https://plugins.qgis.org"
    )]
    pub website_url: String,
}

/// When the sweep ends a scan still `validating` (a check never reported) in `error`.
#[derive(Debug, Args)]
pub struct StuckArgs {
    /// A scan still validating this many minutes after its upload is ended in error by the
    /// sweep (each check that never reported gets an error result).
    #[arg(long, default_value_t = validator_pipeline::SweepSettings::default().stuck_after.as_secs() / 60)]
    pub stuck_after_minutes: u64,
    /// At most this many stuck scans are ended by one sweep (the oldest first).
    #[arg(long, default_value_t = validator_pipeline::SweepSettings::default().max_scans)]
    pub max_stuck_scans: usize,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub stuck: StuckArgs,
    /// Rule policy file (TOML) that decides the ended scans; default: the shipped policy.
    #[arg(long, env = "PLUGIN_VALIDATOR_POLICY")]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub email: EmailArgs,
    #[command(flatten)]
    pub data: DataDirArgs,
}

#[derive(Debug, Args)]
pub struct ResendArgs {
    /// The scan whose missing notifications are sent.
    pub scan_id: String,
    /// Only these (confirmation, results, approvers, status_event, reviewed, reviewed_event);
    /// default: every missing one.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Record them as sent instead of sending: you found that they went out (their sender
    /// stopped between sending and recording it).
    #[arg(long)]
    pub acknowledge: bool,
    /// Rule policy file (TOML) the scan was decided with; default: the shipped policy.
    #[arg(long, env = "PLUGIN_VALIDATOR_POLICY")]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub email: EmailArgs,
    #[command(flatten)]
    pub data: DataDirArgs,
}

#[derive(Debug, Args)]
pub struct RescanArgs {
    /// Judge and report, but change no status and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only versions uploaded at or after this time (RFC 3339, or a date YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only this plugin: its metadata.txt name, package folder or website id (repeatable).
    #[arg(long = "plugin", value_name = "NAME")]
    pub plugins: Vec<String>,
    /// Run only these checks again (comma-separated); the others' results are carried over.
    #[arg(long, value_delimiter = ',')]
    pub checks: Vec<String>,
    /// The summary on stdout as text or JSON (progress goes to stderr).
    #[arg(long, value_enum, default_value = "text")]
    pub format: RescanFormat,
    /// Seconds the checks of one version may run before its rescan counts as failed.
    #[arg(long, default_value_t = 60)]
    pub check_timeout: u64,
    #[command(flatten)]
    pub email: EmailArgs,
    #[command(flatten)]
    pub data: DataDirArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RescanFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The scan id printed by `pipeline`; without it, the recent scans are listed.
    pub scan_id: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub data: DataDirArgs,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The scan the finding was reported in.
    pub scan_id: String,
    /// The finding: its `path` and `fingerprint` from the report, as PATH#FINGERPRINT.
    #[arg(long)]
    pub finding: String,
    /// An accepted risk (default: a false positive).
    #[arg(long)]
    pub accepted_risk: bool,
    /// Why (stored in the audit trail and shown in reports).
    #[arg(long)]
    pub reason: String,
    /// Who decides (an email address or user name).
    #[arg(long)]
    pub by: String,
    /// The decider is the uploader, not an approver (refused for mandatory rules).
    #[arg(long)]
    pub uploader: bool,
    /// Withdraw the decision on this finding.
    #[arg(long)]
    pub withdraw: bool,
    /// Sender address of the email sent when the decision validates the scan.
    #[arg(
        long,
        env = "PLUGIN_VALIDATOR_SENDER",
        default_value = "QGIS plugin validator <noreply@plugins.qgis.org>"
    )]
    pub sender: String,
    #[command(flatten)]
    pub data: DataDirArgs,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Policy file to show (default: the shipped policy, or PLUGIN_VALIDATOR_POLICY).
    #[arg(long, env = "PLUGIN_VALIDATOR_POLICY")]
    pub policy: Option<PathBuf>,
    /// Generate the policy from the website's rule data (qgis-default-policy.tsv) instead.
    #[arg(long, value_name = "TSV", conflicts_with = "policy")]
    pub from_tsv: Option<PathBuf>,
    /// Print the archive limits in force instead.
    #[arg(long)]
    pub limits: bool,
}

#[derive(Debug, Args)]
pub struct PackArgs {
    /// The plugin folder.
    pub folder: PathBuf,
    /// The zip to write.
    #[arg(short, long)]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Policy file whose settings are shown (default: the shipped policy).
    #[arg(long, env = "PLUGIN_VALIDATOR_POLICY")]
    pub policy: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: RulesFormat,
    /// Markdown (the source of docs/rules.md): the same as --format markdown.
    #[arg(long, conflicts_with = "format")]
    pub markdown: bool,
}
