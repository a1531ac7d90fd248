//! Common subexpression elimination by value numbering, scoped by block: a
//! node may reuse an equal node of its own block or of an enclosing one.
//!
//! The walk is iterative (a stack of blocks in progress), so a body nested
//! 10,000 deep costs no stack, and the scopes are one map with an undo list,
//! so a lookup costs the same at any depth.

use super::key::Key;
use super::{remap_outputs, resolve, FastMap};
use crate::ir::{Block, Graph, NodeId, Op};

/// Merges equal pure nodes; returns whether any were merged.
pub fn cse(g: &mut Graph) -> bool {
    let mut map = FastMap::default();
    let mut scopes = Scopes::default();
    let body = std::mem::take(&mut g.body);
    g.body = cse_body(g, body, &mut map, &mut scopes);
    remap_outputs(g, &map);
    !map.is_empty()
}

/// The keys visible at the current point of the walk: those of the
/// enclosing blocks. One map, plus the keys each open scope added, so that
/// closing a scope removes exactly those.
#[derive(Default)]
struct Scopes {
    visible: FastMap<Key, NodeId>,
    added: Vec<Key>,
}

impl Scopes {
    /// Opens a scope; the marker closes it.
    fn open(&self) -> usize {
        self.added.len()
    }

    /// Closes the scope opened at `marker` (and any opened after it).
    fn close(&mut self, marker: usize) {
        for key in self.added.drain(marker..) {
            self.visible.remove(&key);
        }
    }

    fn get(&self, key: &Key) -> Option<NodeId> {
        self.visible.get(key).copied()
    }

    fn insert(&mut self, key: Key, id: NodeId) {
        if self.visible.insert(key.clone(), id).is_none() {
            self.added.push(key);
        }
    }
}

/// A block being rebuilt.
struct Frame {
    input: Vec<NodeId>,
    pos: usize,
    out: Block,
    /// Two reads of a buffer are equal only with no write (nor a region,
    /// which may write) between them: the last such node is part of a
    /// read's key, and a nested block starts from a node of its own.
    barrier: Option<NodeId>,
    /// The scope this block opened, closed when it ends.
    scope: Option<usize>,
    /// A region node of this block whose blocks are being rebuilt.
    pending: Option<Pending>,
}

impl Frame {
    fn new(block: Block, scope: Option<usize>) -> Self {
        Frame {
            barrier: block.nodes.first().copied(),
            input: block.nodes,
            pos: 0,
            out: Block::default(),
            scope,
            pending: None,
        }
    }
}

/// A region node taken out of the graph while its blocks are rebuilt, in
/// order: an `if`'s two branches, or a loop's test head then body.
struct Pending {
    id: NodeId,
    op: Op,
    /// Blocks still to rebuild (last first), each with whether it opens a
    /// scope of its own.
    todo: Vec<(Block, bool)>,
    done: Vec<Block>,
    /// A scope opened for the whole region (a loop's test values are in
    /// scope in its body).
    scope: Option<usize>,
}

/// Takes the blocks out of a region node, in the order they are rebuilt.
fn start_region(id: NodeId, mut op: Op, map: &FastMap<NodeId, NodeId>, scopes: &Scopes) -> Pending {
    let mut todo = Vec::new();
    let mut scope = None;
    match &mut op {
        Op::If(i) => {
            i.cond = resolve(map, i.cond);
            todo.push((std::mem::take(&mut i.els), true));
            todo.push((std::mem::take(&mut i.then), true));
        }
        Op::Loop(l) => {
            l.start = resolve(map, l.start);
            l.end = resolve(map, l.end);
            for c in &mut l.carried {
                c.init = resolve(map, c.init);
            }
            todo.push((std::mem::take(&mut l.body), true));
            // the test runs before the body: its values are in scope there
            if let Some(t) = &mut l.test {
                scope = Some(scopes.open());
                todo.push((std::mem::take(&mut t.head), false));
            }
        }
        _ => {}
    }
    Pending {
        id,
        op,
        todo,
        done: Vec::new(),
        scope,
    }
}

/// Puts the rebuilt blocks back into the region node.
fn finish_region(p: &mut Pending) {
    let mut done = std::mem::take(&mut p.done).into_iter();
    let mut next = || done.next().unwrap_or_default();
    match &mut p.op {
        Op::If(i) => {
            i.then = next();
            i.els = next();
        }
        Op::Loop(l) => {
            if let Some(t) = &mut l.test {
                t.head = next();
            }
            l.body = next();
        }
        _ => {}
    }
}

fn cse_body(
    g: &mut Graph,
    body: Block,
    map: &mut FastMap<NodeId, NodeId>,
    scopes: &mut Scopes,
) -> Block {
    let mut stack = vec![Frame::new(body, Some(scopes.open()))];
    loop {
        let Some(top) = stack.last_mut() else {
            return Block::default();
        };
        if let Some(p) = &mut top.pending {
            if let Some((block, own)) = p.todo.pop() {
                let scope = own.then(|| scopes.open());
                stack.push(Frame::new(block, scope));
                continue;
            }
            let mut p = top.pending.take().expect("checked above");
            finish_region(&mut p);
            if let Some(s) = p.scope {
                scopes.close(s);
            }
            finish_node(g, top, p.id, p.op, map, scopes);
            continue;
        }
        if top.pos == top.input.len() {
            let done = stack.pop().expect("checked above");
            if let Some(s) = done.scope {
                scopes.close(s);
            }
            match stack.last_mut().and_then(|f| f.pending.as_mut()) {
                Some(p) => p.done.push(done.out),
                None => return done.out,
            }
            continue;
        }
        let id = top.input[top.pos];
        let op = std::mem::replace(&mut g.nodes[id.index()].op, Op::Const(0.0));
        if matches!(op, Op::If(_) | Op::Loop(_)) {
            top.pending = Some(start_region(id, op, map, scopes));
        } else {
            finish_node(g, top, id, op, map, scopes);
        }
    }
}

/// Rewrites one node's references, then merges it with an equal visible
/// node or makes it visible itself; advances the frame past it.
fn finish_node(
    g: &mut Graph,
    frame: &mut Frame,
    id: NodeId,
    mut op: Op,
    map: &mut FastMap<NodeId, NodeId>,
    scopes: &mut Scopes,
) {
    frame.pos += 1;
    op.map_refs(|n| resolve(map, n));
    let key = match &op {
        Op::If(_)
        | Op::Call(_)
        | Op::Nested(_)
        | Op::Result(_)
        | Op::Loop(_)
        | Op::Store { .. } => None,
        Op::Buf(crate::ir::BufOp::Get { .. }) => Some(Key::of(&op, frame.barrier)),
        // a buffer's identity and effects are never shared
        other if other.is_stateful() || other.is_effect() => None,
        other => Some(Key::of(other, None)),
    };
    if op.is_effect() || op.is_multi() {
        frame.barrier = Some(id);
    }
    g.nodes[id.index()].op = op;
    if let Some(key) = key {
        let found = scopes
            .get(&key)
            .or_else(|| key.swapped().and_then(|k| scopes.get(&k)));
        if let Some(prev) = found {
            map.insert(id, prev);
            // keep the more readable name
            if g.nodes[prev.index()].name.is_none() {
                g.nodes[prev.index()].name = g.nodes[id.index()].name.clone();
                g.nodes[prev.index()].adjoint = g.nodes[id.index()].adjoint;
                g.nodes[prev.index()].along = g.nodes[id.index()].along;
            }
            return;
        }
        scopes.insert(key, id);
    }
    frame.out.nodes.push(id);
}
