//! Statements: bindings, assignments, function bodies and imports.

use super::*;

impl<'m> Analyser<'m> {
    pub(super) fn bind(&mut self, name: &str, value: Value) {
        match &mut self.locals {
            Some(locals) => {
                locals.insert(name.to_owned(), value);
            }
            None => {
                self.globals.insert(name.to_owned(), value);
            }
        }
    }

    pub(super) fn assign(&mut self, target: &'m Expr, value: Value) {
        match target {
            Expr::Name(name) => self.bind(name.id.as_str(), value),
            Expr::Attribute(attr) => {
                if let Expr::Name(base) = attr.value.as_ref() {
                    if matches!(base.id.as_str(), "self" | "cls")
                        || self.class_names.contains(base.id.as_str())
                    {
                        let kept = self.constructor_attribute(attr.attr.as_str(), &value);
                        self.attrs.insert(
                            attr.attr.as_str().to_owned(),
                            outliving(value).tainted(kept),
                        );
                        return;
                    }
                }
                let base = self.eval(&attr.value);
                let line = self.line(attr.range);
                self.note_monkeypatch(&base, attr.attr.as_str(), line, &value);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                match value {
                    Value::List(items) if items.len() == elts.len() => {
                        for (t, v) in elts.iter().zip(items) {
                            self.assign(t, v);
                        }
                    }
                    other => {
                        let taint = other.taint();
                        for t in elts {
                            self.assign(t, Value::Unknown(taint));
                        }
                    }
                }
            }
            Expr::Starred(starred) => self.assign(&starred.value, Value::UNKNOWN),
            Expr::Subscript(subscript) => {
                self.eval(target);
                // `os.environ["GDAL_HTTP_UNSAFESSL"] = "YES"` ([`tls`]). Only a name or an
                // attribute can be `os.environ`: evaluating those again records nothing twice,
                // and the other subscripts (`rows()[k] = v`) are not evaluated again.
                let plain = matches!(subscript.value.as_ref(), Expr::Name(_) | Expr::Attribute(_));
                if plain
                    && matches!(self.eval(&subscript.value), Value::Ref { ref name, .. } if name == "os.environ")
                {
                    let key = self.eval(&subscript.slice);
                    let line = self.line(subscript.range);
                    self.note_gdal_tls_option(&key, &value, line, "os.environ.__setitem__");
                }
                self.store_item(subscript, value);
            }
            other => {
                self.eval(other);
            }
        }
    }

    /// `found[cid] = secret`, `self.rows[k] = v`: the container now holds the value (a folded
    /// dict gets the entry).
    fn store_item(&mut self, subscript: &'m ast::ExprSubscript, value: Value) {
        let key = self.eval(&subscript.slice);
        let store = |current: Value| match (current, key.as_str()) {
            (Value::Dict(mut entries), Some(key)) => {
                entries.retain(|(k, _)| *k != key.text);
                entries.push((key.text.clone(), value.clone()));
                Value::Dict(entries)
            }
            (current, _) => current.tainted(value.taint()),
        };
        let folds = matches!(value, Value::Str(_)) || !value.taint().is_none();
        match subscript.value.as_ref() {
            Expr::Name(name) if folds => {
                let id = name.id.as_str();
                let current = self.lookup(id);
                if matches!(current, Value::Dict(_) | Value::Unknown(_)) {
                    self.bind(id, store(current));
                }
            }
            Expr::Attribute(inner) if folds => {
                if let Expr::Name(base) = inner.value.as_ref() {
                    if matches!(base.id.as_str(), "self" | "cls") {
                        let attr = inner.attr.as_str().to_owned();
                        let current = self.attrs.remove(&attr).unwrap_or(Value::UNKNOWN);
                        self.attrs.insert(attr, outliving(store(current)));
                    }
                }
            }
            _ => {}
        }
    }

    // ----- statements -------------------------------------------------------------------------

    pub(super) fn body(&mut self, body: &'m [Stmt], deferred: &mut Vec<&'m StmtFunctionDef>) {
        for stmt in body {
            self.stmt(stmt, deferred);
        }
    }

    /// A short loop over constants (`for browser in ("Chrome", "Edge")`, `for vendor, product
    /// in PROFILES`) is read once per element first, each bound in turn, so that paths and
    /// names built from them fold (`.../Google/Chrome/User Data/Default/Login Data`); the
    /// loop is then read as before, its variable unknown, which is what the code after it
    /// sees. At most `max_unrolled_items` elements, `max_unroll_depth` loops inside each other,
    /// bodies of at most `max_unrolled_body_bytes` of source (a stealer's loop is short; a
    /// long body read again costs what it costs).
    fn unroll_constant_loop(&mut self, for_stmt: &'m ast::StmtFor, iter: &Value) {
        let Value::List(items) = iter else {
            return;
        };
        let constant = |v: &Value| match v {
            Value::Str(s) => !s.partial && s.taint == Taint::NONE && s.text.len() <= 256,
            _ => false,
        };
        let element = |v: &Value| match v {
            Value::List(parts) => !parts.is_empty() && parts.iter().all(constant),
            other => constant(other),
        };
        let body_bytes = match (for_stmt.body.first(), for_stmt.body.last()) {
            (Some(first), Some(last)) => {
                u32::from(last.range().end()).saturating_sub(u32::from(first.range().start()))
            }
            _ => 0,
        };
        if self.unrolling >= self.limits.max_unroll_depth
            || items.len() < 2
            || items.len() > self.limits.max_unrolled_items
            || usize::try_from(body_bytes).unwrap_or(usize::MAX)
                > self.limits.max_unrolled_body_bytes
            || !items.iter().all(element)
        {
            return;
        }
        self.unrolling += 1;
        for item in items {
            self.assign(&for_stmt.target, item.clone());
            // Functions defined in the body are read once, with the loop read as before.
            let mut discarded = Vec::new();
            self.body(&for_stmt.body, &mut discarded);
        }
        self.unrolling -= 1;
    }

    pub(super) fn function(
        &mut self,
        function: &'m StmtFunctionDef,
        deferred: &mut Vec<&'m StmtFunctionDef>,
    ) {
        self.facts.units.push(Unit {
            name: function.name.as_str().to_owned(),
            ..Unit::default()
        });
        self.current = self.facts.units.len() - 1;
        self.mentions.push(HashSet::default());
        let index = self.function_index.get(function.name.as_str()).copied();
        self.facts.flow.unit(self.current).function = index;
        self.settings_group = None;
        let mut locals = HashMap::default();
        let params = &function.parameters;
        let mut names = Vec::new();
        for p in params
            .posonlyargs
            .iter()
            .chain(&params.args)
            .chain(&params.kwonlyargs)
        {
            let name = p.parameter.name.as_str();
            // The instance is not data a caller hands over (calls map their arguments past it).
            let taint = if matches!(name, "self" | "cls") {
                Taint::NONE
            } else {
                Taint::param(names.len())
            };
            names.push(name.to_owned());
            // QGIS hands every plugin its interface as `iface` (`classFactory(iface)`, kept as
            // `self.iface`): `self.iface.addRasterLayer(...)` is `QgisInterface`'s.
            let value = if name == "iface" {
                Value::reference("qgis.utils.iface", false).tainted(taint)
            } else {
                Value::Unknown(taint)
            };
            locals.insert(name.to_owned(), value);
        }
        self.facts.units[self.current].params = names;
        for p in params.vararg.iter().chain(params.kwarg.iter()) {
            locals.insert(p.name.as_str().to_owned(), Value::UNKNOWN);
        }
        let saved = self.locals.replace(locals);
        let key = std::ptr::from_ref(function) as usize;
        self.init_class_now = self.init_classes.get(&key).copied();
        self.class_bases = self.method_bases.get(&key).cloned().unwrap_or_default();
        self.body(&function.body, deferred);
        self.init_class_now = None;
        self.locals = saved;
        self.current = 0;
    }

    pub(super) fn stmt(&mut self, stmt: &'m Stmt, deferred: &mut Vec<&'m StmtFunctionDef>) {
        with_stack(|| self.stmt_inner(stmt, deferred));
    }

    pub(super) fn stmt_inner(&mut self, stmt: &'m Stmt, deferred: &mut Vec<&'m StmtFunctionDef>) {
        match stmt {
            Stmt::If(branch) => self.note_hash_pin(branch),
            Stmt::Try(attempt) => self.note_import_bootstrap(attempt),
            _ => {}
        }
        match stmt {
            Stmt::FunctionDef(function) => {
                for decorator in &function.decorator_list {
                    self.eval(&decorator.expression);
                }
                let params = &function.parameters;
                for p in params
                    .posonlyargs
                    .iter()
                    .chain(&params.args)
                    .chain(&params.kwonlyargs)
                {
                    if let Some(default) = &p.default {
                        self.eval(default);
                    }
                }
                // The name is a function of this file now, not whatever it was.
                let name = function.name.as_str();
                if self.locals.is_none() && !self.globals.contains_key(name) {
                    self.globals.insert(name.to_owned(), Value::UNKNOWN);
                } else if self.locals.is_some() {
                    self.bind(name, Value::UNKNOWN);
                }
                self.function_names.insert(name);
                let next = self.function_index.len();
                self.function_index.entry(name).or_insert(next);
                let seen = self.defined_functions.contains_key(name);
                self.defined_functions
                    .insert(name, (!seen).then_some(function));
                deferred.push(function);
            }
            Stmt::ClassDef(class) => {
                self.class_names.insert(class.name.to_string());
                // The library classes it derives from (`socketserver.StreamRequestHandler`):
                // `self.wfile` in its methods is theirs.
                let mut bases: Vec<String> = Vec::new();
                if let Some(arguments) = &class.arguments {
                    for arg in arguments.args.iter() {
                        if let Value::Ref { name, .. } = self.eval(arg) {
                            let own = self.own_module_name(&name)
                                || self.class_names.contains(name.as_str());
                            if !own && !name.contains("()") {
                                bases.push(name);
                            }
                        }
                    }
                }
                if !bases.is_empty() {
                    for stmt in class.body.iter() {
                        if let Stmt::FunctionDef(function) = stmt {
                            let key = std::ptr::from_ref::<StmtFunctionDef>(function) as usize;
                            self.method_bases.insert(key, bases.clone());
                        }
                    }
                }
                for stmt in class.body.iter() {
                    match stmt {
                        Stmt::Assign(assign) => {
                            let value = self.eval(&assign.value);
                            for target in &assign.targets {
                                if let Expr::Name(name) = target {
                                    self.attrs
                                        .insert(name.id.as_str().to_owned(), value.clone());
                                }
                            }
                        }
                        other => {
                            if let Stmt::FunctionDef(function) = other {
                                if function.name.as_str() == "__init__" {
                                    let key =
                                        std::ptr::from_ref::<StmtFunctionDef>(function) as usize;
                                    self.init_classes.insert(key, class.name.as_str());
                                }
                            }
                            self.stmt(other, deferred);
                        }
                    }
                }
            }
            Stmt::Assign(assign) => {
                let value = self.eval(&assign.value);
                if let [target @ Expr::Name(name)] = assign.targets.as_slice() {
                    self.note_local_result(name.id.as_str(), &assign.value);
                    self.note_temporary_file(&value, &assign.value, target);
                    self.note_file_alias(&assign.value, target);
                    self.note_backing(&assign.value, target);
                    if let Some(key) = self.settings_tree_key(&assign.value) {
                        let local = local_key(name.id.as_str(), self.current);
                        self.settings_nodes.insert(local, key);
                    }
                }
                self.replacement = Some(&assign.value);
                for target in &assign.targets {
                    self.assign(target, value.clone());
                }
                self.replacement = None;
            }
            Stmt::Return(ast::StmtReturn {
                value: Some(value), ..
            }) => {
                let returned = self.eval(value);
                self.note_returned(&returned);
                if let Some(key) = self.file_key(Some(&returned), Some(value)) {
                    self.returned.push((self.current, key));
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    let value = self.eval(value);
                    self.assign(&assign.target, value);
                }
            }
            Stmt::AugAssign(assign) => {
                let current = self.eval(&assign.target);
                let value = self.eval(&assign.value);
                let combined = self.binop(current, assign.op, value);
                self.assign(&assign.target, combined);
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let name = alias.name.as_str();
                    self.note_import(name, self.line(alias.range));
                    match &alias.asname {
                        Some(asname) => self.bind(asname.as_str(), Value::reference(name, false)),
                        None => {
                            let first = name.split('.').next().unwrap_or(name);
                            self.bind(first, Value::reference(first, false));
                        }
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                let mut module = ".".repeat(usize::try_from(import.level).unwrap_or(0));
                if let Some(m) = &import.module {
                    module.push_str(m.as_str());
                }
                self.note_import(&module, self.line(import.range));
                for alias in &import.names {
                    let name = alias.name.as_str();
                    if name == "*" {
                        continue;
                    }
                    let qualified = format!("{module}.{name}");
                    self.note_import(&qualified, self.line(alias.range));
                    let bound = alias.asname.as_ref().map_or(name, |a| a.as_str());
                    self.bind(bound, Value::reference(qualified, false));
                }
            }
            Stmt::For(for_stmt) => {
                let iter = self.eval(&for_stmt.iter);
                self.unroll_constant_loop(for_stmt, &iter);
                let element = self.loop_element(&iter);
                self.assign(&for_stmt.target, element);
                self.body(&for_stmt.body, deferred);
                self.body(&for_stmt.orelse, deferred);
            }
            Stmt::With(with) => {
                for item in &with.items {
                    let value = self.eval(&item.context_expr);
                    if let Some(target) = &item.optional_vars {
                        self.note_temporary_file(&value, &item.context_expr, target);
                        self.note_backing(&item.context_expr, target);
                        self.assign(target, value);
                    }
                }
                self.body(&with.body, deferred);
            }
            Stmt::Expr(expr) if matches!(expr.value.as_ref(), Expr::StringLiteral(_)) => {
                // A docstring or bare string says nothing about what the code does.
            }
            other => {
                let mut children = Children {
                    analyser: self,
                    deferred,
                };
                walk_stmt(&mut children, other);
            }
        }
    }

    pub(super) fn note_import(&mut self, module: &str, line: u32) {
        if let Some(last) = module.trim_start_matches('.').rsplit('.').next() {
            if !last.is_empty() {
                self.facts.imports.insert(last.to_owned());
            }
        }
        let lower = module.to_ascii_lowercase();
        if lower.contains("pytransform") || lower.contains("pyarmor") {
            self.add(Cap::PyArmor, line, format!("import {module}"));
        }
        if caps::input_capture(&format!("{module}.")) || lower == "pynput" || lower == "pyhook" {
            self.add(Cap::InputCapture, line, format!("import {module}"));
        }
    }

    // ----- expressions ------------------------------------------------------------------------

    /// What the target of a loop over `iter` holds (a `for` statement or a comprehension's
    /// generator read once).
    pub(super) fn loop_element(&self, iter: &Value) -> Value {
        // Each element of `qgis.utils.plugin_paths` is a plugins folder.
        match iter {
            Value::Ref { name, .. } if name.ends_with("plugin_paths") => iter.clone(),
            // A loop over one value (the paths a glob pattern matches) binds it.
            Value::List(items) if items.len() == 1 => items[0].clone(),
            // Each of several constant names in turn: a credential asked for by such a
            // name is asked for by every name of the list (harvesting). Several constant
            // paths, one of them a credential store's: each is read in turn, so the loop
            // reads that store (`for f in ("~/.docker/config.json",
            // "~/.kube/config")`).
            Value::List(items) if items.len() > 1 && items.iter().all(|i| i.as_str().is_some()) => {
                let store = items.iter().find(|i| {
                    i.as_str().is_some_and(|s| {
                        s.text.len() <= self.limits.max_classified_string_bytes
                            && caps::credential_path(&s.text, false).is_some()
                    })
                });
                match store {
                    Some(store) => store.clone(),
                    None => {
                        // Several services' credential variables (`AWS_SECRET_ACCESS_KEY`,
                        // `GITHUB_TOKEN`): each read in turn is harvested.
                        let names = caps::names_several_services(
                            items
                                .iter()
                                .filter_map(|i| i.as_str().map(|s| s.text.as_str())),
                        );
                        let secret = if names {
                            Taint::SECRET_NAMES
                        } else {
                            Taint::NONE
                        };
                        Value::Unknown(iter.taint().union(Taint::AUTH_LIST).union(secret))
                    }
                }
            }
            _ => Value::Unknown(iter.taint()),
        }
    }
}
