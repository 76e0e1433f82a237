//! How a patched file of a bundled library differs from the release, line by line: the common
//! start and end are set aside (patches are small), then a longest common subsequence of the
//! lines in between. Past `max_cells` line pairs the whole middle counts as changed, so the
//! answer only ever errs towards "changed". Lines next to a removed release line count as
//! changed too (a removed check changes its neighbours' meaning).

/// One step of the edit script, over the differing middle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Same,
    /// A release line the plugin removed.
    Removed(usize),
    /// A plugin line the release does not have.
    Added(usize),
}

/// The two files and how they differ.
pub struct Patch<'t> {
    release: Vec<&'t str>,
    patched: Vec<&'t str>,
    /// Lines set aside at the start.
    prefix: usize,
    steps: Vec<Step>,
}

impl<'t> Patch<'t> {
    pub fn of(release: &'t str, patched: &'t str, max_cells: usize) -> Self {
        let a: Vec<&str> = release.lines().map(|l| l.trim_end_matches('\r')).collect();
        let b: Vec<&str> = patched.lines().map(|l| l.trim_end_matches('\r')).collect();
        let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let suffix = a[prefix..]
            .iter()
            .rev()
            .zip(b[prefix..].iter().rev())
            .take_while(|(x, y)| x == y)
            .count();
        let a_mid = &a[prefix..a.len() - suffix];
        let b_mid = &b[prefix..b.len() - suffix];
        let steps = script(a_mid, b_mid, max_cells)
            .into_iter()
            .map(|step| match step {
                Step::Removed(i) => Step::Removed(prefix + i),
                Step::Added(j) => Step::Added(prefix + j),
                Step::Same => Step::Same,
            })
            .collect();
        Self {
            release: a,
            patched: b,
            prefix,
            steps,
        }
    }

    /// The 1-based line ranges (`[first, last]`) of the patched file that differ; `None` when
    /// nothing differs line by line (line endings only): callers then count the whole file.
    pub fn changed_lines(&self) -> Option<Vec<[u32; 2]>> {
        let mut changed = vec![false; self.patched.len()];
        // The patched line the walk is at (0-based).
        let mut at = self.prefix;
        // Each run of changes: its added lines change; a run that only removes lines changes
        // the lines around the gap.
        for run in self.steps.split(|step| *step == Step::Same) {
            let mut added = false;
            for step in run {
                if let Step::Added(j) = step {
                    changed[*j] = true;
                    at = j + 1;
                    added = true;
                }
            }
            if !run.is_empty() && !added {
                if at > 0 {
                    changed[at - 1] = true;
                }
                if at < changed.len() {
                    changed[at] = true;
                }
            }
            // The `Same` step after the run.
            at += 1;
        }
        let mut ranges: Vec<[u32; 2]> = Vec::new();
        for (j, _) in changed.iter().enumerate().filter(|(_, c)| **c) {
            let line = (j + 1) as u32;
            match ranges.last_mut() {
                Some(range) if range[1] + 1 == line => range[1] = line,
                _ => ranges.push([line, line]),
            }
        }
        (!ranges.is_empty()).then_some(ranges)
    }

    /// The removed (`-`) and added (`+`) lines, at most `max_lines`, each after the plugin line
    /// number it is at, with string literals masked (a patch may hold a secret: no value
    /// reaches a report).
    pub fn diff(&self, max_lines: usize) -> String {
        let mut out = Vec::new();
        let mut at = self.prefix;
        let mut total = 0usize;
        for step in &self.steps {
            let line = match step {
                Step::Same => {
                    at += 1;
                    continue;
                }
                Step::Removed(i) => format!("{:>5} - {}", at + 1, mask_strings(self.release[*i])),
                Step::Added(j) => {
                    at = j + 1;
                    format!("{:>5} + {}", j + 1, mask_strings(self.patched[*j]))
                }
            };
            total += 1;
            if out.len() < max_lines {
                out.push(line);
            }
        }
        if total > out.len() {
            out.push(format!("      ({} more changed lines)", total - out.len()));
        }
        out.join("\n")
    }
}

/// The edit script of `a` into `b`: a longest common subsequence within `max_cells`, else
/// everything removed and added.
fn script(a: &[&str], b: &[&str], max_cells: usize) -> Vec<Step> {
    let (n, m) = (a.len(), b.len());
    if n.saturating_add(1).saturating_mul(m.saturating_add(1)) > max_cells {
        return (0..n)
            .map(Step::Removed)
            .chain((0..m).map(Step::Added))
            .collect();
    }
    // lcs[i][j]: the LCS length of a[i..] and b[j..].
    let width = m + 1;
    let mut lcs = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * width + j] = if a[i] == b[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let mut steps = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            steps.push(Step::Same);
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
            // Removals first, as diffs show them.
            steps.push(Step::Removed(i));
            i += 1;
        } else {
            steps.push(Step::Added(j));
            j += 1;
        }
    }
    steps
}

/// `x = 'hunter2'  # key abc` -> `x = 'hu***'  # k***`: the text inside quotes and comments
/// masked as findings mask values.
fn mask_strings(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find(['\'', '"', '#']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        if quote == '#' {
            out.push_str(&rest[..=start]);
            let comment = &rest[start + 1..];
            if !comment.trim().is_empty() {
                out.push(' ');
                out.push_str(&validator_domain::masked_preview(comment.trim()));
            }
            rest = "";
            break;
        }
        out.push_str(&rest[..=start]);
        let after = &rest[start + 1..];
        match after.find(quote) {
            Some(end) => {
                let inner = &after[..end];
                if !inner.is_empty() {
                    out.push_str(&validator_domain::masked_preview(inner));
                }
                out.push(quote);
                rest = &after[end + 1..];
            }
            None => {
                // An unterminated (multi-line) string: mask the rest.
                if !after.is_empty() {
                    out.push_str(&validator_domain::masked_preview(after));
                }
                rest = "";
            }
        }
    }
    // A line inside a multi-line string has no quotes but may hold anything.
    out.push_str(rest);
    out
}

/// `3, 10-12` for reports.
pub fn describe(ranges: &[[u32; 2]]) -> String {
    ranges
        .iter()
        .map(|[a, b]| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELEASE: &str = "from PyQt5 import QtCore\nimport os\n\n\ndef run(code):\n    exec(code)\n    return os.sep\n";

    fn changed(release: &str, patched: &str, max_cells: usize) -> Option<Vec<[u32; 2]>> {
        Patch::of(release, patched, max_cells).changed_lines()
    }

    #[test]
    fn only_the_lines_that_differ_are_changed() {
        let patched = RELEASE.replace("PyQt5", "qgis.PyQt");
        assert_eq!(changed(RELEASE, &patched, 1_000_000), Some(vec![[1, 1]]));
        let added = RELEASE.replace("    exec(code)\n", "    exec(code)\n    steal()\n");
        assert_eq!(changed(RELEASE, &added, 1_000_000), Some(vec![[7, 7]]));
        assert_eq!(describe(&[[1, 1], [7, 9]]), "1, 7-9");
    }

    #[test]
    fn a_removed_line_changes_its_neighbours_and_big_files_count_whole() {
        let removed = RELEASE.replace("import os\n", "");
        assert_eq!(changed(RELEASE, &removed, 1_000_000), Some(vec![[1, 2]]));
        let patched = RELEASE.replace("exec(code)", "exec(code, {})");
        assert_eq!(
            changed(RELEASE, &patched, 1),
            Some(vec![[6, 6]]),
            "prefix and suffix are still set aside"
        );
        let crlf = RELEASE.replace('\n', "\r\n");
        assert_eq!(changed(RELEASE, &crlf, 1_000_000), None);
    }

    #[test]
    fn the_diff_shows_the_patch_with_strings_masked() {
        let patched = RELEASE.replace("PyQt5", "qgis.PyQt").replace(
            "    exec(code)\n",
            "    exec(code)\n    TOKEN = 'ghp_0123456789abcdef'\n",
        );
        let diff = Patch::of(RELEASE, &patched, 1_000_000).diff(10);
        assert!(diff.contains("    1 - from PyQt5 import QtCore"), "{diff}");
        assert!(
            diff.contains("    1 + from qgis.PyQt import QtCore"),
            "{diff}"
        );
        assert!(diff.contains("    7 +     TOKEN = 'gh***'"), "{diff}");
        assert!(!diff.contains("0123456789"), "{diff}");
        let commented = RELEASE.replace("import os\n", "import os  # ghp_0123456789abcdef\n");
        let diff = Patch::of(RELEASE, &commented, 1_000_000).diff(10);
        assert!(diff.contains("import os  # gh***"), "{diff}");
        let cut = Patch::of(RELEASE, &patched, 1_000_000).diff(1);
        assert!(cut.contains("(2 more changed lines)"), "{cut}");
    }
}
