//! Expressions: names, attributes, subscripts, operators and comprehensions folded to values.

use super::*;

impl<'m> Analyser<'m> {
    pub(super) fn eval(&mut self, expr: &'m Expr) -> Value {
        if self.depth >= self.limits.max_fold_depth {
            return Value::UNKNOWN;
        }
        self.depth += 1;
        let value = with_stack(|| self.eval_inner(expr));
        self.depth -= 1;
        value
    }

    pub(super) fn eval_children(&mut self, expr: &'m Expr) {
        let mut children = ExprChildren { analyser: self };
        walk_expr(&mut children, expr);
    }

    pub(super) fn eval_inner(&mut self, expr: &'m Expr) -> Value {
        match expr {
            Expr::StringLiteral(literal) => {
                let text = literal.value.to_str();
                let raw = self.text(literal.range);
                let escaped = raw.contains('\\') && is_identifier_like(text);
                let value = Value::str(text, escaped);
                self.note_string_at(&value, literal.range);
                value
            }
            Expr::BytesLiteral(literal) => Value::Bytes {
                data: literal
                    .value
                    .bytes()
                    .take(self.limits.max_folded_bytes)
                    .collect(),
                hidden: false,
            },
            Expr::NumberLiteral(number) => match &number.value {
                Number::Int(i) => i.as_i64().map_or(Value::UNKNOWN, Value::Int),
                _ => Value::UNKNOWN,
            },
            Expr::FString(fstring) => {
                let mut text = String::new();
                let (mut hidden, mut partial, mut interpolated) = (false, false, false);
                let mut taint = Taint::NONE;
                for part in fstring.value.iter() {
                    match part {
                        FStringPart::Literal(literal) => text.push_str(&literal.value),
                        FStringPart::FString(f) => {
                            for element in f.elements.iter() {
                                match element {
                                    InterpolatedStringElement::Literal(l) => {
                                        text.push_str(&l.value)
                                    }
                                    InterpolatedStringElement::Interpolation(i) => {
                                        interpolated = true;
                                        let value = self.eval(&i.expression);
                                        taint = taint.union(value.taint());
                                        let (t, h, p) = value.text_or_star();
                                        text.push_str(&t);
                                        hidden |= h;
                                        partial |= p;
                                    }
                                }
                            }
                        }
                    }
                    if text.len() > self.limits.max_folded_bytes {
                        return Value::UNKNOWN;
                    }
                }
                let value = Value::Str(Folded {
                    text,
                    hidden: hidden || (interpolated && !partial),
                    partial,
                    taint: Taint::NONE,
                });
                self.note_string_at(&value, fstring.range);
                // A string built from tainted data carries it (a secret in a URL or a body).
                value.tainted(taint)
            }
            Expr::Name(name) => {
                let id = name.id.as_str();
                self.mention(id);
                self.lookup(id)
            }
            Expr::Attribute(attr) => {
                let name = attr.attr.as_str();
                self.mention(name);
                if let Expr::Name(base) = attr.value.as_ref() {
                    if matches!(base.id.as_str(), "self" | "cls")
                        || self.class_names.contains(base.id.as_str())
                    {
                        if let Some(value) = self.attrs.get(name) {
                            return value.clone();
                        }
                    }
                    // An attribute the class inherits from a library class, when the catalogue
                    // says it sends data or holds an object (`self.wfile` of a
                    // `socketserver.StreamRequestHandler`, `self.post` of a
                    // `QNetworkAccessManager`). What a subclass reads of its own state
                    // (`self.allKeys()` of a `QSettings` subclass) stays its own.
                    if base.id.as_str() == "self" && !self.class_bases.is_empty() {
                        let inherited = self.class_bases.iter().find_map(|class| {
                            let member = format!("{class}.{name}");
                            let sends = Catalogue::builtin().call(&member).iter().any(|e| {
                                e.returns.is_some()
                                    || matches!(
                                        e.kind,
                                        validator_api_catalogue::Kind::Sink(
                                            validator_api_catalogue::SinkKind::Network
                                                | validator_api_catalogue::SinkKind::Dns
                                                | validator_api_catalogue::SinkKind::UrlOpen
                                        )
                                    )
                            });
                            sends.then_some(member)
                        });
                        if let Some(member) = inherited {
                            return Value::reference(member, false);
                        }
                    }
                }
                let base = self.eval(&attr.value);
                if matches!(name, "f_locals" | "f_globals") && self.installs_trace_hook() {
                    // In a file that hooks every frame Python runs (`sys.settrace`), a frame's
                    // variables are those of QGIS and every other plugin: passwords included.
                    let line = self.line(attr.range);
                    let what = format!(
                        "{}.{name} (the variables of every function QGIS and other plugins run, read by a trace hook)",
                        clip(self.text(attr.value.range()))
                    );
                    self.note_credential_source(line, what);
                    return Value::Unknown(base.taint().union(Taint::CREDENTIAL));
                }
                self.attribute(base, name)
            }
            Expr::Call(call) => self.call(call),
            Expr::BinOp(binop) => {
                let left = self.eval(&binop.left);
                let right = self.eval(&binop.right);
                let value = self.binop(left, binop.op, right);
                if matches!(value, Value::Str(_)) {
                    self.note_string_at(&value, binop.range);
                }
                value
            }
            Expr::UnaryOp(unary) => match (unary.op, self.eval(&unary.operand)) {
                (UnaryOp::USub, Value::Int(i)) => Value::Int(i.wrapping_neg()),
                (UnaryOp::Invert, Value::Int(i)) => Value::Int(!i),
                (_, other) => Value::Unknown(other.taint()),
            },
            Expr::List(ast::ExprList { elts, .. })
            | Expr::Tuple(ast::ExprTuple { elts, .. })
            | Expr::Set(ast::ExprSet { elts, .. }) => {
                let mut items: Vec<Value> = elts.iter().map(|e| self.eval(e)).collect();
                if !self.env_credential_reads.is_empty() {
                    let exprs: Vec<&'m Expr> = elts.iter().collect();
                    self.harvest_env_credentials(&exprs, &mut items);
                }
                Value::List(items)
            }
            Expr::Subscript(subscript) => self.subscript(subscript),
            Expr::Dict(dict) => {
                let mut taint = Taint::NONE;
                // Constant keys fold entry by entry (names hidden in a dict of options). The
                // dict is copied wherever its name is read: nested containers are kept as
                // their taint only, and its strings within `max_folded_bytes` in all.
                let mut entries = Some(Vec::new());
                let mut bytes = 0usize;
                let mut keys = Vec::with_capacity(dict.items.len());
                let mut values = Vec::with_capacity(dict.items.len());
                for item in &dict.items {
                    keys.push(item.key.as_ref().map(|key| self.eval(key)));
                    values.push(self.eval(&item.value));
                }
                if !self.env_credential_reads.is_empty() {
                    let exprs: Vec<&'m Expr> = dict.items.iter().map(|item| &item.value).collect();
                    self.harvest_env_credentials(&exprs, &mut values);
                }
                for (key, value) in keys.into_iter().zip(values) {
                    let value = match value {
                        // A short command line kept (`{"nt": ["cmd.exe", "/Q"], ...}`).
                        Value::List(items)
                            if items.len() <= MAX_KEPT_LIST_ITEMS
                                && items.iter().all(|i| matches!(i, Value::Str(_))) =>
                        {
                            Value::List(items)
                        }
                        nested @ (Value::Dict(_) | Value::List(_)) => {
                            Value::Unknown(nested.taint())
                        }
                        value => value,
                    };
                    if let Some(key) = &key {
                        taint = taint.union(key.taint());
                    }
                    taint = taint.union(value.taint());
                    bytes += match &value {
                        Value::Str(f) => f.text.len(),
                        Value::Bytes { data, .. } => data.len(),
                        _ => 8,
                    };
                    match (key.as_ref().and_then(Value::as_str), entries.as_mut()) {
                        (Some(key), Some(list))
                            if list.len() < self.limits.max_folded_dict_items
                                && bytes + key.text.len() <= self.limits.max_folded_bytes =>
                        {
                            bytes += key.text.len();
                            list.push((key.text.clone(), value));
                        }
                        _ => entries = None,
                    }
                }
                match entries {
                    Some(entries) if !entries.is_empty() => Value::Dict(entries),
                    _ => Value::Unknown(taint),
                }
            }
            Expr::DictComp(comp) => {
                let mut taint = Taint::NONE;
                for generator in &comp.generators {
                    let iter = self.eval(&generator.iter);
                    let element = self.loop_element(&iter);
                    self.assign(&generator.target, element);
                    taint = taint.union(iter.taint());
                    for cond in &generator.ifs {
                        self.eval(cond);
                    }
                }
                if let Some(key) = &comp.key {
                    taint = taint.union(self.eval(key).taint());
                }
                taint = taint.union(self.eval(&comp.value).taint());
                Value::Unknown(taint)
            }
            Expr::Named(named) => {
                let value = self.eval(&named.value);
                self.assign(&named.target, value.clone());
                value
            }
            Expr::If(if_expr) => {
                self.eval(&if_expr.test);
                let body = self.eval(&if_expr.body);
                let orelse = self.eval(&if_expr.orelse);
                if matches!(body, Value::Unknown(_)) {
                    orelse
                } else {
                    body
                }
            }
            Expr::BoolOp(boolop) => {
                // The first value the resolver knows, carrying what every operand carries
                // (`CredEnumerate(None, 0) or ()` is the credentials or nothing).
                let mut result = Value::UNKNOWN;
                let mut carried = Taint::NONE;
                for value in &boolop.values {
                    let v = self.eval(value);
                    if matches!(result, Value::Unknown(_)) {
                        carried = carried.union(result.taint());
                        result = v;
                    } else {
                        carried = carried.union(v.taint());
                    }
                }
                result.tainted(carried)
            }
            Expr::ListComp(ast::ExprListComp {
                elt, generators, ..
            })
            | Expr::SetComp(ast::ExprSetComp {
                elt, generators, ..
            })
            | Expr::Generator(ast::ExprGenerator {
                elt, generators, ..
            }) => self.comprehension(elt, generators),
            Expr::Starred(starred) => self.eval(&starred.value),
            // What a coroutine returns (`reader, writer = await asyncio.open_connection(...)`).
            Expr::Await(await_expr) => self.eval(&await_expr.value),
            // What a generator yields is what its callers iterate over.
            Expr::Yield(ast::ExprYield {
                value: Some(value), ..
            })
            | Expr::YieldFrom(ast::ExprYieldFrom { value, .. }) => {
                let yielded = self.eval(value);
                self.note_returned(&yielded);
                Value::UNKNOWN
            }
            _ => {
                self.eval_children(expr);
                Value::UNKNOWN
            }
        }
    }

    /// `elt for target in LIST` over a constant list is folded element by element (how `chr`
    /// sequences are written); anything else is walked once.
    pub(super) fn comprehension(
        &mut self,
        elt: &'m Expr,
        generators: &'m [ast::Comprehension],
    ) -> Value {
        let mut iters = Vec::new();
        for generator in generators {
            iters.push(self.eval(&generator.iter));
        }
        // Bytes iterate as their byte values (`bytes(b ^ KEY for b in BLOB)`: a loop that
        // decodes a constant folds like the constant).
        if let [Value::Bytes { data, .. }] = iters.as_slice() {
            if data.len() <= self.limits.max_folded_bytes {
                let items = data.iter().map(|b| Value::Int(i64::from(*b))).collect();
                iters[0] = Value::List(items);
            }
        }
        if let ([generator], [Value::List(items)]) = (generators, iters.as_slice()) {
            // Not a list of several services' credential variables: read once, each name
            // stands for all (harvesting), as in a `for` loop.
            let fold = generator.ifs.is_empty()
                && items.len() <= self.limits.max_folded_bytes
                && !caps::names_several_services(
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(|s| s.text.as_str())),
                );
            if let (Expr::Name(target), true) = (&generator.target, fold) {
                let name = target.id.as_str();
                let saved = self.lookup(name);
                let mut out = Vec::with_capacity(items.len());
                for item in items.clone() {
                    self.bind(name, item);
                    out.push(self.eval(elt));
                }
                self.bind(name, saved);
                return Value::List(out);
            }
        }
        let taint = iters.iter().fold(Taint::NONE, |t, v| t.union(v.taint()));
        for (generator, iter) in generators.iter().zip(&iters) {
            let element = if generators.len() == 1 {
                self.loop_element(iter)
            } else {
                Value::Unknown(taint)
            };
            self.assign(&generator.target, element);
            for cond in &generator.ifs {
                self.eval(cond);
            }
        }
        let value = self.eval(elt);
        Value::Unknown(taint.union(value.taint()))
    }

    pub(super) fn attribute(&mut self, base: Value, name: &str) -> Value {
        match base {
            Value::Ref {
                name: mut qualified,
                hidden,
                taint,
            } => {
                // An attribute of an object built from a class of another module of the
                // plugin (`self.icon = ExifInfo(path)`, `self.icon.user_comment`): a property
                // is a function of that module, followed across modules by its name.
                let imported_instance =
                    qualified.ends_with("()") && self.own_module_name(&qualified);
                // `base.name`, built in the base's own buffer.
                qualified.push('.');
                qualified.push_str(name);
                // The file of a module named at run time: another plugin's code, as far as
                // anything tells (a write to it is BHV006's).
                if qualified.starts_with(ANY_MODULE) && name == "__file__" {
                    return Value::Str(Folded {
                        text: format!("{PLUGINS_DIR}/*/__init__.py"),
                        hidden: false,
                        partial: true,
                        taint,
                    });
                }
                if imported_instance {
                    let unit = self.facts.flow.unit(self.current);
                    if !unit.imported_calls.iter().any(|c| c == name) {
                        unit.imported_calls.push(name.to_owned());
                    }
                    return Value::reference(qualified, hidden)
                        .tainted(taint.union(Taint::IMPORTED));
                }
                // An attribute that holds credentials (`netrc.netrc().hosts`: every saved
                // login), as the sources catalogue lists it without arguments.
                let held = match self.api(&qualified).source {
                    Some((SourceKind::Credential | SourceKind::SecretStore, entry))
                        if entry.returns.is_none() =>
                    {
                        if caps::asked_by_name(entry) {
                            Taint::AUTH_CONFIG
                        } else {
                            Taint::CREDENTIAL
                        }
                    }
                    _ => Taint::NONE,
                };
                Value::reference(qualified, hidden).tainted(taint.union(held))
            }
            Value::Str(folded) if name == "parent" => Value::Str(Folded {
                text: dirname(&folded.text),
                ..folded
            }),
            value @ (Value::Str(_) | Value::Bytes { .. }) => Value::Method {
                receiver: Box::new(value),
                name: name.to_owned(),
            },
            Value::Unknown(taint) => Value::Unknown(taint),
            value @ Value::Dict(_) => Value::Method {
                receiver: Box::new(value),
                name: name.to_owned(),
            },
            _ => Value::UNKNOWN,
        }
    }

    pub(super) fn subscript(&mut self, subscript: &'m ast::ExprSubscript) -> Value {
        let base = self.eval(&subscript.value);
        if let Expr::Slice(slice) = subscript.slice.as_ref() {
            let step = slice.step.as_ref().map(|s| self.eval(s));
            let lower = slice.lower.as_ref().map(|l| self.eval(l));
            let upper = slice.upper.as_ref().map(|u| self.eval(u));
            let bound = |v: &Option<Value>| match v {
                None => Some(None),
                Some(Value::Int(i)) => Some(Some(*i)),
                Some(_) => None,
            };
            // Constant bounds: the slice as Python takes it (`"evxaelc"[::2]` is `exec`); a
            // stride or a reversal builds a name as much as a concatenation does.
            // Only strides and reversals, or slices of a name already built, are folded: a
            // plain `url[:-1]` is usually in a branch (`if url.endswith("/")`) the resolver
            // does not follow, and folding it would cut a constant it should keep whole.
            let folds = matches!(&step, Some(Value::Int(s)) if *s != 1)
                || matches!(&base, Value::Str(f) if f.hidden)
                || matches!(&base, Value::Bytes { hidden: true, .. });
            if let (true, Some(lo), Some(hi), Some(st)) =
                (folds, bound(&lower), bound(&upper), bound(&step))
            {
                let strided = st.is_some_and(|s| s != 1);
                match &base {
                    Value::Str(f) if !f.partial => {
                        let chars: Vec<char> = f.text.chars().collect();
                        if let Some(picked) = slice_positions(chars.len(), lo, hi, st) {
                            let text: String = picked.iter().map(|&i| chars[i]).collect();
                            return Value::str(text, f.hidden || strided).tainted(f.taint);
                        }
                    }
                    Value::Bytes { data, hidden } => {
                        if let Some(picked) = slice_positions(data.len(), lo, hi, st) {
                            return Value::Bytes {
                                data: picked.iter().map(|&i| data[i]).collect(),
                                hidden: *hidden || strided,
                            };
                        }
                    }
                    _ => {}
                }
            }
            if slice.lower.is_none() && slice.upper.is_none() && step == Some(Value::Int(-1)) {
                return match base {
                    Value::Str(f) if !f.partial => {
                        Value::str(f.text.chars().rev().collect::<String>(), true)
                    }
                    Value::Bytes { mut data, .. } => {
                        data.reverse();
                        Value::Bytes { data, hidden: true }
                    }
                    Value::List(mut items) => {
                        items.reverse();
                        Value::List(items)
                    }
                    other => Value::Unknown(other.taint()),
                };
            }
            return Value::Unknown(base.taint());
        }
        let index = self.eval(&subscript.slice);
        match (base, index) {
            (Value::Namespace, Value::Str(key)) if !key.partial => {
                let value = self.lookup(&key.text);
                hide(value)
            }
            (Value::Ref { name, .. }, Value::Str(key)) if !key.partial => {
                let key = key.text;
                match name.as_str() {
                    "builtins" | "builtins.__dict__" => {
                        Value::reference(format!("builtins.{key}"), true)
                    }
                    "sys.modules" => Value::reference(key, true),
                    // Another plugin's live object (`qgis.utils.plugins["other"]`): what is
                    // assigned to its attributes is tampering (BHV110).
                    "qgis.utils.plugins" => {
                        Value::reference(format!("qgis.utils.plugins[{key:?}]"), false)
                    }
                    "os.environ" | "os.environb" => {
                        self.env_read(&Value::str(key, false), subscript.range)
                    }
                    other => match other.strip_suffix(".__dict__") {
                        Some(owner) => Value::reference(format!("{owner}.{key}"), true),
                        None => Value::UNKNOWN,
                    },
                }
            }
            // A module by a name read at run time (`sys.modules[type(p).__module__]`: another
            // plugin's package, found through its live object): its `__file__` is that
            // plugin's code.
            (Value::Ref { name, .. }, _) if name == "sys.modules" => {
                Value::reference(ANY_MODULE, false)
            }
            (Value::Ref { name, .. }, key)
                if (name == "os.environ" || name == "os.environb")
                    && key.taint().has(Taint::SECRET_NAMES) =>
            {
                self.env_read(&key, subscript.range)
            }
            (Value::Ref { name, .. }, Value::Int(_)) if name == "sys.path" => {
                Value::str("<site-packages>", false)
            }
            (base @ Value::Dict(_), Value::Str(key)) if !key.partial => base
                .dict_entry(&key.text)
                .cloned()
                .unwrap_or_else(|| Value::Unknown(base.taint())),
            // A key read at run time (`SHELLS[os.name]`): one of the values, the first as the
            // representative (as a conditional expression is read by one branch).
            (Value::Dict(entries), key) if !matches!(key, Value::Str(_)) => entries
                .into_iter()
                .next()
                .map_or(Value::UNKNOWN, |(_, value)| value)
                .tainted(key.taint()),
            (Value::List(items), Value::Int(i)) => usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i).cloned())
                .unwrap_or(Value::UNKNOWN),
            (Value::Str(f), Value::Int(i)) if !f.partial => usize::try_from(i)
                .ok()
                .and_then(|i| f.text.chars().nth(i))
                .map_or(Value::UNKNOWN, |c| Value::str(c.to_string(), true)),
            (base, _) => Value::Unknown(base.taint()),
        }
    }

    pub(super) fn binop(&mut self, left: Value, op: Operator, right: Value) -> Value {
        let max = self.limits.max_folded_bytes;
        match (op, left, right) {
            (Operator::Add, Value::Str(l), Value::Str(r)) => {
                if l.text.len() + r.text.len() > max {
                    return Value::UNKNOWN;
                }
                Value::Str(Folded {
                    text: l.text + &r.text,
                    hidden: !l.partial && !r.partial || l.hidden || r.hidden,
                    partial: l.partial || r.partial,
                    taint: l.taint.union(r.taint),
                })
            }
            // The unknown part stays where it is: `name + ".py"` is `*.py`, a file name
            // whose extension is known.
            (Operator::Add, Value::Str(l), other)
                if matches!(other, Value::Unknown(_) | Value::Ref { .. }) =>
            {
                Value::Str(Folded {
                    text: format!("{}*", l.text),
                    hidden: false,
                    partial: true,
                    taint: Taint::NONE,
                })
                .tainted(other.taint())
            }
            (Operator::Add, other, Value::Str(r))
                if matches!(other, Value::Unknown(_) | Value::Ref { .. }) =>
            {
                Value::Str(Folded {
                    text: format!("*{}", r.text),
                    hidden: false,
                    partial: true,
                    taint: Taint::NONE,
                })
                .tainted(other.taint())
            }
            (Operator::Add, Value::Bytes { data: mut l, .. }, Value::Bytes { data: r, .. }) => {
                if l.len() + r.len() > max {
                    return Value::UNKNOWN;
                }
                l.extend(r);
                Value::Bytes {
                    data: l,
                    hidden: true,
                }
            }
            (Operator::Add, Value::List(mut l), Value::List(r)) => {
                l.extend(r);
                Value::List(l)
            }
            (Operator::Mod, Value::Str(format), args) if !format.partial => {
                let taint = args.taint();
                let args = match args {
                    Value::List(items) => items,
                    other => vec![other],
                };
                percent_format(&format.text, &args, max).tainted(taint)
            }
            (Operator::Div, Value::Str(l), Value::Str(r)) => Value::Str(Folded {
                text: join_path(&l.text, &r.text),
                hidden: false,
                partial: l.partial || r.partial,
                taint: l.taint.union(r.taint),
            }),
            // `Path.home() / ".ssh" / name`: a path under a known folder, its last part
            // unknown (a loop over file names).
            (Operator::Div, Value::Str(l), other @ Value::Unknown(_)) if !l.text.is_empty() => {
                Value::Str(Folded {
                    text: join_path(&l.text, "*"),
                    hidden: false,
                    partial: true,
                    taint: l.taint.union(other.taint()),
                })
            }
            (Operator::Mult, Value::Str(s), Value::Int(n))
            | (Operator::Mult, Value::Int(n), Value::Str(s)) => {
                let n = usize::try_from(n).unwrap_or(0);
                if s.text.len().saturating_mul(n) > max {
                    return Value::UNKNOWN;
                }
                Value::Str(Folded {
                    text: s.text.repeat(n),
                    hidden: true,
                    partial: s.partial,
                    taint: s.taint,
                })
            }
            (op, Value::Int(l), Value::Int(r)) => match op {
                Operator::Add => Value::Int(l.wrapping_add(r)),
                Operator::Sub => Value::Int(l.wrapping_sub(r)),
                Operator::Mult => Value::Int(l.wrapping_mul(r)),
                Operator::BitXor => Value::Int(l ^ r),
                Operator::BitOr => Value::Int(l | r),
                Operator::BitAnd => Value::Int(l & r),
                Operator::Mod if r != 0 => Value::Int(l.rem_euclid(r)),
                Operator::FloorDiv if r != 0 => Value::Int(l.div_euclid(r)),
                _ => Value::UNKNOWN,
            },
            (_, l, r) => Value::Unknown(l.taint().union(r.taint())),
        }
    }

    // ----- calls ------------------------------------------------------------------------------
}

/// Strings a list in a dict's value may hold and still be kept (a command line's words).
const MAX_KEPT_LIST_ITEMS: usize = 8;

/// A module `sys.modules` holds under a name read at run time.
const ANY_MODULE: &str = "sys.modules[*]";

/// The positions a slice `[lower:upper:step]` of a sequence of `len` items takes, as Python
/// computes them (negative bounds from the end, clamped; a negative step walks backwards);
/// `None` for a zero step or more than `MAX_SLICE_ITEMS` items.
fn slice_positions(
    len: usize,
    lower: Option<i64>,
    upper: Option<i64>,
    step: Option<i64>,
) -> Option<Vec<usize>> {
    const MAX_SLICE_ITEMS: usize = 1 << 16;
    let step = step.unwrap_or(1);
    if step == 0 || len > MAX_SLICE_ITEMS {
        return None;
    }
    let len = len as i64;
    let clamp = |v: i64, low: i64, high: i64| v.max(low).min(high);
    let at = |v: i64| if v < 0 { v + len } else { v };
    let mut out = Vec::new();
    if step > 0 {
        let start = lower.map_or(0, |v| clamp(at(v), 0, len));
        let stop = upper.map_or(len, |v| clamp(at(v), 0, len));
        let mut i = start;
        while i < stop {
            out.push(i as usize);
            i += step;
        }
    } else {
        let start = lower.map_or(len - 1, |v| clamp(at(v), -1, len - 1));
        let stop = upper.map_or(-1, |v| clamp(at(v), -1, len - 1));
        let mut i = start;
        while i > stop {
            out.push(i as usize);
            i += step;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::slice_positions;

    fn sliced(text: &str, lower: Option<i64>, upper: Option<i64>, step: Option<i64>) -> String {
        let chars: Vec<char> = text.chars().collect();
        slice_positions(chars.len(), lower, upper, step)
            .map(|p| p.iter().map(|&i| chars[i]).collect())
            .unwrap_or_else(|| "<none>".to_owned())
    }

    /// The expected values are Python 3's (`"abcdef"[::-2]` and so on).
    #[test]
    fn slices_as_python_takes_them() {
        assert_eq!(sliced("evxaelc", None, None, Some(2)), "exec");
        assert_eq!(sliced("abcdef", None, None, Some(-2)), "fdb");
        assert_eq!(sliced("abcdef", Some(1), Some(-1), None), "bcde");
        assert_eq!(sliced("abcdef", Some(-2), None, None), "ef");
        assert_eq!(sliced("abcdef", Some(5), Some(0), Some(-1)), "fedcb");
        assert_eq!(sliced("abcdef", None, None, Some(3)), "ad");
        assert_eq!(sliced("abcdef", Some(-100), Some(100), None), "abcdef");
        assert_eq!(sliced("abcdef", Some(4), Some(2), None), "");
        assert_eq!(sliced("abcdef", None, None, Some(0)), "<none>");
    }
}
