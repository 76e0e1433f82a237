//! Data handed to a class of the file through its constructor and read back from `self` in
//! another method: `Uploader(key)` with `__init__(self, payload): self.payload = payload`, then
//! `requests.post(url, data=self.payload)` in `run` (the worker idiom of QGIS plugins: a
//! `QgsTask` or `QThread` built with its data). Each such attribute is a pseudo function of the
//! flow engine whose result is what the constructor's callers pass for that parameter; reading
//! the attribute yields that result, so the engine follows it like a helper's return value.

use super::*;

/// `self.attr = <parameter>` in a class's `__init__`: the attribute stands for a parameter.
pub(super) struct AttrParam<'m> {
    class: &'m str,
    attr: String,
    /// The parameter's position, counting `self` as 0.
    param: usize,
    /// The parameter's name (a constructor call may pass it by keyword).
    name: String,
    /// The pseudo function's number ([`Taint::result`]).
    index: usize,
}

/// Pseudo functions are numbered down from the last result the engine follows, clear of the
/// file's own functions by this margin (functions defined inside functions are numbered later).
const MARGIN: usize = 8;

impl<'m> Analyser<'m> {
    /// In a class's `__init__`: the taint `self.attr = value` adds to the attribute when the
    /// value is a parameter (the pseudo function's result), or nothing.
    pub(super) fn constructor_attribute(&mut self, attr: &str, value: &Value) -> Taint {
        let Some(class) = self.init_class_now else {
            return Taint::NONE;
        };
        let mut taint = Taint::NONE;
        for param in value.taint().params() {
            let existing = self
                .attr_params
                .iter()
                .find(|a| a.class == class && a.attr == attr && a.param == param)
                .map(|a| a.index);
            let index = match existing {
                Some(index) => index,
                None => {
                    let Some(index) = Taint::MAX_RESULTS.checked_sub(1 + self.attr_params.len())
                    else {
                        continue;
                    };
                    if index < self.function_index.len() + MARGIN {
                        continue;
                    }
                    let name = self.facts.units[self.current]
                        .params
                        .get(param)
                        .cloned()
                        .unwrap_or_default();
                    self.attr_params.push(AttrParam {
                        class,
                        attr: attr.to_owned(),
                        param,
                        name,
                        index,
                    });
                    index
                }
            };
            taint = taint.union(Taint::result(index));
        }
        taint
    }

    /// A call of a class of the file (`Uploader(key)`): what each argument carries, for the
    /// attributes its `__init__` keeps.
    pub(super) fn note_constructor_call(
        &mut self,
        name: &str,
        args: &[Value],
        keywords: &[(Option<&'m str>, Value)],
    ) {
        if self.class_names.contains(name) && self.constructor_calls.len() < MAX_CONSTRUCTOR_CALLS {
            self.constructor_calls.push(ConstructorCall {
                class: name.to_owned(),
                args: args.iter().map(|a| a.taint().without_params()).collect(),
                keywords: keywords
                    .iter()
                    .filter_map(|(k, v)| Some(((*k)?.to_owned(), v.taint().without_params())))
                    .collect(),
            });
        }
    }

    /// After the file is read: each attribute's pseudo function returns what the callers of
    /// its class passed for its parameter.
    pub(super) fn link_constructor_attributes(&mut self) {
        if self.attr_params.is_empty() {
            return;
        }
        let real = self.function_index.len();
        for attr in &self.attr_params {
            // Functions defined inside functions may have taken the number since: leave it
            // theirs.
            if attr.index < real {
                continue;
            }
            let returns = self
                .constructor_calls
                .iter()
                .filter(|call| call.class == attr.class)
                .flat_map(|call| {
                    let positional = attr.param.checked_sub(1).and_then(|i| call.args.get(i));
                    let keyword = call
                        .keywords
                        .iter()
                        .find(|(k, _)| *k == attr.name)
                        .map(|(_, t)| t);
                    positional.into_iter().chain(keyword)
                })
                .fold(Taint::NONE, |t, a| t.union(*a));
            if returns.is_none() {
                continue;
            }
            self.facts.units.push(Unit {
                name: format!("{}.{}", attr.class, attr.attr),
                ..Unit::default()
            });
            let unit = self.facts.units.len() - 1;
            let flow = self.facts.flow.unit(unit);
            flow.function = Some(attr.index);
            flow.returns = returns;
        }
    }

    /// The flow engine's function names, with the pseudo functions' names at their numbers.
    pub(super) fn name_constructor_attributes(&self, functions: &mut Vec<String>) {
        for attr in &self.attr_params {
            if attr.index < self.function_index.len() {
                continue;
            }
            if functions.len() <= attr.index {
                functions.resize(attr.index + 1, String::new());
            }
            functions[attr.index] = format!("{}.{}", attr.class, attr.attr);
        }
    }
}

/// A call of a class of the file: what each argument carries, positional and by keyword.
pub(super) struct ConstructorCall {
    class: String,
    args: Vec<Taint>,
    keywords: Vec<(String, Taint)>,
}

/// The constructor calls kept per file.
const MAX_CONSTRUCTOR_CALLS: usize = 256;
