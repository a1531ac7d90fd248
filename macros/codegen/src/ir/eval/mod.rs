//! The IR interpreter: the test oracle for every other stage.
//!
//! [`eval`] runs a graph on concrete parameter values of any [`Scalar`]
//! type: `f64` for values, a dual number (in the tests) for forward-mode
//! derivatives. Calls to other functions cannot be interpreted from the
//! graph alone, since their bodies are not in it: [`eval`] reports them as
//! an error, and [`eval_outputs_with`] asks a [`Callees`] for their
//! results (the property tests interpret a fixed set of helpers that way).

use std::collections::{HashMap, HashSet};

mod buffer;
mod calls;
mod scalar;
mod structs;

use buffer::{eval_buf, record_marks, roll_back};
pub use calls::Callees;
use calls::NoCallees;
pub use scalar::Scalar;

use super::{Block, CallArg, Graph, Loop, NodeId, Op};

/// A value during interpretation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<T> {
    /// A float.
    Num(T),
    /// A condition.
    Bool(bool),
    /// An index.
    Int(usize),
    /// A statement node (`If`, `Call`, `Loop`, `Store`) that holds no value itself.
    Unit,
}

impl<T: Scalar> Value<T> {
    fn num(self) -> T {
        match self {
            Value::Num(x) => x,
            other => panic!("expected a number, found {other:?}: the graph is ill-typed"),
        }
    }

    fn bool(self) -> bool {
        match self {
            Value::Bool(b) => b,
            other => panic!("expected a condition, found {other:?}: the graph is ill-typed"),
        }
    }

    fn int(self) -> usize {
        match self {
            Value::Int(i) => i,
            other => panic!("expected an index, found {other:?}: the graph is ill-typed"),
        }
    }
}

/// Why a graph could not be interpreted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// The graph calls a function whose body it does not hold.
    OpaqueCall(String),
    /// The program panics here, as the generated Rust code would: an index
    /// out of bounds, an integer overflow, a division by zero.
    Panic(String),
}

/// Arguments: one slice of values per parameter (one element for a scalar;
/// a slice's elements row after row; a `usize` as its value; a struct's
/// fields the body reads, in [`Param::fields`](crate::types::Param::fields)
/// order, then, for a struct passed whole to a call, the rest of its
/// floats in the order of [`Callees::layout`]).
pub type Args<'a, T> = &'a [Vec<T>];

/// What a run produced besides the node values.
struct State<'c, T> {
    /// Computes calls.
    callees: &'c dyn Callees<T>,
    vals: Vec<Option<Value<T>>>,
    /// The gradient buffer of each slice parameter (empty for others).
    grads: Vec<Vec<T>>,
    /// Each recording loop's tape.
    tapes: HashMap<NodeId, Vec<T>>,
    /// For each replayed loop, where the iteration being undone starts on its tape.
    replay_at: HashMap<NodeId, usize>,
    /// Each local buffer's elements, by its `New` node.
    bufs: HashMap<NodeId, Vec<T>>,
    /// Each logged buffer's undo log: (index, overwritten value).
    logs: HashMap<NodeId, Vec<(usize, T)>>,
    /// Each loop's index tape: recorded integers, then undo-log lengths,
    /// per iteration.
    marks: HashMap<NodeId, Vec<usize>>,
    /// For each replayed loop, where the iteration being undone starts on
    /// its index tape.
    replay_int_at: HashMap<NodeId, usize>,
    /// Each struct parameter's layout, when the graph passes structs to
    /// calls and the callees know it (see [`structs`]).
    layouts: Vec<Option<structs::Layout>>,
    /// What calls added into each struct parameter's gradient whole, in
    /// layout order (empty until something is).
    struct_grads: Vec<Vec<T>>,
    /// The calls whose gradient entries a statement reads (by value node).
    entries_wanted: HashSet<NodeId>,
    /// Each such call's gradient entry of each struct argument, by (value
    /// node, argument position): the paths of the argument's floats and
    /// the entry's.
    entries: HashMap<(NodeId, usize), structs::Entry<T>>,
}

/// Runs the graph; returns the value of every node that was evaluated
/// (nodes in untaken branches stay `None`; a loop's body holds its last
/// iteration's values).
pub fn eval<T: Scalar>(g: &Graph, args: Args<'_, T>) -> Result<Vec<Option<Value<T>>>, EvalError> {
    Ok(run(g, args, &NoCallees)?.vals)
}

fn run<'c, T: Scalar>(
    g: &Graph,
    args: Args<'_, T>,
    callees: &'c dyn Callees<T>,
) -> Result<State<'c, T>, EvalError> {
    let mut st = State {
        callees,
        vals: vec![None; g.nodes.len()],
        grads: g
            .params
            .iter()
            .zip(args)
            .map(|(p, a)| match p.slice {
                Some(_) if p.diff => vec![T::from_f64(0.0); a.len()],
                _ => Vec::new(),
            })
            .collect(),
        tapes: HashMap::new(),
        replay_at: HashMap::new(),
        bufs: HashMap::new(),
        logs: HashMap::new(),
        marks: HashMap::new(),
        replay_int_at: HashMap::new(),
        layouts: Vec::new(),
        struct_grads: vec![Vec::new(); g.params.len()],
        entries_wanted: HashSet::new(),
        entries: HashMap::new(),
    };
    if structs::needs_layouts(g) {
        st.layouts = structs::layouts(g, callees);
        st.entries_wanted = (g.nodes.iter())
            .filter_map(|n| match &n.op {
                Op::AddStruct(a) => Some(a.call_value),
                Op::StructDot(d) => Some(d.call_value),
                _ => None,
            })
            .collect();
    }
    eval_block(g, &g.body, args, &mut st)?;
    Ok(st)
}

/// Runs the graph and returns its outputs: the value, then every gradient
/// element (a differentiable slice's whole gradient buffer, in order; a
/// struct's, one per element of its argument, what calls added into it
/// whole included), then
/// [`Graph::outs`] and [`Graph::extra`].
pub fn eval_outputs<T: Scalar>(g: &Graph, args: Args<'_, T>) -> Result<Vec<T>, EvalError> {
    eval_outputs_with(g, args, &NoCallees)
}

/// [`eval_outputs`], with `callees` computing the calls of other functions.
pub fn eval_outputs_with<T: Scalar>(
    g: &Graph,
    args: Args<'_, T>,
    callees: &dyn Callees<T>,
) -> Result<Vec<T>, EvalError> {
    let st = run(g, args, callees)?;
    let get = |o: &NodeId| st.vals[o.index()].expect("outputs are evaluated").num();
    let mut out = vec![get(&g.value)];
    let mut k = 0;
    for (p, param) in g.params.iter().enumerate() {
        if !param.diff {
            continue;
        }
        match (param.slice, g.grads.get(k)) {
            // a slice's gradient buffer, filled by a reverse sweep
            (Some(_), _) if !g.grads.is_empty() && g.wrt.is_none() => {
                out.extend(st.grads[p].iter().copied())
            }
            // a struct's whole gradient (not a forward sweep's one tangent)
            (None, Some(gr)) if param.fields.is_some() && param.len == Some(gr.len()) => out
                .extend(structs::param_gradient(
                    &st,
                    p,
                    gr.iter().map(get).collect(),
                    args[p].len(),
                )),
            (None, Some(gr)) => out.extend(gr.iter().map(get)),
            _ => {}
        }
        k += 1;
    }
    out.extend(g.outs.iter().chain(&g.extra).map(get));
    Ok(out)
}

fn panic_at<T>(what: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError::Panic(what.into()))
}

/// The flat position of `xs[row][col]` in a slice argument, checked.
fn position<T>(
    g: &Graph,
    args: Args<'_, T>,
    param: usize,
    row: usize,
    col: Option<usize>,
) -> Result<usize, EvalError> {
    let width = g.params[param].slice.and_then(|s| s.row);
    let rows = args[param].len() / width.unwrap_or(1).max(1);
    if row >= rows {
        return panic_at(format!(
            "index {row} out of bounds for `{}` of length {rows}",
            g.params[param].name
        ));
    }
    match (width, col) {
        (Some(w), Some(c)) if c < w => Ok(row * w + c),
        (Some(w), Some(c)) => panic_at(format!("index {c} out of bounds for a row of length {w}")),
        (None, None) => Ok(row),
        _ => panic!(
            "a load of `{}` does not match its shape: the graph is ill-typed",
            g.params[param].name
        ),
    }
}

fn eval_block<T: Scalar>(
    g: &Graph,
    block: &Block,
    args: Args<'_, T>,
    st: &mut State<'_, T>,
) -> Result<(), EvalError> {
    for &id in &block.nodes {
        let get = |vals: &[Option<Value<T>>], n: NodeId| {
            vals[n.index()].unwrap_or_else(|| panic!("{n:?} used before it is defined"))
        };
        let vals = &st.vals;
        let v = match g.op(id) {
            Op::Const(c) => Value::Num(T::from_f64(*c)),
            Op::Param { param, index } => Value::Num(args[*param][index.unwrap_or(0)]),
            Op::Prim(p, xs) => {
                let xs: Vec<T> = xs.iter().map(|x| get(vals, *x).num()).collect();
                Value::Num(p.eval(&xs))
            }
            Op::Powi(a, n) => Value::Num(get(vals, *a).num().powi(*n)),
            Op::Cmp(c, a, b) => Value::Bool(c.apply(get(vals, *a).num(), get(vals, *b).num())),
            Op::And(a, b) => Value::Bool(get(vals, *a).bool() && get(vals, *b).bool()),
            Op::Or(a, b) => Value::Bool(get(vals, *a).bool() || get(vals, *b).bool()),
            Op::Not(a) => Value::Bool(!get(vals, *a).bool()),
            Op::Select(c, a, b) => {
                if get(vals, *c).bool() {
                    get(vals, *a)
                } else {
                    get(vals, *b)
                }
            }
            Op::If(i) => {
                let taken = get(vals, i.cond).bool();
                let block = if taken { &i.then } else { &i.els };
                eval_block(g, block, args, st)?;
                for (t, e, r) in &i.outs {
                    st.vals[r.index()] = Some(get(&st.vals, if taken { *t } else { *e }));
                }
                Value::Unit
            }
            Op::Call(c) => {
                let reads: Vec<T> = c.reads().iter().map(|&n| get(vals, n).num()).collect();
                let results = if !c.buffers().is_empty() {
                    calls::call_buffers(c, &reads, st)?
                } else if c.args.iter().any(|a| matches!(a, CallArg::Struct(_))) {
                    structs::call(g, c, &reads, args, st)?
                } else {
                    st.callees.call(c, &reads)?
                };
                assert_eq!(
                    results.len(),
                    c.results().len(),
                    "a callee gives every result of its call"
                );
                for (r, v) in c.results().into_iter().zip(results) {
                    st.vals[r.index()] = Some(Value::Num(v));
                }
                Value::Unit
            }
            Op::Nested(c) => return Err(EvalError::OpaqueCall(c.path.join("::"))),
            Op::AddStruct(a) => {
                structs::add_struct(g, a, st)?;
                Value::Unit
            }
            Op::StructDot(d) => Value::Num(structs::struct_dot(g, d, args, st)?),
            Op::Extern(p) => return Err(EvalError::OpaqueCall(p.clone())),
            Op::Result(_) => continue,
            Op::IConst(c) => Value::Int(*c),
            Op::IExtern(p) => return Err(EvalError::OpaqueCall(p.clone())),
            Op::IParam(k) => {
                let x = args[*k][0].value();
                assert!(
                    x >= 0.0 && x.fract() == 0.0,
                    "a `usize` argument is a whole number"
                );
                Value::Int(x as usize)
            }
            Op::Len(k) => {
                let width = g.params[*k].slice.and_then(|s| s.row).unwrap_or(1).max(1);
                Value::Int(args[*k].len() / width)
            }
            Op::IArith(op, a, b) => match op.apply(get(vals, *a).int(), get(vals, *b).int()) {
                Some(r) => Value::Int(r),
                None => return panic_at(format!("integer {op:?} overflows or divides by zero")),
            },
            Op::ICmp(c, a, b) => Value::Bool(c.apply(get(vals, *a).int(), get(vals, *b).int())),
            Op::ToFloat(a) => Value::Num(T::from_f64(get(vals, *a).int() as f64)),
            Op::Load { param, row, col } => {
                let (r, c) = (get(vals, *row).int(), col.map(|c| get(vals, c).int()));
                Value::Num(args[*param][position(g, args, *param, r, c)?])
            }
            Op::Store {
                param,
                row,
                col,
                value,
            } => {
                let (r, c) = (get(vals, *row).int(), col.map(|c| get(vals, c).int()));
                let at = position(g, args, *param, r, c)?;
                let v = get(vals, *value).num();
                st.grads[*param][at] = st.grads[*param][at] + v;
                Value::Unit
            }
            Op::Pick(i, elems) => {
                let i = get(vals, *i).int();
                match elems.get(i) {
                    Some(e) => get(vals, *e),
                    None => {
                        return panic_at(format!(
                            "index out of bounds: the len is {} but the index is {i}",
                            elems.len()
                        ))
                    }
                }
            }
            Op::Recall { of, slot } => {
                let at = st.replay_at[of] + slot;
                Value::Num(st.tapes[of][at])
            }
            Op::RecallInt { of, slot } => {
                let at = st.replay_int_at[of] + slot;
                Value::Int(st.marks[of][at])
            }
            Op::Loop(l) => {
                eval_loop(g, id, l, args, st)?;
                Value::Unit
            }
            Op::Buf(b) => eval_buf(id, b, st)?,
        };
        st.vals[id.index()] = Some(v);
    }
    Ok(())
}

fn eval_loop<T: Scalar>(
    g: &Graph,
    id: NodeId,
    l: &Loop,
    args: Args<'_, T>,
    st: &mut State<'_, T>,
) -> Result<(), EvalError> {
    let get = |st: &State<'_, T>, n: NodeId| {
        st.vals[n.index()].unwrap_or_else(|| panic!("{n:?} used before it is defined"))
    };
    if let Some(test) = l.test.as_ref().filter(|t| !t.bounded) {
        return eval_while(g, id, l, test, args, st);
    }
    let (start, end) = (get(st, l.start).int(), get(st, l.end).int());
    let indices: Vec<usize> = match (l.inclusive, l.rev) {
        (false, false) => (start..end).collect(),
        (false, true) => (start..end).rev().collect(),
        (true, false) => (start..=end).collect(),
        (true, true) => (start..=end).rev().collect(),
    };
    for c in &l.carried {
        st.vals[c.param.index()] = Some(get(st, c.init));
    }
    // a stacked tape keeps the entries of earlier runs below this run's
    if l.stacked {
        st.tapes.entry(id).or_default();
    } else if !l.record.is_empty() {
        st.tapes
            .insert(id, Vec::with_capacity(indices.len() * l.record.len()));
    }
    let (width, stacked) = match l.replay {
        Some(of) => match g.op(of) {
            Op::Loop(fwd) => (fwd.record.len(), fwd.stacked),
            _ => panic!("a loop replays a loop: the graph is ill-typed"),
        },
        None => (0, false),
    };
    // where the run being undone starts on a stacked tape: it is popped
    let base = match l.replay.filter(|_| stacked) {
        Some(of) => {
            let len = st.tapes.get(&of).map_or(0, Vec::len);
            len.checked_sub(indices.len() * width)
                .expect("a stacked tape holds the run its reverse loop pops")
        }
        None => 0,
    };
    let mut trips = indices.len();
    st.marks.insert(id, Vec::new());
    for (t, i) in indices.into_iter().enumerate() {
        st.vals[l.var.index()] = Some(Value::Int(i));
        if let Some(test) = &l.test {
            eval_block(g, &test.head, args, st)?;
            if !get(st, test.cond).bool() {
                trips = t;
                break;
            }
        }
        record_marks(id, l, st);
        if let Some(of) = l.replay {
            st.replay_at.insert(of, base + (trips - 1 - t) * width);
            roll_back(g, of, trips - 1 - t, st);
        }
        eval_block(g, &l.body, args, st)?;
        // recorded after the body (which may define them), before the
        // carried values change
        for r in &l.record {
            let v = get(st, *r).num();
            st.tapes.get_mut(&id).expect("created above").push(v);
        }
        let next: Vec<Value<T>> = l.carried.iter().map(|c| get(st, c.next)).collect();
        for (c, v) in l.carried.iter().zip(next) {
            st.vals[c.param.index()] = Some(v);
        }
    }
    if let (Some(of), true) = (l.replay, stacked) {
        if let Some(tape) = st.tapes.get_mut(&of) {
            tape.truncate(base);
        }
    }
    for c in &l.carried {
        st.vals[c.out.index()] = Some(get(st, c.param));
    }
    if let Some(test) = &l.test {
        st.vals[test.trips.index()] = Some(Value::Int(trips));
    }
    Ok(())
}

/// A `while` loop: the test, then (while it holds) an iteration.
fn eval_while<T: Scalar>(
    g: &Graph,
    id: NodeId,
    l: &Loop,
    test: &crate::ir::Test,
    args: Args<'_, T>,
    st: &mut State<'_, T>,
) -> Result<(), EvalError> {
    let get = |st: &State<'_, T>, n: NodeId| {
        st.vals[n.index()].unwrap_or_else(|| panic!("{n:?} used before it is defined"))
    };
    for c in &l.carried {
        st.vals[c.param.index()] = Some(get(st, c.init));
    }
    if !l.record.is_empty() {
        st.tapes.insert(id, Vec::new());
    }
    st.marks.insert(id, Vec::new());
    let mut trips = 0;
    loop {
        eval_block(g, &test.head, args, st)?;
        if !get(st, test.cond).bool() {
            break;
        }
        st.vals[l.var.index()] = Some(Value::Int(trips));
        record_marks(id, l, st);
        eval_block(g, &l.body, args, st)?;
        for r in &l.record {
            let v = get(st, *r).num();
            st.tapes.get_mut(&id).expect("created above").push(v);
        }
        let next: Vec<Value<T>> = l.carried.iter().map(|c| get(st, c.next)).collect();
        for (c, v) in l.carried.iter().zip(next) {
            st.vals[c.param.index()] = Some(v);
        }
        trips += 1;
    }
    st.vals[test.trips.index()] = Some(Value::Int(trips));
    for c in &l.carried {
        st.vals[c.out.index()] = Some(get(st, c.param));
    }
    Ok(())
}
