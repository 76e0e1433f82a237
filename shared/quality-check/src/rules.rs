//! Every code the check reports: flake8's numbering, our own titles and remediation. The table
//! below is the only place a code is written: it makes both the [`Rule`] that detection code
//! emits and the [`RULES`] catalogue (docs/rules.md, the policy defaults and SARIF read it).
use validator_domain::{Level, RuleInfo, Severity};

/// Builds [`Rule`] (one variant per code, named by the code) and [`RULES`] (in the same order,
/// so that a rule's catalogue entry is `RULES[rule as usize]`) from one table.
macro_rules! rules {
    ($($code:ident: $title:literal, $severity:ident, $level:ident, $mandatory:literal, $remediation:literal;)*) => {
        /// A code the check reports, named as flake8 numbers it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($code,)*
        }

        impl Rule {
            /// Every rule, in catalogue order.
            pub const ALL: &'static [Rule] = &[$(Rule::$code,)*];

            /// The code flake8 prints: the variant's name.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Rule::$code => stringify!($code),)*
                }
            }
        }

        /// The rules, in code order.
        pub static RULES: &[RuleInfo] = &[
            $(RuleInfo {
                id: stringify!($code),
                title: $title,
                severity: Severity::$severity,
                level: Level::$level,
                mandatory: $mandatory,
                remediation: $remediation,
            },)*
        ];
    };
}

impl Rule {
    /// The rule's catalogue entry: title, default level, remediation.
    pub fn info(self) -> &'static RuleInfo {
        &RULES[self as usize]
    }

    /// The rule with flake8's code `code`, if the check reports it.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|rule| rule.code() == code)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

rules! {
    E101: "Indentation mixes spaces and tabs", Low, Warning, false, "Indent with spaces only (4 per level); configure the editor to insert spaces for tabs.";
    E111: "Indentation is not a multiple of four", Low, Info, false, "Indent each block by exactly 4 spaces.";
    E112: "Expected an indented block", Low, Info, false, "Indent the body of the statement that ends with a colon.";
    E113: "Unexpected indentation", Low, Info, false, "Remove the extra indentation: only a block after a colon is indented.";
    E114: "Comment indentation is not a multiple of four", Low, Info, false, "Indent comments like the code around them, by multiples of 4 spaces.";
    E115: "Comment should be indented as a block", Low, Info, false, "Indent the comment to the level of the block it belongs to.";
    E116: "Comment is unexpectedly indented", Low, Info, false, "Align the comment with the surrounding code.";
    E117: "Over-indented block", Low, Info, false, "Indent the block by one level (4 spaces) only.";
    E121: "Continuation line under-indented for hanging indent", Low, Info, false, "Indent hanging continuation lines by 4 spaces.";
    E122: "Continuation line missing indentation or outdented", Low, Info, false, "Indent continuation lines relative to the line that opened the bracket.";
    E123: "Closing bracket does not match the opening line's indentation", Low, Info, false, "Put the closing bracket at the indentation of the line that opened it.";
    E124: "Closing bracket does not match visual indentation", Low, Info, false, "Align the closing bracket with the visual indentation or with the opening line.";
    E125: "Continuation line has the same indent as the next logical line", Low, Info, false, "Indent the continuation further so that it stands apart from the block body.";
    E126: "Continuation line over-indented for hanging indent", Low, Info, false, "Use 4 spaces for hanging indents.";
    E127: "Continuation line over-indented for visual indent", Low, Info, false, "Align continuation lines with the opening bracket's first argument.";
    E128: "Continuation line under-indented for visual indent", Low, Info, false, "Align continuation lines with the opening bracket's first argument.";
    E129: "Visually indented line has the same indent as the next logical line", Low, Info, false, "Indent the condition's continuation further or add a comment to separate it from the body.";
    E131: "Continuation line unaligned for hanging indent", Low, Info, false, "Align the continuation line with the hanging indent of the lines before it.";
    E133: "Closing bracket is missing indentation", Low, Info, false, "Indent the closing bracket (the project asked for hanging closing brackets).";
    E201: "Whitespace after an opening bracket", Low, Info, false, "Remove the space after '(', '[' or '{'.";
    E202: "Whitespace before a closing bracket", Low, Info, false, "Remove the space before ')', ']' or '}'.";
    E203: "Whitespace before a comma, semicolon or colon", Low, Info, false, "Remove the space before ',', ';' or ':'.";
    E204: "Whitespace after a decorator's '@'", Low, Info, false, "Write the decorator name right after '@'.";
    E211: "Whitespace before an argument list or index", Low, Info, false, "Remove the space between the name and '(' or '['.";
    E221: "Multiple spaces before an operator", Low, Info, false, "Use a single space before the operator.";
    E222: "Multiple spaces after an operator", Low, Info, false, "Use a single space after the operator.";
    E223: "Tab before an operator", Low, Info, false, "Use a single space before the operator.";
    E224: "Tab after an operator", Low, Info, false, "Use a single space after the operator.";
    E225: "Missing whitespace around an operator", Low, Info, false, "Put one space on each side of the operator.";
    E226: "Missing whitespace around an arithmetic operator", Low, Info, false, "Put one space on each side of the arithmetic operator.";
    E227: "Missing whitespace around a bitwise or shift operator", Low, Info, false, "Put one space on each side of the operator.";
    E228: "Missing whitespace around the modulo operator", Low, Info, false, "Put one space on each side of '%'.";
    E231: "Missing whitespace after a comma, semicolon or colon", Low, Info, false, "Add a space after ',', ';' or ':'.";
    E241: "Multiple spaces after a comma", Low, Info, false, "Use a single space after the comma.";
    E242: "Tab after a comma", Low, Info, false, "Use a single space after the comma.";
    E251: "Spaces around a keyword or parameter equals", Low, Info, false, "Write keyword arguments and defaults without spaces around '='.";
    E252: "Missing whitespace around an annotated parameter's equals", Low, Info, false, "Put spaces around '=' when the parameter has a type annotation.";
    E261: "Fewer than two spaces before an inline comment", Low, Info, false, "Separate inline comments from code by at least two spaces.";
    E262: "Inline comment should start with '# '", Low, Info, false, "Start inline comments with '# '.";
    E265: "Block comment should start with '# '", Low, Info, false, "Start block comments with '# '.";
    E266: "Too many leading '#' for a block comment", Low, Info, false, "Start block comments with a single '# '.";
    E271: "Multiple spaces after a keyword", Low, Info, false, "Use a single space after the keyword.";
    E272: "Multiple spaces before a keyword", Low, Info, false, "Use a single space before the keyword.";
    E273: "Tab after a keyword", Low, Info, false, "Use a single space after the keyword.";
    E274: "Tab before a keyword", Low, Info, false, "Use a single space before the keyword.";
    E275: "Missing whitespace after a keyword", Low, Info, false, "Put a space after the keyword.";
    E301: "Expected one blank line before a method", Low, Info, false, "Separate methods with one blank line.";
    E302: "Expected two blank lines before a top-level definition", Low, Info, false, "Separate top-level functions and classes with two blank lines.";
    E303: "Too many blank lines", Low, Info, false, "Use at most two blank lines at top level and one inside functions and classes.";
    E304: "Blank line after a decorator", Low, Info, false, "Put the decorated definition right after its decorator.";
    E305: "Expected two blank lines after a definition", Low, Info, false, "Leave two blank lines after a top-level function or class before other code.";
    E306: "Expected one blank line before a nested definition", Low, Info, false, "Put a blank line before a nested function or class.";
    E401: "Multiple imports on one line", Low, Info, false, "Import one module per line.";
    E402: "Module-level import not at the top of the file", Low, Info, false, "Move imports to the top of the module, after the docstring and comments.";
    E501: "Line too long", Low, Info, false, "Wrap the line below the maximum length (use brackets rather than backslashes).";
    E502: "Redundant backslash between brackets", Low, Info, false, "Remove the backslash: lines inside brackets continue without it.";
    E701: "Multiple statements on one line (colon)", Low, Info, false, "Put the body of the compound statement on its own line.";
    E702: "Multiple statements on one line (semicolon)", Low, Info, false, "Put each statement on its own line.";
    E703: "Statement ends with a semicolon", Low, Info, false, "Remove the trailing semicolon.";
    E704: "Function body on the same line as its definition", Low, Info, false, "Put the function body on its own line.";
    E711: "Comparison to None with == or !=", Low, Warning, false, "Compare to None with 'is' or 'is not'.";
    E712: "Comparison to True or False with == or !=", Low, Warning, false, "Test the value directly ('if x:' / 'if not x:') or use 'is' for identity.";
    E713: "Membership test written as 'not x in y'", Low, Warning, false, "Write 'x not in y'.";
    E714: "Identity test written as 'not x is y'", Low, Warning, false, "Write 'x is not y'.";
    E721: "Type comparison with == or !=", Low, Warning, false, "Use isinstance() for instance checks, or 'is' / 'is not' for exact types.";
    E722: "Bare 'except:'", Low, Warning, false, "Catch the specific exceptions you expect ('except Exception:' at the widest); a bare except also swallows KeyboardInterrupt and SystemExit.";
    E731: "Lambda assigned to a name", Low, Warning, false, "Define a function with 'def' instead of assigning a lambda.";
    E741: "Ambiguous variable name 'l', 'O' or 'I'", Low, Warning, false, "Rename the variable: 'l', 'O' and 'I' look like digits in many fonts.";
    E742: "Ambiguous class name 'l', 'O' or 'I'", Low, Warning, false, "Rename the class to something descriptive.";
    E743: "Ambiguous function name 'l', 'O' or 'I'", Low, Warning, false, "Rename the function to something descriptive.";
    E901: "Python source cannot be read", Medium, Critical, true, "Make the file valid Python 3 source (encoding and tokens) so that it can be analysed.";
    E902: "Python source cannot be read", Medium, Critical, true, "Make the file readable Python 3 source (a valid encoding, complete strings and brackets).";
    E999: "Syntax error", Medium, Critical, true, "Fix the syntax error (often Python 2 code): QGIS 3 runs Python 3 only, so this file cannot even be imported.";
    W191: "Indentation contains tabs", Low, Info, false, "Indent with spaces, not tabs.";
    W291: "Trailing whitespace", Low, Info, false, "Remove the whitespace at the end of the line.";
    W292: "No newline at end of file", Low, Info, false, "End the file with a newline.";
    W293: "Blank line contains whitespace", Low, Info, false, "Remove the whitespace from the blank line.";
    W391: "Blank line at end of file", Low, Info, false, "Remove the blank lines at the end of the file.";
    W503: "Line break before a binary operator", Low, Info, false, "Break lines consistently around binary operators (this style check is off by default).";
    W504: "Line break after a binary operator", Low, Info, false, "Break lines consistently around binary operators (this style check is off by default).";
    W505: "Doc line too long", Low, Info, false, "Wrap comments and docstrings below the maximum documentation length.";
    W605: "Invalid escape sequence", Low, Warning, false, "Use a raw string (r'...') or double the backslash: invalid escapes are a SyntaxWarning in recent Python and will become errors.";
    F401: "Imported but unused", Medium, Info, false, "Remove the unused import, or list the name in __all__ if it is re-exported.";
    F402: "Import shadowed by a loop variable", Medium, Warning, false, "Rename the loop variable so that it does not hide the imported name.";
    F403: "'from module import *' used", Medium, Warning, false, "Import the names you need explicitly: star imports hide where names come from and what is undefined.";
    F404: "Late __future__ import", Medium, Warning, false, "Put 'from __future__ import' statements first in the module, after the docstring.";
    F405: "Name may come from a star import", Medium, Warning, false, "Import the name explicitly instead of relying on 'from module import *'.";
    F406: "Star import outside module level", Medium, Info, false, "Move the star import to module level, or import the names explicitly.";
    F407: "Unknown __future__ feature", Medium, Info, false, "Remove the undefined __future__ feature.";
    F501: "Invalid % format string", Medium, Info, false, "Fix the %-format string.";
    F502: "% format expected a mapping", Medium, Info, false, "Pass a dict to a format string that uses named placeholders.";
    F503: "% format expected a sequence", Medium, Info, false, "Pass a tuple to a format string that uses positional placeholders.";
    F504: "Unused named arguments in % format", Medium, Info, false, "Remove the arguments the format string does not use.";
    F505: "Missing named arguments in % format", Medium, Info, false, "Provide every named placeholder's value.";
    F506: "% format mixes positional and named placeholders", Medium, Info, false, "Use either positional or named placeholders, not both.";
    F507: "% format placeholder count mismatch", Medium, Info, false, "Pass as many values as the format string has placeholders.";
    F508: "% format '*' specifier requires a sequence", Medium, Info, false, "Pass a tuple when the format uses '*'.";
    F509: "Unsupported % format character", Medium, Info, false, "Use a valid conversion character.";
    F521: "Invalid .format string", Medium, Info, false, "Fix the str.format template.";
    F522: "Unused named arguments in .format", Medium, Info, false, "Remove the keyword arguments the template does not use.";
    F523: "Unused positional arguments in .format", Medium, Info, false, "Remove the positional arguments the template does not use.";
    F524: "Missing arguments in .format", Medium, Info, false, "Provide every placeholder's value.";
    F525: "'.format' mixes automatic and manual numbering", Medium, Info, false, "Number all placeholders or none.";
    F541: "f-string without placeholders", Medium, Info, false, "Remove the 'f' prefix or add the intended placeholders.";
    F601: "Dictionary key repeated with different values", Medium, Info, false, "Remove the duplicate key: only the last value is kept.";
    F602: "Dictionary key variable repeated with different values", Medium, Info, false, "Remove the duplicate key: only the last value is kept.";
    F621: "Too many expressions in star-unpacking assignment", Medium, Info, false, "Reduce the number of targets in the unpacking.";
    F622: "Two starred expressions in an assignment", Medium, Info, false, "Use at most one starred target.";
    F631: "Assertion on a tuple is always true", Medium, Info, false, "Remove the parentheses: 'assert x, \"message\"'.";
    F632: "Identity comparison with a literal", Medium, Info, false, "Compare values with == / != ('is' compares object identity).";
    F633: "'>>' used with print()", Medium, Info, false, "Use print(..., file=stream).";
    F634: "If test on a tuple is always true", Medium, Info, false, "Remove the accidental comma or parentheses from the condition.";
    F701: "'break' outside a loop", Medium, Info, false, "Only use 'break' inside a loop.";
    F702: "'continue' outside a loop", Medium, Info, false, "Only use 'continue' inside a loop.";
    F704: "'yield' outside a function", Medium, Info, false, "Only use 'yield' inside a function.";
    F706: "'return' outside a function", Medium, Info, false, "Only use 'return' inside a function.";
    F707: "Bare 'except:' is not the last handler", Medium, Info, false, "Put the bare 'except:' handler last.";
    F721: "Syntax error in a doctest", Medium, Info, false, "Fix the doctest's code.";
    F722: "Syntax error in a forward annotation", Medium, Info, false, "Make the string annotation a valid expression.";
    F811: "Redefinition of an unused name", Medium, Warning, false, "Remove or rename one of the definitions; the first is never used.";
    F821: "Undefined name", Medium, Critical, true, "Define or import the name: using it raises NameError at run time.";
    F822: "Undefined name in __all__", Medium, Warning, false, "Define the name or remove it from __all__.";
    F823: "Local variable referenced before assignment", Medium, Critical, true, "Assign the local variable before using it, or declare it global/nonlocal.";
    F824: "Unused global or nonlocal declaration", Medium, Info, false, "Remove the 'global' / 'nonlocal' statement: the name is never assigned here.";
    F831: "Duplicate argument name", Medium, Critical, true, "Give every parameter a distinct name.";
    F841: "Local variable assigned but never used", Medium, Info, false, "Remove the assignment or use the variable.";
    F842: "Local variable annotated but never used", Medium, Info, false, "Remove the annotation or use the variable.";
    F901: "'raise NotImplemented'", Medium, Warning, false, "Raise NotImplementedError: NotImplemented is a value, not an exception.";
    C901: "Function is too complex", Low, Warning, false, "Split the function into smaller ones; its cyclomatic complexity is above the configured maximum.";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `info` indexes the catalogue by the variant's position: both come from one table, so
    /// they stay in step, which this checks.
    #[test]
    fn every_rule_is_its_catalogue_entry() {
        assert_eq!(Rule::ALL.len(), RULES.len());
        for &rule in Rule::ALL {
            assert_eq!(rule.info().id, rule.code());
            assert_eq!(Rule::from_code(rule.code()), Some(rule));
        }
        assert_eq!(Rule::from_code("E000"), None);
    }
}
