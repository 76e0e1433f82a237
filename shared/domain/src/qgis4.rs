//! Whether the plugin loads in QGIS 4 (Qt6): the `qgis4` check's verdict, one line that the
//! reports, the emails and the status event carry (and the website can show as a badge).

use serde::{Deserialize, Serialize};

/// The answer, as a badge would show it.
///
/// "Declared" follows plugins.qgis.org: since May 2026 it lists a plugin for QGIS 4 when its
/// `qgisMaximumVersion` is 4.0 or later; the `supportsQt6` flag is deprecated and no longer
/// decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qgis4State {
    /// QGIS 4 declared (`qgisMaximumVersion` >= 4.0), no place to change.
    Ready,
    /// QGIS 4 declared, but places to change remain: QGIS 4 users get a broken plugin.
    DeclaredNotReady,
    /// Not declared, and places to change remain.
    NotReady,
    /// Nothing to change, but QGIS 4 is not declared (`qgisMaximumVersion` below 4), so QGIS 4
    /// users are not offered it.
    NotDeclared,
}

/// The `qgis4` check's summary of a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qgis4Readiness {
    pub state: Qgis4State,
    /// Places in the code that fail on Qt6 (the findings that count against readiness).
    pub places: u32,
    /// QGIS 4 is declared: `qgisMaximumVersion` (or its default, the minimum version's major
    /// `.99`) is 4.0 or later.
    pub declared: bool,
    /// The deprecated `supportsQt6` flag is set in `metadata.txt` (it no longer declares QGIS 4).
    #[serde(default)]
    pub supports_qt6: bool,
}

impl Qgis4Readiness {
    /// The readiness of a plugin from what the check found.
    pub fn of(places: u32, declared: bool, supports_qt6: bool) -> Self {
        let state = match (declared, places) {
            (true, 0) => Qgis4State::Ready,
            (true, _) => Qgis4State::DeclaredNotReady,
            (false, 0) => Qgis4State::NotDeclared,
            (false, _) => Qgis4State::NotReady,
        };
        Self {
            state,
            places,
            declared,
            supports_qt6,
        }
    }

    /// "QGIS 4 ready: yes" / "no (N places)" / "declared but not ready (N places)".
    pub fn line(&self) -> String {
        let places = |n: u32| {
            if n == 1 {
                "1 place".to_owned()
            } else {
                format!("{n} places")
            }
        };
        let answer = match self.state {
            Qgis4State::Ready => "yes".to_owned(),
            Qgis4State::DeclaredNotReady => {
                format!("declared but not ready ({})", places(self.places))
            }
            Qgis4State::NotReady => format!("no ({})", places(self.places)),
            Qgis4State::NotDeclared if self.supports_qt6 => {
                "no (the code is ready; supportsQt6 is deprecated: set qgisMaximumVersion=4.99 \
                 in metadata.txt)"
                    .to_owned()
            }
            Qgis4State::NotDeclared => {
                "no (the code is ready; set qgisMaximumVersion=4.99 in metadata.txt)".to_owned()
            }
        };
        format!("QGIS 4 ready: {answer}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(
            Qgis4Readiness::of(0, true, false).line(),
            "QGIS 4 ready: yes"
        );
        assert_eq!(
            Qgis4Readiness::of(3, false, false).line(),
            "QGIS 4 ready: no (3 places)"
        );
        assert_eq!(
            Qgis4Readiness::of(1, true, true).line(),
            "QGIS 4 ready: declared but not ready (1 place)"
        );
        // supportsQt6 alone no longer declares QGIS 4.
        assert_eq!(
            Qgis4Readiness::of(2, false, true).state,
            Qgis4State::NotReady
        );
        assert_eq!(
            Qgis4Readiness::of(0, false, false).line(),
            "QGIS 4 ready: no (the code is ready; set qgisMaximumVersion=4.99 in metadata.txt)"
        );
        let flag_only = Qgis4Readiness::of(0, false, true);
        assert_eq!(flag_only.state, Qgis4State::NotDeclared);
        assert!(flag_only.line().contains("supportsQt6 is deprecated"));
    }
}
