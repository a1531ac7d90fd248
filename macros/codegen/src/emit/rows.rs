//! Rows a range loop reads or writes at `base + i`, taken once before it.
//!
//! A loop `for i in 0..end` (either direction, no test) whose body reads a
//! slice at `base + i`, with `base` fixed for the loop, gets
//!
//! ```text
//! let mu_row = &mu[base.min(mu.len())..][..end];
//! for i in (0..end).rev() {
//!     … mu_row[i] …
//!     d_mu_row[i] += …;      // a gradient buffer every write of the body goes through
//! }
//! ```
//!
//! The row has `end` elements, so `mu_row[i]` with `i < end` needs no
//! bounds check the compiler cannot remove, where `mu[base + i]` checks
//! every iteration against `mu.len()` (and keeps `base` and the slice in
//! registers it spills). The same indices panic: the row is out of range
//! exactly when some iteration's `base + i` is (`min` keeps a loop that
//! runs no iteration from panicking), only earlier.
//!
//! A local buffer (or a buffer's adjoint) that the loop's body reads and
//! writes only at `i`, in every iteration, gets the same treatment:
//!
//! ```text
//! let y_row = &mut y[..end];
//! for i in 0..end {
//!     let old = y_row[i];
//!     y_row[i] = old + …;
//! }
//! ```
//!
//! `vec![0.0; n]`'s length is a value the compiler does not follow, so
//! `y[i]` kept a bounds check in every iteration, and a loop that may
//! leave early is not vectorised: the forward sweep of GradBench's ode
//! ran scalar where the function, written with iterators, ran two lanes.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::body::Writer;
use super::names::{grad_buffer_name, ident};
use crate::ir::walk::regions;
use crate::ir::{Block, BufOp, Graph, IntOp, Loop, NodeId, Op};

/// A row taken before a loop: the variable holding it and the loop's index.
#[derive(Clone)]
pub(super) struct Row {
    pub(super) name: Ident,
    pub(super) var: NodeId,
}

/// The rows taken for the loops written so far: reads and gradient writes,
/// by (parameter, index node).
#[derive(Default)]
pub(super) struct Rows {
    pub(super) loads: HashMap<(usize, NodeId), Row>,
    pub(super) stores: HashMap<(usize, NodeId), Row>,
    /// Rows of local buffers, by (buffer, loop index): the row's name.
    pub(super) bufs: HashMap<(NodeId, NodeId), Ident>,
}

impl Writer<'_> {
    /// Declares before loop `n` the rows its body indexes at `base + i`
    /// (see the module's documentation) and remembers them.
    pub(super) fn take_rows(&mut self, n: NodeId, l: &Loop, pre: &mut Vec<TokenStream>) {
        let g = self.g;
        if l.test.is_some() || l.inclusive || !matches!(g.op(l.start), Op::IConst(0)) {
            return;
        }
        let order = within(g, &l.body);
        self.take_buffer_rows(l, &order, pre);
        let inside: HashSet<NodeId> = order.iter().copied().collect();
        let mut loads: Vec<(usize, NodeId, NodeId)> = Vec::new();
        let mut stores: HashMap<usize, Option<(NodeId, Vec<NodeId>)>> = HashMap::new();
        let mut writes_ok = g.directions.is_empty();
        let direct: HashSet<NodeId> = l.body.nodes.iter().copied().collect();
        let guarded = self.guarded(&l.body);
        for &m in &order {
            // what every iteration runs: no branch of an `if`, no nested loop
            let always = direct.contains(&m) && !guarded.contains(&m);
            match g.op(m) {
                Op::Load {
                    param,
                    row,
                    col: None,
                } if always && g.params[*param].fields.is_none() => {
                    if let Some(base) = self.row_base(n, l, *row, &inside) {
                        loads.push((*param, *row, base));
                    }
                }
                Op::Store {
                    param, row, col, ..
                } => {
                    let base = (always && col.is_none())
                        .then(|| self.row_base(n, l, *row, &inside))
                        .flatten();
                    let entry = stores
                        .entry(*param)
                        .or_insert_with(|| base.map(|b| (b, Vec::new())));
                    match (entry.as_mut(), base) {
                        (Some((b, rows)), Some(base)) if *b == base => rows.push(*row),
                        _ => *entry = None,
                    }
                }
                Op::Call(_) | Op::Nested(_) | Op::AddStruct(_) | Op::StructDot(_) | Op::Buf(_) => {
                    writes_ok = false
                }
                _ => {}
            }
        }
        let end = self.expr(l.end).0;
        let mut taken: HashMap<(usize, NodeId), Ident> = HashMap::new();
        for (param, row, base) in loads {
            let name = match taken.get(&(param, base)) {
                Some(name) => name.clone(),
                None => {
                    let p = &g.params[param];
                    let id = ident(&p.name, p.span);
                    let name = self.names.fresh(&format!("{}_row", p.name));
                    let from = self.row_start(base, &quote!(#id), &end);
                    pre.push(quote! { let #name = &#id[#from..][..#end]; });
                    taken.insert((param, base), name.clone());
                    name
                }
            };
            let var = l.var;
            self.rows.loads.insert((param, row), Row { name, var });
        }
        if !writes_ok {
            return;
        }
        let mut stores: Vec<_> = stores
            .into_iter()
            .filter_map(|(p, s)| Some((p, s?)))
            .collect();
        stores.sort_by_key(|s| s.0);
        for (param, (base, rows)) in stores {
            let p = &g.params[param];
            let buf_name = grad_buffer_name(&p.name);
            let buf = ident(&buf_name, p.span);
            let name = self.names.fresh(&format!("{buf_name}_row"));
            let start = self.row_start(base, &quote!(#buf), &end);
            let from = self.names.fresh("from");
            pre.push(quote! {
                let #from = #start;
                let #name = &mut #buf[#from..][..#end];
            });
            for row in rows {
                let (name, var) = (name.clone(), l.var);
                self.rows.stores.insert((param, row), Row { name, var });
            }
        }
    }

    /// Declares before loop `l` a row of each local buffer its body reads
    /// or writes only at the loop's index (see the module's documentation):
    /// no other operation on the buffer in the body, none of its writes in
    /// a nested loop (whose own save and restore name the buffer), no
    /// rollback of it at each iteration's entry, and one access that every
    /// iteration runs (so the row panics exactly when the loop would).
    fn take_buffer_rows(&mut self, l: &Loop, order: &[NodeId], pre: &mut Vec<TokenStream>) {
        let g = self.g;
        let is_buf = |m: NodeId| matches!(g.op(m), Op::Buf(BufOp::New { .. }));
        let direct: HashSet<NodeId> = l.body.nodes.iter().copied().collect();
        let guarded = self.guarded(&l.body);
        let mut nested: HashSet<NodeId> = HashSet::new();
        for &m in order {
            if let Op::Loop(inner) = g.op(m) {
                nested.extend(within(g, &inner.body));
            }
        }
        let mut uses: HashMap<NodeId, BufferUse> = HashMap::new();
        let spoil = |uses: &mut HashMap<NodeId, BufferUse>, b: NodeId| {
            uses.entry(b).or_default().at_index = false;
        };
        if let Some(Op::Loop(fwd)) = l.replay.map(|of| g.op(of)) {
            for &b in &fwd.undo {
                spoil(&mut uses, b);
            }
        }
        for &m in order {
            let access = match g.op(m) {
                Op::Buf(BufOp::Get { buf, idx }) => Some((*buf, *idx, false)),
                Op::Buf(BufOp::Set { buf, idx, .. }) => Some((*buf, *idx, true)),
                _ => None,
            };
            match access {
                Some((buf, idx, write)) => {
                    let always = direct.contains(&m) && !guarded.contains(&m);
                    let e = uses.entry(buf).or_insert(BufferUse {
                        at_index: true,
                        ..BufferUse::default()
                    });
                    e.at_index &= idx == l.var && !(write && nested.contains(&m));
                    e.always |= always;
                    e.writes |= write;
                }
                None => {
                    for a in g.op(m).args() {
                        if is_buf(a) {
                            spoil(&mut uses, a);
                        }
                    }
                }
            }
        }
        let mut rows: Vec<(NodeId, bool)> = uses
            .into_iter()
            .filter(|(b, u)| u.at_index && u.always && is_buf(*b))
            .map(|(b, u)| (b, u.writes))
            .collect();
        rows.sort();
        let end = self.expr(l.end).0;
        let end_reads = reads_of(g, l.end);
        for (buf, write) in rows {
            // an end computed from the buffer (`0..v.len()`) reads it when
            // the loop starts, after a mutable row has borrowed it: no row
            // (`None`: the end's computation is too large to look through)
            if write && end_reads.as_ref().map_or(true, |r| r.contains(&buf)) {
                continue;
            }
            let id = self.names.of(g, buf);
            let name = self.names.fresh(&format!("{id}_row"));
            pre.push(if write {
                quote! { let #name = &mut #id[..#end]; }
            } else {
                quote! { let #name = &#id[..#end]; }
            });
            self.rows.bufs.insert((buf, l.var), name);
        }
    }

    /// Where the row of `slice` at `base` starts: `base` (cut to the
    /// slice's length) when the loop runs, else 0 without evaluating `base`,
    /// which a loop that runs no iteration never does (`r * (r - 1) / 2`
    /// overflows at `r = 0`).
    fn row_start(&mut self, base: NodeId, slice: &TokenStream, end: &TokenStream) -> TokenStream {
        let b = self.wrap(base, super::body::Prec::Atom);
        quote!(if #end > 0 { #b.min(#slice.len()) } else { 0 })
    }

    /// The nodes of a block written inline into one arm of a conditional
    /// expression (`if c { a } else { b }`, `a && b`, `a || b`): evaluated
    /// only in some iterations.
    fn guarded(&self, block: &Block) -> HashSet<NodeId> {
        let mut stack = Vec::new();
        for &m in &block.nodes {
            match self.g.op(m) {
                Op::Select(_, a, b) => stack.extend([*a, *b]),
                Op::And(_, b) | Op::Or(_, b) => stack.push(*b),
                _ => {}
            }
        }
        let mut out = HashSet::new();
        while let Some(m) = stack.pop() {
            if self.inline.contains(&m) && out.insert(m) {
                stack.extend(self.g.op(m).args());
            }
        }
        out
    }

    /// `base` when `row` is `base + i` (or `i + base`), `i` the loop's
    /// index and `base` the same in every iteration: written with integer
    /// operations inlined into the row, from values bound outside the loop.
    fn row_base(
        &self,
        n: NodeId,
        l: &Loop,
        row: NodeId,
        inside: &HashSet<NodeId>,
    ) -> Option<NodeId> {
        let base = match self.g.op(row) {
            Op::IArith(IntOp::Add, a, b) if *b == l.var => *a,
            Op::IArith(IntOp::Add, a, b) if *a == l.var => *b,
            _ => return None,
        };
        let mut stack = vec![base];
        while let Some(m) = stack.pop() {
            if m == l.var {
                return None;
            }
            match self.g.op(m) {
                Op::Result(r) if *r == n || inside.contains(r) => return None,
                _ if !inside.contains(&m) => {}
                op @ (Op::IArith(..)
                | Op::IConst(_)
                | Op::IParam(_)
                | Op::Len(_)
                | Op::IExtern(_))
                    if self.inline.contains(&m) =>
                {
                    stack.extend(op.args())
                }
                _ => return None,
            }
        }
        Some(base)
    }
}

/// Every node of a block, nested blocks included (in a fixed order).
fn within(g: &Graph, block: &Block) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut stack = vec![block];
    while let Some(b) = stack.pop() {
        for &m in &b.nodes {
            out.push(m);
            stack.extend(regions(g.op(m)));
        }
    }
    out
}

/// How a loop's body uses one buffer, for [`Writer::take_buffer_rows`].
#[derive(Default)]
struct BufferUse {
    /// Every access is at the loop's index (and no write is in a nested loop).
    at_index: bool,
    /// One access runs in every iteration.
    always: bool,
    /// One access writes.
    writes: bool,
}

/// The nodes `end` is computed from, `end` included, or `None` past
/// [`END_READS`] of them (an explicit stack, so the cost per loop is
/// bounded whatever the input).
fn reads_of(g: &Graph, end: NodeId) -> Option<HashSet<NodeId>> {
    let mut seen = HashSet::new();
    let mut stack = vec![end];
    while let Some(m) = stack.pop() {
        if seen.insert(m) {
            if seen.len() > END_READS {
                return None;
            }
            stack.extend(g.op(m).args());
        }
    }
    Some(seen)
}

/// How many nodes of a loop's end [`reads_of`] looks through; a loop whose
/// end takes more gets no mutable rows.
const END_READS: usize = 64;
