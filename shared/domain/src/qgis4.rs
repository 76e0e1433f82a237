//! Whether the plugin loads in QGIS 4 (Qt6): the `qgis4` check's verdict, one line that the
//! reports, the emails and the status event carry (and the website can show as a badge).

use serde::{Deserialize, Serialize};

/// The answer, as a badge would show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qgis4State {
    /// `supportsQt6` declared, no place to change, QGIS 4 within the declared versions.
    Ready,
    /// `supportsQt6` declared, but places to change remain: QGIS 4 users get a broken plugin.
    DeclaredNotReady,
    /// Not declared, and places to change remain.
    NotReady,
    /// Nothing to change, but QGIS 4 does not load it (`supportsQt6` not declared, or
    /// `qgisMaximumVersion` below 4).
    NotDeclared,
}

/// The `qgis4` check's summary of a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qgis4Readiness {
    pub state: Qgis4State,
    /// Places in the code that fail on Qt6 (the findings that count against readiness).
    pub places: u32,
    /// `supportsQt6` is declared in `metadata.txt`.
    pub declared: bool,
    /// `qgisMaximumVersion` is below 4.
    #[serde(default)]
    pub max_version_below_4: bool,
}

impl Qgis4Readiness {
    /// The readiness of a plugin from what the check found.
    pub fn of(places: u32, declared: bool, max_version_below_4: bool) -> Self {
        let state = match (declared && !max_version_below_4, places) {
            (true, 0) => Qgis4State::Ready,
            (_, 0) => Qgis4State::NotDeclared,
            _ if declared => Qgis4State::DeclaredNotReady,
            _ => Qgis4State::NotReady,
        };
        Self {
            state,
            places,
            declared,
            max_version_below_4,
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
            Qgis4State::NotDeclared if self.declared => {
                "no (the code is ready, but qgisMaximumVersion is below 4)".to_owned()
            }
            Qgis4State::NotDeclared => {
                "no (the code is ready; declare supportsQt6=True in metadata.txt)".to_owned()
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
            Qgis4Readiness::of(1, true, false).line(),
            "QGIS 4 ready: declared but not ready (1 place)"
        );
        assert_eq!(
            Qgis4Readiness::of(0, false, false).state,
            Qgis4State::NotDeclared
        );
        assert_eq!(
            Qgis4Readiness::of(0, true, true).state,
            Qgis4State::NotDeclared
        );
        assert!(Qgis4Readiness::of(0, true, true)
            .line()
            .contains("qgisMaximumVersion"));
    }
}
