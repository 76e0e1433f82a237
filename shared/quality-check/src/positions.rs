//! Positions as CPython reports them where the parser's ranges differ.

use validator_python::ast::Decorator;
use validator_python::text_size::{Ranged, TextSize};
use validator_python::PythonModule;

/// CPython puts a decorated `def`/`class` at its keyword, not at its first decorator: the first
/// line after the last decorator that is not blank or a comment. `(line, byte column)`.
pub fn def_location(
    module: &PythonModule,
    start: TextSize,
    decorators: &[Decorator],
) -> (usize, usize) {
    let at_offset = |offset: TextSize| {
        let (line, column) = module.line_and_byte_column(offset);
        (line as usize, column as usize)
    };
    let Some(last) = decorators.last() else {
        return at_offset(start);
    };
    let bytes = module.source().as_bytes();
    let mut at = usize::from(last.end());
    loop {
        while at < bytes.len() && bytes[at] != b'\n' && bytes[at] != b'\r' {
            at += 1;
        }
        if at < bytes.len() && bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            at += 1;
        }
        at += 1;
        let mut p = at;
        while p < bytes.len() && matches!(bytes[p], b' ' | b'\t' | b'\x0c') {
            p += 1;
        }
        if p >= bytes.len() {
            return at_offset(start);
        }
        if matches!(bytes[p], b'#' | b'\n' | b'\r' | b'@') {
            continue;
        }
        return at_offset(TextSize::new(u32::try_from(p).unwrap_or(u32::MAX)));
    }
}
