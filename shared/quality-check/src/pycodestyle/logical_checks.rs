//! The logical-line checks, run in flake8's order.

use super::logical_line::{LogicalLine, Results};
use super::{blank_lines, comparisons, continuation, statements, whitespace};

pub fn run(line: &LogicalLine<'_>, imports: &mut statements::ImportState, out: &mut Results) {
    comparisons::ambiguous_identifier(line, out);
    comparisons::bare_except(line, out);
    blank_lines::blank_lines(line, out);
    statements::break_after_binary_operator(line, out);
    statements::break_before_binary_operator(line, out);
    comparisons::comparison_negative(line, out);
    comparisons::comparison_to_singleton(line, out);
    comparisons::comparison_type(line, out);
    statements::compound_statements(line, out);
    continuation::continued_indentation(line, out);
    statements::explicit_line_join(line, out);
    whitespace::extraneous_whitespace(line, out);
    statements::imports_on_separate_lines(line, out);
    continuation::indentation(line, out);
    statements::maximum_doc_length(line, out);
    whitespace::missing_whitespace(line, out);
    whitespace::missing_whitespace_after_keyword(line, out);
    statements::module_imports_on_top_of_file(line, imports, out);
    comparisons::invalid_escape_sequence(line, out);
    whitespace::whitespace_around_comma(line, out);
    whitespace::whitespace_around_keywords(line, out);
    whitespace::whitespace_around_named_parameter_equals(line, out);
    whitespace::whitespace_around_operator(line, out);
    whitespace::whitespace_before_comment(line, out);
    whitespace::whitespace_before_parameters(line, out);
}
