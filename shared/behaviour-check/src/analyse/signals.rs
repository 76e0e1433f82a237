//! Qt signals: data emitted on a signal reaches the functions of the file connected to it
//! (`self.ready.emit(data)` ... `worker.ready.connect(self.upload)`), linked as calls for the
//! flow engine once the whole file is read. Signals are matched by their attribute name.

use super::*;

impl<'m> Analyser<'m> {
    /// `self.ready.emit(data)`: recorded with the taint of each argument; the call is not
    /// evaluated further. `x.ready.connect(self.upload)`: the slot is noted and the call is
    /// evaluated as usual (`None`).
    pub(super) fn signal_call(&mut self, call: &'m ast::ExprCall) -> Option<Value> {
        let Expr::Attribute(attr) = call.func.as_ref() else {
            return None;
        };
        let Expr::Attribute(signal) = attr.value.as_ref() else {
            return None;
        };
        match attr.attr.as_str() {
            "emit" => {
                self.eval(&attr.value);
                let taints: Vec<Taint> = call
                    .arguments
                    .args
                    .iter()
                    .map(|a| self.eval(a).taint())
                    .collect();
                let line = self.line(call.range());
                if self.signal_emits.len() < flow::MAX_FLOW_RECORDS {
                    self.signal_emits
                        .push((signal.attr.as_str(), self.current, taints, line));
                }
                Some(Value::UNKNOWN)
            }
            "connect" => {
                let slot = match call.arguments.args.first() {
                    Some(Expr::Name(f)) => Some((f.id.as_str(), false)),
                    Some(Expr::Attribute(m)) => match m.value.as_ref() {
                        Expr::Name(base) if matches!(base.id.as_str(), "self" | "cls") => {
                            Some((m.attr.as_str(), true))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                if let Some((slot, method)) = slot {
                    if self.signal_slots.len() < flow::MAX_FLOW_RECORDS {
                        self.signal_slots.push((signal.attr.as_str(), slot, method));
                    }
                    // A library's signal that hands its slot data from the network (the
                    // sources catalogue's `remote` rows: `QWebSocket.textMessageReceived`):
                    // the slot's first parameter is fetched data, as if emitted here. Only a
                    // name or an attribute is evaluated here (the call's own evaluation reads
                    // it again): a call there would be recorded twice.
                    let plain = matches!(signal.value.as_ref(), Expr::Name(_) | Expr::Attribute(_));
                    let owner = if plain {
                        self.eval(&signal.value)
                    } else {
                        Value::UNKNOWN
                    };
                    if let Value::Ref { name, .. } = owner {
                        let qualified = format!("{name}.{}", signal.attr);
                        let remote =
                            matches!(self.api(&qualified).source, Some((SourceKind::Remote, _)));
                        if remote && self.signal_emits.len() < flow::MAX_FLOW_RECORDS {
                            let line = self.line(call.range());
                            self.signal_emits.push((
                                signal.attr.as_str(),
                                self.current,
                                vec![Taint::FETCHED],
                                line,
                            ));
                        }
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// Every emit of a signal with data becomes a call of the slots connected to a signal of
    /// that name.
    pub(super) fn link_signals(&mut self) {
        for (signal, unit, taints, line) in &self.signal_emits {
            if taints.iter().all(|t| t.is_none()) {
                continue;
            }
            for (connected, slot, method) in &self.signal_slots {
                if connected != signal {
                    continue;
                }
                if let Some(&callee) = self.function_index.get(slot) {
                    self.facts.flow.note_call(flow::LocalCall {
                        caller: *unit,
                        callee,
                        name: (*slot).to_owned(),
                        offset: usize::from(*method),
                        args: taints.clone(),
                        line: *line,
                    });
                }
            }
        }
    }
}
