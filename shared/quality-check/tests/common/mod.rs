//! Agreement counting shared by the compatibility tests.

use std::collections::BTreeMap;

/// True/false positives and false negatives per code.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub both: usize,
    pub only_ours: usize,
    pub only_theirs: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.both, self.both + self.only_ours)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.both, self.both + self.only_theirs)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Compares two multisets of `(key, code)` findings, per code.
pub fn compare<K: Ord + Clone>(
    ours: &[(K, String)],
    theirs: &[(K, String)],
    table: &mut BTreeMap<String, Counts>,
) {
    let mut remaining: BTreeMap<(K, String), usize> = BTreeMap::new();
    for t in theirs {
        *remaining.entry(t.clone()).or_default() += 1;
    }
    for o in ours {
        let entry = table.entry(o.1.clone()).or_default();
        match remaining.get_mut(o) {
            Some(n) if *n > 0 => {
                *n -= 1;
                entry.both += 1;
            }
            _ => entry.only_ours += 1,
        }
    }
    for ((_, code), n) in remaining {
        table.entry(code).or_default().only_theirs += n;
    }
}

/// A Markdown table of the counts.
pub fn markdown(table: &BTreeMap<String, Counts>) -> String {
    let mut out = String::from("| code | both | only ours | only reference | precision | recall |\n|---|---|---|---|---|---|\n");
    for (code, c) in table {
        out.push_str(&format!(
            "| {code} | {} | {} | {} | {:.1}% | {:.1}% |\n",
            c.both,
            c.only_ours,
            c.only_theirs,
            100.0 * c.precision(),
            100.0 * c.recall()
        ));
    }
    out
}

/// The codes the plugins website enables.
pub const WEBSITE_CODES: &[&str] = &[
    "E101", "E711", "E712", "E713", "E714", "E721", "E722", "E731", "E741", "E742", "E743", "E901",
    "E902", "E999", "W605", "F402", "F403", "F404", "F405", "F811", "F821", "F822", "F823", "F831",
    "F901", "C901",
];

/// Sum over the website codes.
pub fn website_total(table: &BTreeMap<String, Counts>) -> Counts {
    let mut total = Counts::default();
    for (code, c) in table {
        if WEBSITE_CODES.contains(&code.as_str()) {
            total.both += c.both;
            total.only_ours += c.only_ours;
            total.only_theirs += c.only_theirs;
        }
    }
    total
}
