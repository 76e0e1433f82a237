//! BHV108 Downloads and can run a program (review): the co-occurrence half of BHV002. One
//! function (with the functions it calls) downloads a file and makes a file executable, starts
//! a process that is not a GIS tool, loads native code or executes code, but the file run is
//! not traced to the file downloaded: a plugin that downloads data and runs a bundled tool looks
//! the same. Only the chain (the downloaded or written file is the one started, or the
//! response is executed) blocks, as BHV002. Also held: a downloaded file handed to the OS's
//! default handler (`os.startfile(path)`) whose name does not say it is a program (an
//! installer package, which the OS's installer shows to the user before anything runs, or a
//! name the resolver could not fold), and that was not made executable; and code read from the
//! network run only when its digest equals a constant of the plugin (`analyse/pin.rs`), or only
//! to provide a module whose import failed (`analyse/bootstrap.rs`).

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::Evidence;

pub const BHV108: RuleInfo = review(
    "BHV108",
    "Downloads and can run a program",
    "One function of the plugin downloads a file and also makes a file executable, starts a \
     process or loads native code; the file run was not traced to the download, so the version \
     is held for a human review rather than blocked. Ship the programs the plugin runs in the \
     plugin (or use the ones QGIS provides) and download data only; keep downloading and \
     running in separate, clearly named functions. A dependency installer the plugin downloads \
     and opens with the OS's default handler (an .msi, .pkg or .deb the user confirms) is held \
     too: download it from the plugin's declared home over HTTPS, ask the user first, and say \
     in the plugin's description what it installs. Code fetched and run only when its digest \
     equals a constant of the plugin is held as well, and so is code fetched and run only when \
     a module's import fails, to provide that module (a dependency bootstrap such as \
     get-pip.py), and a package downloaded from PyPI and put on the import path; better, ship \
     that code in the plugin or declare the dependency.",
);

/// The finding: the download, what can run, and the chmod when there is one.
pub(super) fn hit(
    path: &str,
    download: &Evidence,
    runs: &str,
    run: &Evidence,
    chmod: Option<&Evidence>,
) -> Hit {
    let chmod = chmod
        .map(|c| format!(", makes a file executable ({})", at(path, c)))
        .unwrap_or_default();
    Hit {
        without_evidence: None,
        rule: &BHV108,
        line: run.line,
        message: format!(
            "downloads ({}){chmod} and {runs} ({}) in one function; the file run was not traced to the download",
            at(path, download),
            at(path, run)
        ),
    }
}

/// The finding for code fetched from the network and run only when its digest matches.
pub(super) fn pinned_hit(path: &str, run: &Evidence) -> Hit {
    Hit {
        without_evidence: None,
        rule: &BHV108,
        line: run.line,
        message: format!(
            "executes code read from the network, pinned by a digest it verifies first ({}): \
             fetch the file and compare it with the digest in the code",
            at(path, run)
        ),
    }
}

/// The finding for code fetched and run to provide a module whose import failed.
pub(super) fn bootstrap_hit(path: &str, run: &Evidence) -> Hit {
    Hit {
        without_evidence: None,
        rule: &BHV108,
        line: run.line,
        message: format!(
            "executes code read from the network when a module is missing, then imports it ({}): \
             fetch the file from that address and check that it only installs the module; \
             better, declare the dependency or ship it in the plugin",
            at(path, run)
        ),
    }
}

/// The finding for a download from PyPI put on the import path.
pub(super) fn import_path_pypi_hit(
    path: &str,
    download: &Evidence,
    file: &str,
    line: u32,
    call: &str,
) -> Hit {
    let message = format!(
        "downloads from the Python Package Index ({}) and puts {file} on the import path \
         ({path}:{line}: {call}): check that it is the package the code names; better, declare \
         the dependency or ship it in the plugin",
        at(path, download)
    );
    Hit::new(&BHV108, line, message)
}

/// The finding for a downloaded file opened with the OS's default handler, not run.
pub(super) fn opened_hit(
    path: &str,
    download: &Evidence,
    file: &str,
    written: u32,
    line: u32,
    call: &str,
    kind: &str,
) -> Hit {
    Hit {
        without_evidence: None,
        rule: &BHV108,
        line,
        message: format!(
            "downloads ({}), writes {file} ({path}:{written}) and opens it with the OS's default \
             handler ({path}:{line}: {call}): {kind}; not run directly, not made executable",
            at(path, download),
        ),
    }
}

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    scope.download_and_run().near.clone()
}
