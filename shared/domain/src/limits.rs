//! Named limits read from the environment (`PLUGIN_VALIDATOR_<NAME>`): one parser for every
//! check's limits, so that each names its limits once and a bad value reads the same wherever
//! it is set.

/// A limit's value that is not a whole number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid value `{value}` for the {scope} limit `{name}` ({variable}): expected a whole number"
)]
pub struct LimitError {
    /// Whose limit it is (`dependencies`, `behaviour`).
    pub scope: &'static str,
    /// The limit's name (`max_dependencies`).
    pub name: &'static str,
    /// The environment variable it was read from.
    pub variable: String,
    pub value: String,
}

/// One named limit: its name and how a whole number sets it.
pub struct NamedLimit<T> {
    pub name: &'static str,
    pub set: fn(&mut T, u64),
}

/// The named limits of one check: `prefix` + the upper-cased name is the environment variable
/// of each (`PLUGIN_VALIDATOR_` + `max_dependencies`).
pub struct NamedLimits<T: 'static> {
    pub scope: &'static str,
    pub prefix: &'static str,
    pub limits: &'static [NamedLimit<T>],
}

impl<T> NamedLimits<T> {
    /// The limits' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.limits.iter().map(|l| l.name)
    }

    /// The environment variable of the limit `name`.
    pub fn env_var(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name.to_ascii_uppercase())
    }

    /// `defaults` with every limit that `lookup` (an environment variable's value by its name)
    /// sets; the first value that is not a whole number is an error, never ignored.
    pub fn read(
        &self,
        mut defaults: T,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<T, LimitError> {
        for limit in self.limits {
            let variable = self.env_var(limit.name);
            let Some(value) = lookup(&variable) else {
                continue;
            };
            let parsed: u64 = value.trim().parse().map_err(|_| LimitError {
                scope: self.scope,
                name: limit.name,
                variable: variable.clone(),
                value: value.clone(),
            })?;
            (limit.set)(&mut defaults, parsed);
        }
        Ok(defaults)
    }
}

/// A whole number as a count or a size in memory (saturating: a larger value means no limit).
pub fn as_usize(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// A whole number as a `u32` limit (saturating).
pub fn as_u32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq)]
    struct Demo {
        files: usize,
        depth: u32,
    }

    const DEMO: NamedLimits<Demo> = NamedLimits {
        scope: "demo",
        prefix: "PV_DEMO_",
        limits: &[
            NamedLimit {
                name: "max_files",
                set: |l, v| l.files = as_usize(v),
            },
            NamedLimit {
                name: "max_depth",
                set: |l, v| l.depth = as_u32(v),
            },
        ],
    };

    #[test]
    fn set_limits_are_read_and_a_bad_value_is_named() {
        let read = DEMO
            .read(Demo::default(), |k| {
                (k == "PV_DEMO_MAX_DEPTH").then(|| " 7 ".to_owned())
            })
            .expect("valid");
        assert_eq!(read, Demo { files: 0, depth: 7 });
        let huge = DEMO
            .read(Demo::default(), |k| {
                (k == "PV_DEMO_MAX_DEPTH").then(|| u64::MAX.to_string())
            })
            .expect("valid");
        assert_eq!(huge.depth, u32::MAX);
        let error = DEMO
            .read(Demo::default(), |k| {
                (k == "PV_DEMO_MAX_FILES").then(|| "lots".to_owned())
            })
            .expect_err("not a number");
        assert_eq!(error.name, "max_files");
        assert_eq!(
            error.to_string(),
            "invalid value `lots` for the demo limit `max_files` (PV_DEMO_MAX_FILES): expected a whole number"
        );
        assert_eq!(DEMO.names().collect::<Vec<_>>(), ["max_files", "max_depth"]);
    }
}
