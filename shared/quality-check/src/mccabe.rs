//! mccabe 0.7.0's cyclomatic complexity (C901): the same path graph, built the same way
//! (including its quirks: module-level `if`/loops get graphs of their own, `match` and `try*`
//! count as simple statements, a later function of the same name replaces an earlier one).

use std::collections::HashMap;

use validator_python::ast::{ElifElseClause, ExceptHandler, ModModule, Stmt};
use validator_python::text_size::Ranged;
use validator_python::{with_stack, PythonModule};

use crate::positions::def_location;
use crate::rules::Rule;
use crate::violation::Violation;

struct Graph {
    entity: String,
    loc: (usize, usize),
    /// The number of outgoing edges of each node (`None`: not in the graph), by node id from
    /// `first`: node ids are sequential, and complexity needs only the counts.
    edges: Vec<Option<u32>>,
    first: usize,
}

impl Graph {
    fn new(entity: String, loc: (usize, usize), first: usize) -> Self {
        Self {
            entity,
            loc,
            edges: Vec::new(),
            first,
        }
    }

    fn slot(&mut self, node: usize) -> &mut Option<u32> {
        if node < self.first {
            // Not expected (a graph's nodes are made after it), but kept exact if it happens.
            let missing = self.first - node;
            self.edges.splice(0..0, std::iter::repeat_n(None, missing));
            self.first = node;
        }
        let at = node - self.first;
        if at >= self.edges.len() {
            self.edges.resize(at + 1, None);
        }
        &mut self.edges[at]
    }

    fn connect(&mut self, a: usize, b: usize) {
        let from = self.slot(a);
        *from = Some(from.unwrap_or(0) + 1);
        // mccabe's `self.nodes[n2] = []`: the destination is (re)counted with no edges.
        *self.slot(b) = Some(0);
    }

    fn complexity(&self) -> i64 {
        let nodes = self.edges.iter().flatten();
        let edges: u64 = nodes.clone().map(|&n| u64::from(n)).sum();
        edges as i64 - nodes.count() as i64 + 2
    }
}

struct Visitor<'m> {
    module: &'m PythonModule,
    classname: String,
    graphs: Vec<Graph>,
    graph_index: HashMap<String, usize>,
    graph: Option<Graph>,
    tail: Option<usize>,
    next_node: usize,
}

impl Visitor<'_> {
    fn new_node(&mut self) -> usize {
        self.next_node += 1;
        self.next_node
    }

    fn loc_of<T: Ranged>(&self, node: &T) -> (usize, usize) {
        let l = self.module.location(node.start());
        (l.line as usize, l.byte_column as usize)
    }

    fn save_graph(&mut self, key: String) {
        if let Some(graph) = self.graph.take() {
            // mccabe keeps graphs in a dict: a later one of the same name replaces the earlier.
            match self.graph_index.get(&key) {
                Some(&at) => self.graphs[at] = graph,
                None => {
                    self.graph_index.insert(key, self.graphs.len());
                    self.graphs.push(graph);
                }
            }
        }
        self.tail = None;
    }

    fn append_path_node(&mut self) -> Option<usize> {
        let tail = self.tail?;
        let node = self.new_node();
        if let Some(g) = self.graph.as_mut() {
            g.connect(tail, node);
        }
        self.tail = Some(node);
        Some(node)
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            with_stack(|| self.stmt(s));
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                let entity = format!("{}{}", self.classname, f.name.as_str());
                let loc = def_location(self.module, f.range.start(), &f.decorator_list);
                if self.graph.is_some() {
                    let Some(pathnode) = self.append_path_node() else {
                        // mccabe would fail here (no tail); nothing sensible to add.
                        return;
                    };
                    self.tail = Some(pathnode);
                    self.stmts(&f.body);
                    let bottom = self.new_node();
                    if let (Some(g), Some(tail)) = (self.graph.as_mut(), self.tail) {
                        g.connect(tail, bottom);
                        g.connect(pathnode, bottom);
                    }
                    self.tail = Some(bottom);
                } else {
                    self.graph = Some(Graph::new(entity.clone(), loc, self.next_node + 1));
                    let pathnode = self.new_node();
                    self.tail = Some(pathnode);
                    self.stmts(&f.body);
                    self.save_graph(format!("{}{}", self.classname, f.name.as_str()));
                }
            }
            Stmt::ClassDef(c) => {
                let old = self.classname.clone();
                self.classname.push_str(c.name.as_str());
                self.classname.push('.');
                self.stmts(&c.body);
                self.classname = old;
            }
            Stmt::For(f) => {
                let name = format!("Loop {}", self.loc_of(f).0);
                self.subgraph(name, self.loc_of(f), |v, pathnode| {
                    v.parse_blocks(pathnode, &[&f.body], &f.orelse)
                });
            }
            Stmt::While(w) => {
                let name = format!("Loop {}", self.loc_of(w).0);
                self.subgraph(name, self.loc_of(w), |v, pathnode| {
                    v.parse_blocks(pathnode, &[&w.body], &w.orelse)
                });
            }
            Stmt::If(i) => {
                let name = format!("If {}", self.loc_of(i).0);
                self.subgraph(name, self.loc_of(i), |v, pathnode| {
                    v.if_blocks(pathnode, &i.body, &i.elif_else_clauses)
                });
            }
            Stmt::Try(t) if !t.is_star => {
                let name = format!("TryExcept {}", self.loc_of(t).0);
                self.subgraph(name, self.loc_of(t), |v, pathnode| {
                    let handlers: Vec<&[Stmt]> = t
                        .handlers
                        .iter()
                        .map(|h| {
                            let ExceptHandler::ExceptHandler(h) = h;
                            &h.body[..]
                        })
                        .collect();
                    let mut blocks: Vec<&[Stmt]> = vec![&t.body];
                    blocks.extend(handlers);
                    v.parse_blocks(pathnode, &blocks, &t.orelse)
                });
            }
            Stmt::With(w) => {
                self.append_path_node();
                self.stmts(&w.body);
            }
            _ => {
                self.append_path_node();
            }
        }
    }

    fn subgraph(
        &mut self,
        name: String,
        loc: (usize, usize),
        parse: impl FnOnce(&mut Self, Option<usize>),
    ) {
        if self.graph.is_none() {
            self.graph = Some(Graph::new(name.clone(), loc, self.next_node + 1));
            let pathnode = self.new_node();
            parse(self, Some(pathnode));
            self.save_graph(format!("{}{}", self.classname, name));
        } else {
            let pathnode = self.append_path_node();
            parse(self, pathnode);
        }
    }

    /// `_subgraph_parse`: the first block is the body, the others are `except` handlers.
    fn parse_blocks(&mut self, pathnode: Option<usize>, blocks: &[&[Stmt]], orelse: &[Stmt]) {
        let mut loose_ends = Vec::new();
        for block in blocks {
            self.tail = pathnode;
            self.stmts(block);
            loose_ends.push(self.tail);
        }
        if !orelse.is_empty() {
            self.tail = pathnode;
            self.stmts(orelse);
            loose_ends.push(self.tail);
        } else {
            loose_ends.push(pathnode);
        }
        self.close(pathnode, loose_ends);
    }

    /// An `if` with its `elif`/`else` clauses, as CPython nests them (`elif` is an `if` in
    /// the `else` block).
    fn if_blocks(&mut self, pathnode: Option<usize>, body: &[Stmt], clauses: &[ElifElseClause]) {
        let mut loose_ends = Vec::new();
        self.tail = pathnode;
        self.stmts(body);
        loose_ends.push(self.tail);
        match clauses.split_first() {
            None => loose_ends.push(pathnode),
            Some((first, rest)) => {
                self.tail = pathnode;
                if first.test.is_some() {
                    // The nested `if` of an `elif`: a path node of its own, then its blocks.
                    let nested = self.append_path_node();
                    with_stack(|| self.if_blocks(nested, &first.body, rest));
                } else {
                    self.stmts(&first.body);
                }
                loose_ends.push(self.tail);
            }
        }
        self.close(pathnode, loose_ends);
    }

    fn close(&mut self, pathnode: Option<usize>, loose_ends: Vec<Option<usize>>) {
        if pathnode.is_some() {
            let bottom = self.new_node();
            if let Some(g) = self.graph.as_mut() {
                for end in loose_ends.into_iter().flatten() {
                    g.connect(end, bottom);
                }
            }
            self.tail = Some(bottom);
        }
    }
}

/// C901 for every graph whose complexity is over `max`.
pub fn check(module: &PythonModule, syntax: &ModModule, max: usize) -> Vec<Violation> {
    let mut v = Visitor {
        module,
        classname: String::new(),
        graphs: Vec::new(),
        graph_index: HashMap::new(),
        graph: None,
        tail: None,
        next_node: 0,
    };
    v.stmts(&syntax.body);
    v.graphs
        .into_iter()
        .filter_map(|g| {
            let complexity = g.complexity();
            (complexity > max as i64).then(|| {
                Violation::new(
                    Rule::C901,
                    g.loc.0,
                    g.loc.1,
                    format!("'{}' is too complex ({complexity})", g.entity),
                )
            })
        })
        .collect()
}
