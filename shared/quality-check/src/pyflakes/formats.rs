//! `'...' % ...` (F501-F509) and `'...'.format(...)` (F521-F525): the format string parsed as
//! Python parses it (`string.Formatter().parse`, pyupgrade's `parse_percent_format`).

use std::collections::BTreeSet;

use crate::rules::Rule;

/// One `str.format` field: `(field name, format spec)`; literal-only chunks are skipped.
type Field = (String, String);

/// `_string.formatter_parser`, keeping what pyflakes reads.
fn format_fields(s: &str) -> Result<Vec<Field>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut fields = Vec::new();
    while i < chars.len() {
        // Literal text up to a brace.
        let mut c = '\0';
        let mut markup = false;
        while i < chars.len() {
            c = chars[i];
            i += 1;
            if c == '{' || c == '}' {
                markup = true;
                break;
            }
        }
        let at_end = i >= chars.len();
        if markup && c == '}' && (at_end || chars[i] != '}') {
            return Err("Single '}' encountered in format string".into());
        }
        if markup && at_end && c == '{' {
            return Err("Single '{' encountered in format string".into());
        }
        if !markup {
            break;
        }
        if chars[i] == c {
            // An escaped brace.
            i += 1;
            continue;
        }
        // A field: up to the matching `}`.
        let start = i;
        let mut count = 1;
        let mut end = None;
        let mut in_spec = false;
        while i < chars.len() {
            let ch = chars[i];
            i += 1;
            if !in_spec && ch == '[' {
                // Braces inside an index of the field name do not count.
                while i < chars.len() && chars[i] != ']' {
                    i += 1;
                }
                continue;
            }
            if ch == ':' {
                in_spec = true;
            }
            if ch == '{' {
                count += 1;
            } else if ch == '}' {
                count -= 1;
                if count == 0 {
                    end = Some(i - 1);
                    break;
                }
            }
        }
        let Some(end) = end else {
            return Err("expected '}' before end of string".into());
        };
        let field: &[char] = &chars[start..end];
        // The field name ends at `:` or `!` outside brackets.
        let mut j = 0;
        let mut in_brackets = false;
        while j < field.len() {
            match field[j] {
                '{' if !in_brackets => return Err("unexpected '{' in field name".into()),
                '[' => in_brackets = true,
                ']' => in_brackets = false,
                ':' | '!' if !in_brackets => break,
                _ => {}
            }
            j += 1;
        }
        let name: String = field[..j].iter().collect();
        let mut spec = String::new();
        if j < field.len() {
            if field[j] == '!' {
                if j + 1 >= field.len() {
                    return Err("end of string while looking for conversion specifier".into());
                }
                if j + 2 < field.len() && field[j + 2] != ':' {
                    return Err("expected ':' after conversion specifier".into());
                }
                if j + 2 < field.len() {
                    spec = field[j + 3..].iter().collect();
                }
            } else {
                spec = field[j + 1..].iter().collect();
            }
        }
        fields.push((name, spec));
    }
    Ok(fields)
}

/// Python's `int()` on a field name, for the common forms.
fn as_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    t.replace('_', "").parse().ok()
}

/// What a `.format` call passes.
pub struct CallArgs {
    pub positional: usize,
    pub named: Vec<String>,
    /// `*args` or `**kwargs`: nothing can be said about missing or extra arguments.
    pub splat: bool,
}

/// The F52x findings of `template.format(...)`, as `(code, message)`.
pub fn dot_format(template: &str, args: &CallArgs) -> Vec<(Rule, String)> {
    let mut out = Vec::new();
    let invalid = |e: String| {
        (
            Rule::F521,
            format!("'...'.format(...) has invalid format string: {e}"),
        )
    };
    let fields = match format_fields(template) {
        Ok(f) => f,
        Err(e) => return vec![invalid(e)],
    };
    let mut auto: Option<bool> = None;
    let mut next_auto = 0i64;
    let mut positional: BTreeSet<i64> = BTreeSet::new();
    let mut named: BTreeSet<String> = BTreeSet::new();
    let mixing = || {
        (
            Rule::F525,
            "'...'.format(...) mixes automatic and manual numbering".to_owned(),
        )
    };
    let mut add_key = |key: &str, out: &mut Vec<(Rule, String)>| -> bool {
        let key = key.split('.').next().unwrap_or("");
        let key = key.split('[').next().unwrap_or("");
        if let Some(n) = as_int(key) {
            if auto == Some(true) {
                out.push(mixing());
                return true;
            }
            auto = Some(false);
            positional.insert(n);
            return false;
        }
        if key.is_empty() {
            if auto == Some(false) {
                out.push(mixing());
                return true;
            }
            auto = Some(true);
            positional.insert(next_auto);
            next_auto += 1;
        } else {
            named.insert(key.to_owned());
        }
        false
    };
    for (key, spec) in &fields {
        if add_key(key, &mut out) {
            return out;
        }
        let spec_fields = match format_fields(spec) {
            Ok(f) => f,
            Err(e) => {
                out.push(invalid(e));
                return out;
            }
        };
        for (spec_key, spec_spec) in &spec_fields {
            if spec_spec.contains('{') {
                out.push(invalid("Max string recursion exceeded".into()));
                return out;
            }
            if add_key(spec_key, &mut out) {
                return out;
            }
        }
    }
    if args.splat {
        return out;
    }
    let given_positional: BTreeSet<i64> = (0..args.positional as i64).collect();
    let given_named: BTreeSet<String> = args.named.iter().cloned().collect();
    let extra_positional: Vec<String> = given_positional
        .difference(&positional)
        .map(|n| n.to_string())
        .collect();
    let extra_named: Vec<String> = given_named.difference(&named).cloned().collect();
    let mut missing: Vec<String> = positional
        .iter()
        .filter(|n| !given_positional.contains(n))
        .map(|n| n.to_string())
        .chain(named.iter().filter(|n| !given_named.contains(*n)).cloned())
        .collect();
    missing.sort();
    if !extra_positional.is_empty() {
        let mut sorted = extra_positional;
        sorted.sort();
        out.push((
            Rule::F523,
            format!(
                "'...'.format(...) has unused arguments at position(s): {}",
                sorted.join(", ")
            ),
        ));
    }
    if !extra_named.is_empty() {
        out.push((
            Rule::F522,
            format!(
                "'...'.format(...) has unused named argument(s): {}",
                extra_named.join(", ")
            ),
        ));
    }
    if !missing.is_empty() {
        out.push((
            Rule::F524,
            format!(
                "'...'.format(...) is missing argument(s) for placeholder(s): {}",
                missing.join(", ")
            ),
        ));
    }
    out
}

/// One `%` placeholder: mapping key, width, precision, conversion character.
struct Placeholder {
    key: Option<String>,
    width: Option<String>,
    precision: Option<String>,
    conversion: char,
}

fn percent_placeholders(s: &str) -> Result<Vec<Placeholder>, ()> {
    let c: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if c[i] != '%' {
            i += 1;
            continue;
        }
        i += 1;
        let mut key = None;
        if i < c.len() && c[i] == '(' {
            if let Some(close) = (i + 1..c.len()).find(|&j| c[j] == ')' || c[j] == '(') {
                if c[close] == ')' {
                    key = Some(c[i + 1..close].iter().collect());
                    i = close + 1;
                }
            }
        }
        while i < c.len() && "#0+ -".contains(c[i]) {
            i += 1;
        }
        let start = i;
        if i < c.len() && c[i] == '*' {
            i += 1;
        } else {
            while i < c.len() && c[i].is_ascii_digit() {
                i += 1;
            }
        }
        let width = (i > start).then(|| c[start..i].iter().collect());
        let start = i;
        if i < c.len() && c[i] == '.' {
            i += 1;
            if i < c.len() && c[i] == '*' {
                i += 1;
            } else {
                while i < c.len() && c[i].is_ascii_digit() {
                    i += 1;
                }
            }
        }
        let precision = (i > start).then(|| c[start..i].iter().collect());
        if i < c.len() && "hlL".contains(c[i]) {
            i += 1;
        }
        let Some(&conversion) = c.get(i) else {
            return Err(());
        };
        i += 1;
        out.push(Placeholder {
            key,
            width,
            precision,
            conversion,
        });
    }
    Ok(out)
}

/// The right operand of `%`, as far as the checks can see it.
pub enum PercentArgs {
    /// A tuple or list literal without `*`: its length.
    Sequence(usize),
    /// A dict literal whose keys are all strings.
    Mapping(Vec<String>),
    Other,
}

/// The F50x findings of `template % args`.
pub fn percent_format(template: &str, args: &PercentArgs) -> Vec<(Rule, String)> {
    let mut out = Vec::new();
    let Ok(placeholders) = percent_placeholders(template) else {
        return vec![(
            Rule::F501,
            "'...' % ... has invalid format string: incomplete format".to_owned(),
        )];
    };
    let mut named: BTreeSet<String> = BTreeSet::new();
    let mut positional_count = 0usize;
    let mut positional: Option<bool> = None;
    for p in &placeholders {
        if p.conversion == '%' {
            continue;
        }
        if !"diouxXeEfFgGcrsa%".contains(p.conversion) {
            out.push((
                Rule::F509,
                format!(
                    "'...' % ... has unsupported format character '{}'",
                    p.conversion
                ),
            ));
        }
        if positional.is_none() {
            positional = Some(p.key.is_none());
        }
        for part in [&p.width, &p.precision].into_iter().flatten() {
            if part.contains('*') {
                if positional != Some(true) {
                    out.push((
                        Rule::F508,
                        "'...' % ... `*` specifier requires sequence".to_owned(),
                    ));
                } else {
                    positional_count += 1;
                }
            }
        }
        let mixed = "'...' % ... has mixed positional and named placeholders".to_owned();
        if (positional == Some(true)) != p.key.is_none() {
            out.push((Rule::F506, mixed));
            return out;
        }
        if positional == Some(true) {
            positional_count += 1;
        } else if let Some(k) = &p.key {
            named.insert(k.clone());
        }
    }
    let is_positional = positional == Some(true);
    match args {
        PercentArgs::Sequence(n) => {
            if is_positional && positional_count != *n {
                out.push((
                    Rule::F507,
                    format!(
                        "'...' % ... has {positional_count} placeholder(s) but {n} substitution(s)"
                    ),
                ));
            } else if !is_positional {
                out.push((
                    Rule::F502,
                    "'...' % ... expected mapping but got sequence".to_owned(),
                ));
            }
        }
        PercentArgs::Mapping(keys) => {
            if is_positional && positional_count > 1 {
                out.push((
                    Rule::F503,
                    "'...' % ... expected sequence but got mapping".to_owned(),
                ));
                return out;
            }
            let keys: BTreeSet<String> = keys.iter().cloned().collect();
            let extra: Vec<String> = keys.difference(&named).cloned().collect();
            let missing: Vec<String> = named.difference(&keys).cloned().collect();
            if !is_positional && !extra.is_empty() {
                out.push((
                    Rule::F504,
                    format!(
                        "'...' % ... has unused named argument(s): {}",
                        extra.join(", ")
                    ),
                ));
            }
            if !is_positional && !missing.is_empty() {
                out.push((
                    Rule::F505,
                    format!(
                        "'...' % ... is missing argument(s) for placeholder(s): {}",
                        missing.join(", ")
                    ),
                ));
            }
        }
        PercentArgs::Other => {}
    }
    out
}
