//! What a called name is, worked out once per name: a plugin calls the same names again and
//! again (SQLAlchemy's 54,000 calls use 12,000 names), and each call used to split, search
//! and copy its name a dozen times to classify it.

use std::rc::Rc;

use rustc_hash::FxHashMap as HashMap;

use super::Analyser;
use crate::caps;

/// The name tests the classification of a call makes, each a function of the name alone.
#[derive(Debug)]
pub(super) struct CalledName {
    /// Without call markers (`caps::plain`): how the call is shown and looked up.
    pub plain: Box<str>,
    /// The last component (`caps::tail`).
    pub tail: Box<str>,
    /// The catalogue's rows for `plain`.
    pub api: caps::Api,
    pub import_call: bool,
    pub loader_call: bool,
    pub dangerous: bool,
    pub native_load: bool,
    pub process_exec: bool,
    pub credential: Option<&'static str>,
    pub input_capture: bool,
    pub keyboard_hook: bool,
    pub download_to_file: bool,
    pub logging_call: bool,
    /// The position of the folder a call puts on the import path (`caps::import_path_arg`).
    pub import_path: Option<usize>,
}

impl<'m> Analyser<'m> {
    /// The facts of a called name (`name` as resolved, call markers included), from the
    /// thread's cache when it was seen before (kept across files, at most `max_cached_apis`).
    pub(super) fn called_name(&mut self, name: &str) -> Rc<CalledName> {
        thread_local! {
            static NAMES: std::cell::RefCell<HashMap<Box<str>, Rc<CalledName>>> =
                std::cell::RefCell::new(HashMap::default());
        }
        if let Some(known) = NAMES.with(|names| names.borrow().get(name).cloned()) {
            return known;
        }
        let plain = caps::plain(name);
        let called = Rc::new(CalledName {
            tail: caps::tail(name).into(),
            api: self.api(&plain),
            import_call: caps::is_import_call(name),
            loader_call: caps::is_loader_call(name),
            dangerous: caps::is_dangerous(name),
            native_load: caps::is_native_load(name),
            process_exec: caps::is_process_exec(name),
            credential: caps::credential_call(name),
            input_capture: caps::input_capture(&plain),
            keyboard_hook: caps::keyboard_hook(&plain),
            download_to_file: caps::is_download_to_file(&plain),
            logging_call: caps::is_logging_call(&plain),
            import_path: caps::import_path_arg(name),
            plain: plain.into(),
        });
        let max = self.limits.max_cached_apis;
        NAMES.with(|names| {
            let mut names = names.borrow_mut();
            if names.len() < max {
                names.insert(name.into(), Rc::clone(&called));
            }
        });
        called
    }
}
