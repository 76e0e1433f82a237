//! BHV105 Captures keyboard, clipboard or screen (review): a system-wide keyboard hook, input
//! captured and stored or sent, or the screen grabbed and the network used.

use validator_domain::RuleInfo;

use super::{at, review, FileScope, Hit};
use crate::caps::Cap;

pub const BHV105: RuleInfo = review(
    "BHV105",
    "Captures keyboard, clipboard or screen",
    "The plugin hooks the keyboard of the whole system, or captures the screen or clipboard with \
     system libraries and stores or sends the result (a desktop grabbed through Qt and sent). \
     Use Qt's events inside QGIS's own windows (map tools, shortcuts) and the map canvas's own \
     rendering instead.",
);

pub(super) fn evaluate(scope: &FileScope<'_>) -> Option<Hit> {
    let (path, file) = (scope.path, &scope.file);
    let (line, message) = if let Some(hook) = file.get(Cap::KeyboardHook) {
        (
            hook.line,
            format!("{} ({})", Cap::KeyboardHook.describe(), at(path, hook)),
        )
    } else if let (Some(capture), Some((cap, out))) = (
        file.get(Cap::InputCapture),
        file.any(&[Cap::Network, Cap::Write]),
    ) {
        (
            capture.line,
            format!(
                "captures input ({}) and {} ({})",
                at(path, capture),
                cap.describe(),
                at(path, out)
            ),
        )
    } else {
        let (grab, net) = (file.get(Cap::ScreenGrab)?, file.get(Cap::Network)?);
        (
            grab.line,
            format!(
                "{} ({}) and {} ({})",
                Cap::ScreenGrab.describe(),
                at(path, grab),
                Cap::Network.describe(),
                at(path, net)
            ),
        )
    };
    Some(Hit::new(&BHV105, line, message))
}
