//! BHV005 Reverse shell (block): a socket and a shell attached to streams in one function
//! (with the functions it calls). A test suite that opens sockets in one test and duplicates
//! descriptors in another is not a shell.

use validator_domain::RuleInfo;

use super::{at, block, caps_of, FileScope, Hit};
use crate::caps::Cap;

pub const BHV005: RuleInfo = block(
    "BHV005",
    "Reverse shell",
    "The plugin opens a socket and attaches a shell or the process's standard streams to it \
     (os.dup2, pty.spawn, a shell with the socket as stdin). No plugin needs this; remove it.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    if scope.file.get(Cap::Socket).is_none() || scope.file.get(Cap::ShellAttach).is_none() {
        return None;
    }
    scope.closures().iter().find_map(|closure| {
        let closure_caps = caps_of(scope.facts, closure.iter().copied());
        let (sock, shell) = (
            closure_caps.get(Cap::Socket)?,
            closure_caps.get(Cap::ShellAttach)?,
        );
        Some(Hit::new(
            &BHV005,
            shell.line,
            format!(
                "opens a socket ({}) and attaches a shell to it ({})",
                at(scope.path, sock),
                at(scope.path, shell)
            ),
        ))
    })
}
