//! Payloads in the plugin's own files, found by content: pickles that run code when loaded
//! (read by their opcodes, never loaded) and modules shipped only as compiled bytecode.

use validator_archive::FileHeads;
use validator_domain::{CheckContext, CheckError, Finding};

use crate::caps::Api;
use crate::rules::{BHV008, BHV009, BHV113};
use crate::BehaviourLimits;

/// File name endings of pickles (joblib and numpy object files are pickles too).
const PICKLE_EXTENSIONS: &[&str] = &[".pkl", ".pickle", ".pck", ".pcl", ".p", ".joblib", ".sav"];

/// What a pickle references: the callables it names (`module.name`) and whether it calls or
/// builds objects at all.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PickleCode {
    pub callables: Vec<String>,
    /// REDUCE, INST, OBJ, NEWOBJ or NEWOBJ_EX: something is called or built when it loads.
    pub calls: bool,
}

/// Callables named in one finding's evidence.
const MAX_SHOWN_CALLABLES: usize = 5;

/// Reads a pickle's opcodes (protocols 0 to 5) without loading it: `None` when the bytes are
/// not a well-formed pickle (they end before STOP, or an opcode is unknown), else what it
/// references. A pickle of plain data (numbers, strings, lists, dicts, tuples, sets, bytes)
/// references nothing.
pub fn pickle_code(data: &[u8]) -> Option<PickleCode> {
    let mut code = PickleCode::default();
    // What was pushed last (a string, or something else), and the memo: enough to name what
    // STACK_GLOBAL calls (its module and name are the last two pushes, often fetched back from
    // the memo). Strings are kept as their place in `data` and read only when a callable is
    // named: a pickle of data (a locale's tables) pushes and memoizes hundreds of thousands.
    let mut pushed: Vec<Option<Text>> = Vec::new();
    let mut memo = Memo::default();
    let mut at = 0usize;
    let take = |at: &mut usize, n: usize| -> Option<(usize, usize)> {
        let start = *at;
        let end = start.checked_add(n)?;
        data.get(start..end)?;
        *at = end;
        Some((start, end))
    };
    let line = |at: &mut usize| -> Option<(usize, usize)> {
        let start = *at;
        let end = start + data.get(start..)?.iter().position(|b| *b == b'\n')?;
        *at = end + 1;
        Some((start, end))
    };
    let le = |(start, end): (usize, usize)| -> usize {
        let mut value: u64 = 0;
        for (i, b) in data[start..end].iter().enumerate().take(8) {
            value |= u64::from(*b) << (8 * i);
        }
        usize::try_from(value).unwrap_or(usize::MAX)
    };
    let string = |range: (usize, usize)| String::from_utf8_lossy(&data[range.0..range.1]);
    let slot_of = |range: (usize, usize)| string(range).trim().parse::<usize>().ok();
    loop {
        let op = *data.get(at)?;
        at += 1;
        let push: Option<Option<Text>> = match op {
            b'.' => return Some(code),
            // No argument; what they leave on the stack is nothing STACK_GLOBAL names.
            b'(' | b'0' | b'1' | b'2' | b'N' | b'a' | b'b' | b'd' | b'}' | b'e' | b'l' | b']'
            | b's' | b't' | b')' | b'u' | 0x85 | 0x86 | 0x87 | 0x88 | 0x89 | 0x8f | 0x90 | 0x91
            | 0x97 | 0x98 | b'Q' => Some(None),
            // MEMOIZE: the top goes into the next memo slot.
            0x94 => {
                memo.put(memo.len(), pushed.last().copied().flatten());
                None
            }
            b'R' | b'o' | 0x81 | 0x92 => {
                code.calls = true;
                Some(None)
            }
            0x93 => {
                // STACK_GLOBAL: module and name are the last two pushes.
                let name = pushed.pop().flatten();
                let module = pushed.pop().flatten();
                code.callables.push(match (module, name) {
                    (Some(module), Some(name)) => {
                        format!("{}.{}", module.read(data), name.read(data))
                    }
                    _ => "?".to_owned(),
                });
                Some(None)
            }
            // Newline-terminated arguments.
            b'I' | b'L' | b'F' | b'P' => {
                line(&mut at)?;
                Some(None)
            }
            b'g' => {
                let slot = slot_of(line(&mut at)?);
                Some(slot.and_then(|s| memo.get(s)))
            }
            b'p' => {
                if let Some(slot) = slot_of(line(&mut at)?) {
                    memo.put(slot, pushed.last().copied().flatten());
                }
                None
            }
            b'S' | b'V' => Some(Some(Text::quoted(line(&mut at)?))),
            b'c' | b'i' => {
                let module = line(&mut at)?;
                let name = line(&mut at)?;
                if op == b'i' {
                    code.calls = true;
                }
                code.callables
                    .push(format!("{}.{}", string(module), string(name)));
                Some(None)
            }
            // Memo reads and writes by index.
            b'h' | b'j' => {
                let slot = le(take(&mut at, if op == b'h' { 1 } else { 4 })?);
                Some(memo.get(slot))
            }
            b'q' | b'r' => {
                let slot = le(take(&mut at, if op == b'q' { 1 } else { 4 })?);
                memo.put(slot, pushed.last().copied().flatten());
                None
            }
            // Fixed-size arguments.
            0x80 => {
                take(&mut at, 1)?;
                None
            }
            0x95 => {
                take(&mut at, 8)?;
                None
            }
            b'K' | 0x82 => {
                take(&mut at, 1)?;
                Some(None)
            }
            b'M' | 0x83 => {
                take(&mut at, 2)?;
                Some(None)
            }
            b'J' | 0x84 => {
                take(&mut at, 4)?;
                Some(None)
            }
            b'G' => {
                take(&mut at, 8)?;
                Some(None)
            }
            // Length-prefixed arguments.
            b'U' | b'C' | 0x8c | 0x8a => {
                let n = usize::from(*data.get(take(&mut at, 1)?.0)?);
                let bytes = take(&mut at, n)?;
                Some(matches!(op, b'U' | 0x8c).then_some(Text::raw(bytes)))
            }
            b'T' | b'X' | b'B' | 0x8b => {
                let n = le(take(&mut at, 4)?);
                let bytes = take(&mut at, n)?;
                Some(matches!(op, b'T' | b'X').then_some(Text::raw(bytes)))
            }
            0x8d | 0x8e | 0x96 => {
                let n = le(take(&mut at, 8)?);
                let bytes = take(&mut at, n)?;
                Some((op == 0x8d).then_some(Text::raw(bytes)))
            }
            _ => return None,
        };
        if let Some(value) = push {
            pushed.push(value);
            // Only the last pushes matter; the stack is not modelled beyond them.
            if pushed.len() > 64 {
                pushed.drain(..32);
            }
        }
    }
}

/// A string a pickle pushed: its bytes' place in the pickle, and whether they are a protocol
/// 0 literal whose quotes are taken off when it is read.
#[derive(Debug, Clone, Copy)]
struct Text {
    start: usize,
    end: usize,
    quoted: bool,
}

impl Text {
    fn raw((start, end): (usize, usize)) -> Self {
        Self {
            start,
            end,
            quoted: false,
        }
    }

    fn quoted((start, end): (usize, usize)) -> Self {
        Self {
            start,
            end,
            quoted: true,
        }
    }

    fn read(self, data: &[u8]) -> String {
        let text = String::from_utf8_lossy(data.get(self.start..self.end).unwrap_or_default());
        if self.quoted {
            text.trim_matches(['\'', '"']).to_owned()
        } else {
            text.into_owned()
        }
    }
}

/// The pickle's memo: slots written in order (MEMOIZE, and PUT with the next index, as
/// pickles write them) in a vector; any other index in a map, so that a hostile index costs no
/// memory.
#[derive(Default)]
struct Memo {
    slots: Vec<Option<Text>>,
    others: std::collections::HashMap<usize, Option<Text>>,
}

impl Memo {
    /// The slots written (MEMOIZE's next index).
    fn len(&self) -> usize {
        self.slots.len() + self.others.len()
    }

    fn put(&mut self, slot: usize, value: Option<Text>) {
        if let Some(kept) = self.slots.get_mut(slot) {
            *kept = value;
        } else if slot == self.slots.len() {
            self.others.remove(&slot);
            self.slots.push(value);
        } else {
            self.others.insert(slot, value);
        }
    }

    fn get(&self, slot: usize) -> Option<Text> {
        match self.slots.get(slot) {
            Some(value) => *value,
            None => self.others.get(&slot).copied().flatten(),
        }
    }
}

/// Whether a file may be a pickle: its name, or a binary pickle's protocol header.
fn may_be_pickle(name: &str, head: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    PICKLE_EXTENSIONS.iter().any(|e| lower.ends_with(e)) || matches!(head, [0x80, 2..=5, ..])
}

/// The source file a `.pyc` was compiled from: `a/__pycache__/b.cpython-311.pyc` and `a/b.pyc`
/// are `a/b.py`.
fn source_of(pyc: &str) -> Option<String> {
    let stem = pyc.strip_suffix(".pyc")?;
    let (folder, file) = match stem.rsplit_once('/') {
        Some((folder, file)) => (Some(folder), file),
        None => (None, stem),
    };
    let (folder, module) = match folder.and_then(|f| f.strip_suffix("__pycache__")) {
        Some(parent) => (
            Some(parent.trim_end_matches('/')),
            file.split('.').next().unwrap_or(file),
        ),
        None => (folder, file),
    };
    Some(match folder {
        Some(folder) if !folder.is_empty() => format!("{folder}/{module}.py"),
        _ => format!("{module}.py"),
    })
}

/// A callable a pickle names that runs code or reaches outside the process (the API
/// catalogue's sinks and runners: `os.system`, `builtins.exec`, `subprocess.Popen`, ...), with
/// the names pickles use for them (`posix.system`, `__builtin__.eval`).
fn dangerous(callable: &str) -> bool {
    let name = if let Some(rest) = callable
        .strip_prefix("posix.")
        .or_else(|| callable.strip_prefix("nt."))
    {
        format!("os.{rest}")
    } else if let Some(rest) = callable.strip_prefix("__builtin__.") {
        format!("builtins.{rest}")
    } else {
        callable.to_owned()
    };
    let api = Api::of(&name);
    api.sink.is_some() || api.runner.is_some()
}

/// BHV008 for each shipped pickle naming a callable that runs code or reaches outside the
/// process; BHV113 for one that builds other objects when the plugin's code loads pickles
/// (`unpickles`); BHV009 for each module shipped only as compiled bytecode.
pub fn findings(
    ctx: &CheckContext<'_>,
    limits: &BehaviourLimits,
    unpickles: bool,
) -> Result<Vec<Finding>, CheckError> {
    let mut findings = Vec::new();
    let pickles = (ctx.rule_enabled)(BHV008.id) || (ctx.rule_enabled)(BHV113.id);
    let bytecode = (ctx.rule_enabled)(BHV009.id);
    let heads = ctx.cache.get_or_init(|| FileHeads::new(ctx.archive));
    for entry in ctx.archive.files() {
        let name = entry.name.as_str();
        // Python imports a `.pyc` without its source only from the source's place, never from
        // `__pycache__` (PEP 3147): stale caches there are not code that runs.
        let cached = name.starts_with("__pycache__/") || name.contains("/__pycache__/");
        if bytecode && !cached && name.to_ascii_lowercase().ends_with(".pyc") {
            let source = source_of(name).unwrap_or_default();
            if ctx.archive.entry(&source).is_none() {
                findings.push(Finding::new(
                    crate::ID,
                    &BHV009,
                    name,
                    format!("`{name}` is compiled Python whose source `{source}` is not in the plugin: its code cannot be reviewed, and Python imports it"),
                ));
            }
            continue;
        }
        if !pickles || entry.size < 2 || entry.size > limits.max_pickle_bytes {
            continue;
        }
        // From the heads the native-code sniffer and suspicious_files read once per scan: a
        // read of its own would inflate every file of the zip again. A text head comes back
        // empty, and no pickle protocol 2+ starts with text.
        let head = heads
            .prefix(ctx.archive, entry, 2)
            .map_err(|e| CheckError::Failed(format!("{name}: {e}")))?;
        if !may_be_pickle(name, &head) {
            continue;
        }
        let data = ctx
            .archive
            .read(entry)
            .map_err(|e| CheckError::Failed(format!("{name}: {e}")))?;
        let Some(code) = pickle_code(&data) else {
            continue;
        };
        if code.callables.is_empty() && !code.calls {
            continue;
        }
        let runs_code = code.callables.iter().any(|c| dangerous(c));
        // Objects of libraries rebuilt (a model, a document tree) run code only if something
        // loads them: without a pickle loaded anywhere in the plugin's code they are inert
        // files (Sphinx's doctrees shipped with the help).
        if !runs_code && !unpickles {
            continue;
        }
        let rule = if runs_code { &BHV008 } else { &BHV113 };
        let mut shown: Vec<&str> = code.callables.iter().map(String::as_str).collect();
        shown.sort_unstable();
        shown.dedup();
        let more = shown.len().saturating_sub(MAX_SHOWN_CALLABLES);
        shown.truncate(MAX_SHOWN_CALLABLES);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        findings.push(Finding::new(
            crate::ID,
            rule,
            name,
            format!(
                "`{name}` is a pickle that calls code when it is loaded: {}{more}",
                if shown.is_empty() {
                    "objects built by its own opcodes".to_owned()
                } else {
                    shown.join(", ")
                }
            ),
        ));
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_data_references_nothing_and_callables_are_named() {
        // pickle.dumps({"a": [1, 2.5, "x"]}, protocol=2)
        let plain = b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01]q\x02(K\x01G@\x04\x00\x00\x00\x00\x00\x00X\x01\x00\x00\x00xq\x03es.";
        assert_eq!(pickle_code(plain), Some(PickleCode::default()));
        // Protocol 0: os.system("id") via GLOBAL and REDUCE.
        let reduce = b"cos\nsystem\n(S'id'\ntR.";
        let code = pickle_code(reduce).expect("a pickle");
        assert_eq!(code.callables, vec!["os.system".to_owned()]);
        assert!(code.calls);
        // Protocol 4 with the memo: the module and name fetched back with BINGET.
        let memo = b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x93\x94h\x00h\x01\x93\x94.";
        let code = pickle_code(memo).expect("a pickle");
        assert_eq!(
            code.callables,
            vec!["os.system".to_owned(), "os.system".to_owned()]
        );
        // Protocol 4: STACK_GLOBAL names builtins.eval.
        let stack =
            b"\x80\x04\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94\x8c\x011\x94\x85\x94R\x94.";
        let code = pickle_code(stack).expect("a pickle");
        assert_eq!(code.callables, vec!["builtins.eval".to_owned()]);
        // A memo slot far from the others (LONG_BINPUT 2^32-1) is kept without room for the
        // slots before it, and MEMOIZE still takes the next index after it.
        let far =
            b"\x80\x04\x8c\x02osr\xff\xff\xff\xff\x8c\x06system\x94j\xff\xff\xff\xffh\x01\x93.";
        let code = pickle_code(far).expect("a pickle");
        assert_eq!(code.callables, vec!["os.system".to_owned()]);
        // Protocol 0 with PUT and GET by text index, quoted strings: pickletools' idiom.
        let put_get = b"(S'os'\np0\nS'system'\np1\ng0\ng1\n\x93.";
        let code = pickle_code(put_get).expect("a pickle");
        assert_eq!(code.callables, vec!["os.system".to_owned()]);
        // Not a pickle: truncated, or text.
        assert_eq!(pickle_code(b"\x80\x02}q"), None);
        assert_eq!(pickle_code(b"hello world"), None);
    }

    #[test]
    fn compiled_files_name_their_source() {
        assert_eq!(
            source_of("demo/__pycache__/core.cpython-311.pyc").as_deref(),
            Some("demo/core.py")
        );
        assert_eq!(source_of("demo/core.pyc").as_deref(), Some("demo/core.py"));
    }
}
