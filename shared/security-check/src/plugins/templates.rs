//! Template engines: B701 `jinja2_autoescape_false`, B702 `use_of_mako_templates`.

use std::collections::VecDeque;

use validator_domain::{Confidence, Severity};
use validator_python::ast::{Expr, Keyword};

use crate::context::{CallContext, Issue};
use crate::rules::Rule;

/// The keywords under a call in `ast.walk` (breadth-first) order, through nested calls.
fn keywords_breadth_first<'a>(call: &'a validator_python::ast::ExprCall) -> Vec<&'a Keyword> {
    let mut found = Vec::new();
    let mut queue: VecDeque<&'a Expr> = VecDeque::new();
    let visit_call = |call: &'a validator_python::ast::ExprCall,
                      queue: &mut VecDeque<&'a Expr>,
                      found: &mut Vec<&'a Keyword>| {
        queue.push_back(&call.func);
        queue.extend(call.arguments.args.iter());
        for keyword in call.arguments.keywords.iter() {
            found.push(keyword);
            queue.push_back(&keyword.value);
        }
    };
    visit_call(call, &mut queue, &mut found);
    while let Some(expr) = queue.pop_front() {
        match expr {
            Expr::Call(inner) => visit_call(inner, &mut queue, &mut found),
            Expr::Attribute(a) => queue.push_back(&a.value),
            Expr::List(l) => queue.extend(l.elts.iter()),
            Expr::Tuple(t) => queue.extend(t.elts.iter()),
            Expr::Starred(s) => queue.push_back(&s.value),
            _ => {}
        }
    }
    found
}

pub(crate) fn jinja2_autoescape_false(context: &CallContext<'_, '_>) -> Option<Issue> {
    let parts: Vec<&str> = context.qualname.split('.').collect();
    if !(parts.contains(&"jinja2") && parts.last() == Some(&"Environment")) {
        return None;
    }
    for keyword in keywords_breadth_first(context.call) {
        if keyword.arg.as_ref().map(|a| a.as_str()) != Some("autoescape") {
            continue;
        }
        let value = &keyword.value;
        let is_false = matches!(value, Expr::BooleanLiteral(b) if !b.value)
            || matches!(value, Expr::Name(n) if n.id.as_str() == "False");
        if is_false {
            return Some(Issue::new(
                Rule::B701,
                Severity::High,
                Confidence::High,
                "Using jinja2 templates with autoescape=False is dangerous and can lead to XSS. \
                 Use autoescape=True or use the select_autoescape function to mitigate XSS \
                 vulnerabilities.",
            ));
        }
        let is_true = matches!(value, Expr::BooleanLiteral(b) if b.value)
            || matches!(value, Expr::Name(n) if n.id.as_str() == "True");
        let select = matches!(value, Expr::Call(call) if match call.func.as_ref() {
            Expr::Attribute(a) => a.attr.as_str() == "select_autoescape",
            Expr::Name(n) => n.id.as_str() == "select_autoescape",
            _ => false,
        });
        if is_true || select {
            return None;
        }
        return Some(Issue::new(
            Rule::B701,
            Severity::High,
            Confidence::Medium,
            "Using jinja2 templates with autoescape=False is dangerous and can lead to XSS. \
             Ensure autoescape=True or use the select_autoescape function to mitigate XSS \
             vulnerabilities.",
        ));
    }
    Some(Issue::new(
        Rule::B701,
        Severity::High,
        Confidence::High,
        "By default, jinja2 sets autoescape to False. Consider using autoescape=True or use the \
         select_autoescape function to mitigate XSS vulnerabilities.",
    ))
}

pub(crate) fn use_of_mako_templates(context: &CallContext<'_, '_>) -> Option<Issue> {
    let parts: Vec<&str> = context.qualname.split('.').collect();
    (parts.contains(&"mako") && parts.last() == Some(&"Template")).then(|| {
        Issue::new(
            Rule::B702,
            Severity::Medium,
            Confidence::High,
            "Mako templates allow HTML/JS rendering by default and are inherently open to XSS \
             attacks. Ensure variables in all templates are properly sanitized via the 'n', 'h' \
             or 'x' flags (depending on context). For example, to HTML escape the variable \
             'data' do ${ data |h }.",
        )
    })
}
