//! Which lines of a patched file of a bundled library differ from the release: a longest common
//! subsequence of lines after the common start and end are set aside (patches are small). Lines
//! next to a removed release line count as changed too (a removed check changes its
//! neighbours' meaning). Past `max_cells` of comparison the whole middle counts as changed, so
//! the answer only ever errs towards "changed".

/// The 1-based line ranges (`[first, last]`) of `patched` that differ from `release`; `None`
/// when nothing differs line by line (line endings only), which callers treat as "the whole
/// file is changed".
pub fn changed_lines(release: &str, patched: &str, max_cells: usize) -> Option<Vec<[u32; 2]>> {
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
    let (n, m) = (a_mid.len(), b_mid.len());
    // `changed[j]`: line `prefix + j` of the patched file (0-based) differs.
    let mut changed = vec![false; m];
    let touch_around = |j: usize, changed: &mut Vec<bool>| {
        // A removed release line before patched line `j` (middle-relative).
        if j > 0 {
            changed[j - 1] = true;
        }
        if j < m {
            changed[j] = true;
        }
    };
    if n.saturating_add(1).saturating_mul(m.saturating_add(1)) > max_cells {
        changed.iter_mut().for_each(|c| *c = true);
    } else {
        // lcs[i][j]: the LCS length of a_mid[i..] and b_mid[j..].
        let width = m + 1;
        let mut lcs = vec![0u32; (n + 1) * width];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * width + j] = if a_mid[i] == b_mid[j] {
                    lcs[(i + 1) * width + j + 1] + 1
                } else {
                    lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && a_mid[i] == b_mid[j] {
                i += 1;
                j += 1;
            } else if j < m && (i == n || lcs[i * width + j + 1] >= lcs[(i + 1) * width + j]) {
                changed[j] = true;
                j += 1;
            } else {
                touch_around(j, &mut changed);
                i += 1;
            }
        }
    }
    if m == 0 && n > 0 {
        // Lines removed only: the lines around the gap.
        let at = prefix as u32;
        let first = at.max(1);
        let last = (at + 1).min(b.len() as u32).max(first);
        return (!b.is_empty()).then(|| vec![[first, last]]);
    }
    let mut ranges: Vec<[u32; 2]> = Vec::new();
    for (j, _) in changed.iter().enumerate().filter(|(_, c)| **c) {
        let line = (prefix + j + 1) as u32;
        match ranges.last_mut() {
            Some(range) if range[1] + 1 == line => range[1] = line,
            _ => ranges.push([line, line]),
        }
    }
    (!ranges.is_empty()).then_some(ranges)
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

    #[test]
    fn only_the_lines_that_differ_are_changed() {
        let patched = RELEASE.replace("PyQt5", "qgis.PyQt");
        assert_eq!(
            changed_lines(RELEASE, &patched, 1_000_000),
            Some(vec![[1, 1]])
        );
        let added = RELEASE.replace("    exec(code)\n", "    exec(code)\n    steal()\n");
        assert_eq!(
            changed_lines(RELEASE, &added, 1_000_000),
            Some(vec![[7, 7]])
        );
        assert_eq!(describe(&[[1, 1], [7, 9]]), "1, 7-9");
    }

    #[test]
    fn a_removed_line_changes_its_neighbours_and_big_files_count_whole() {
        let removed = RELEASE.replace("import os\n", "");
        assert_eq!(
            changed_lines(RELEASE, &removed, 1_000_000),
            Some(vec![[1, 2]])
        );
        let patched = RELEASE.replace("exec(code)", "exec(code, {})");
        let whole_middle = changed_lines(RELEASE, &patched, 1).expect("changed");
        assert_eq!(
            whole_middle,
            vec![[6, 6]],
            "prefix and suffix are still set aside"
        );
        let crlf = RELEASE.replace('\n', "\r\n");
        assert_eq!(changed_lines(RELEASE, &crlf, 1_000_000), None);
    }
}
