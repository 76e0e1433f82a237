//! BHV002 Downloads and runs code or a program (block): code read from the network executed,
//! or, in one function with the functions it calls, a file downloaded and written in binary
//! and that very file started, loaded or put on Python's import path (`sys.path`,
//! `site.addsitedir`, `zipimport`; an archive extracted from a download into a folder counts
//! as written into that folder). The same search also finds the co-occurrence half
//! (BHV108: a download and a way to run something in one function, not linked).

use validator_domain::RuleInfo;

use super::{at, block, caps_of, download_and_run_unlinked, FileScope, Hit};
use crate::caps::Cap;

pub const BHV002: RuleInfo = block(
    "BHV002",
    "Downloads and runs code or a program",
    "The plugin downloads something and executes it (exec/eval of a response, a downloaded \
     file made executable and started, or a downloaded archive or module put on Python's \
     import path). Ship the code in the plugin so that it is reviewed; download data only, \
     and never execute it.",
);

/// What the search of a file found: the chain (BHV002), else the co-occurrence (BHV108).
#[derive(Default)]
pub(super) struct Found {
    pub chain: Option<Hit>,
    pub near: Option<Hit>,
}

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    scope.download_and_run().chain.clone()
}

/// A call that puts a folder or archive on the import path (`caps::import_path_arg`).
fn import_path_call(call: &str) -> bool {
    crate::caps::import_path_arg(call).is_some()
}

/// Every URL the file names is on the Python Package Index (and it names one).
fn pypi_only(facts: &crate::analyse::FileFacts) -> bool {
    !facts.hosts.is_empty()
        && facts
            .hosts
            .iter()
            .all(|(host, _)| crate::pip::PYPI_HOSTS.contains(&host.as_str()))
}

/// What can run a downloaded file.
const RUN_CAPS: [Cap; 4] = [
    Cap::MakeExecutable,
    Cap::ProcessExecOther,
    Cap::NativeLoad,
    Cap::CodeExec,
];

pub(super) fn search(scope: &FileScope<'_>) -> Found {
    let mut found = search_chains(scope);
    // Code fetched and run only when its digest equals a constant: what runs is the file the
    // author hashed, which an approver can fetch and compare: held, not blocked. Code fetched
    // and run only when a module is missing, to provide it (a dependency bootstrap): held too,
    // since the approver can fetch the file and the code states what it is for.
    if found.chain.is_none() && found.near.is_none() {
        if let Some(e) = scope.file.get(Cap::PinnedFetchedExec) {
            found.near = Some(download_and_run_unlinked::pinned_hit(scope.path, e));
        } else if let Some(e) = scope.file.get(Cap::BootstrapFetchedExec) {
            found.near = Some(download_and_run_unlinked::bootstrap_hit(scope.path, e));
        }
    }
    found
}

fn search_chains(scope: &FileScope<'_>) -> Found {
    let (path, facts, file) = (scope.path, scope.facts, &scope.file);
    if let Some(e) = file.get(Cap::FetchedExec) {
        return Found {
            chain: Some(Hit::new(
                &BHV002,
                e.line,
                format!("executes code read from the network ({})", at(path, e)),
            )),
            near: None,
        };
    }
    // Through the file's functions: a helper's result, a parameter, a constructor's argument.
    if let Some(flow) = crate::code_flow::fetched_code(&facts.flow, path) {
        return Found {
            chain: Some(Hit::new(
                &BHV002,
                flow.line,
                format!("executes code read from the network ({})", flow.message),
            )),
            near: None,
        };
    }
    // The per-function closures cost a walk per function: only files that download and can
    // run something need them.
    let may_download_and_run = file.get(Cap::Network).is_some()
        && (file.any(&RUN_CAPS).is_some() || facts.units.iter().any(|u| !u.started.is_empty()));
    let mut found = Found::default();
    if !may_download_and_run {
        return found;
    }
    for closure in scope.closures() {
        let closure_caps = caps_of(facts, closure.iter().copied());
        let Some(net) = closure_caps.get(Cap::Network) else {
            continue;
        };
        // The chain: a file written in binary in a function that downloads, and that very
        // file started or loaded.
        let started = closure.iter().flat_map(|&i| facts.units[i].started.iter());
        let written: Vec<&(String, u32)> = closure
            .iter()
            .flat_map(|&i| facts.units[i].binary_writes.iter())
            .collect();
        let matches = started.into_iter().filter_map(|(program, line, call)| {
            written
                .iter()
                .find(|(p, _)| p == program)
                .map(|(_, wline)| (*line, *wline, program, call))
        });
        // A file handed to the OS's default handler whose name does not say it is a program
        // (an installer package, or a name not folded) is opened, not run, unless it was also
        // made executable: held (BHV108), since the OS's installer asks the user.
        let made_executable = closure_caps.get(Cap::MakeExecutable).is_some();
        let opened_as = |line: u32| {
            facts
                .opened
                .iter()
                .find(|(l, _)| *l == line)
                .map(|(_, kind)| *kind)
                .filter(|_| !made_executable)
        };
        let (mut run, mut opened) = (None, None);
        for (line, wline, program, call) in matches {
            let written_as_program = facts.program_writes.contains(&wline);
            match opened_as(line).filter(|_| !written_as_program) {
                Some(kind) => {
                    opened.get_or_insert((line, wline, program, call, kind));
                }
                None => {
                    run = Some((line, wline, program, call));
                    break;
                }
            }
        }
        if run.is_none() && found.near.is_none() {
            if let Some((line, wline, program, call, kind)) = opened {
                found.near = Some(download_and_run_unlinked::opened_hit(
                    path,
                    net,
                    &crate::analyse::shown_file(program),
                    wline,
                    line,
                    call,
                    kind.describe(),
                ));
                continue;
            }
        }
        if let Some((line, wline, program, call)) = run {
            // A package from PyPI put on the import path (ez_setup's setuptools egg): what
            // `pip install NAME` would fetch, by a name the plugin spells; held, as the
            // dependency bootstraps are, not blocked.
            if import_path_call(call) && pypi_only(facts) {
                found.near = Some(download_and_run_unlinked::import_path_pypi_hit(
                    path,
                    net,
                    &crate::analyse::shown_file(program),
                    line,
                    call,
                ));
                continue;
            }
            found.chain = Some(Hit::new(
                &BHV002,
                line,
                format!(
                    "downloads ({}), writes {} ({path}:{wline}) and runs it ({path}:{line}: {call})",
                    at(path, net),
                    crate::analyse::shown_file(program)
                ),
            ));
            found.near = None;
            return found;
        }
        if found.near.is_some() {
            continue;
        }
        if let (Some(dl), Some((cap, ex))) =
            (closure_caps.get(Cap::Download), closure_caps.any(&RUN_CAPS))
        {
            found.near = Some(download_and_run_unlinked::hit(
                path,
                dl,
                cap.describe(),
                ex,
                None,
            ));
        } else if let (Some(chmod), Some(ex)) = (
            closure_caps.get(Cap::MakeExecutable),
            closure_caps.get(Cap::ProcessExec),
        ) {
            found.near = Some(download_and_run_unlinked::hit(
                path,
                net,
                Cap::ProcessExec.describe(),
                ex,
                Some(chmod),
            ));
        }
    }
    found
}
