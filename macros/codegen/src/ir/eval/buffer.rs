//! The interpreter's local buffers, undo logs and index tapes (see
//! [`crate::ir::BufOp`]).

use super::{panic_at, EvalError, Scalar, State, Value};
use crate::ir::{BufOp, Graph, Loop, NodeId, Op};

/// A recording loop's iteration entry: its recorded integers, then the
/// length of each buffer's undo log.
pub(super) fn record_marks<T: Scalar>(id: NodeId, l: &Loop, st: &mut State<'_, T>) {
    for r in &l.record_int {
        let v = st.vals[r.index()]
            .unwrap_or_else(|| panic!("{r:?} used before it is defined"))
            .int();
        st.marks.get_mut(&id).expect("created by the loop").push(v);
    }
    for b in &l.undo {
        let len = st.logs.get(b).map_or(0, Vec::len);
        st.marks
            .get_mut(&id)
            .expect("created by the loop")
            .push(len);
    }
}

/// Before undoing iteration `t` of loop `of`: each buffer it wrote back to
/// what it held at that iteration's entry.
pub(super) fn roll_back<T: Scalar>(g: &Graph, of: NodeId, t: usize, st: &mut State<'_, T>) {
    let Op::Loop(fwd) = g.op(of) else {
        panic!("a loop replays a loop: the graph is ill-typed")
    };
    let base = t * fwd.int_width();
    st.replay_int_at.insert(of, base);
    for (j, b) in fwd.undo.iter().enumerate() {
        let mark = st.marks[&of][base + fwd.record_int.len() + j];
        let log = st.logs.get_mut(b).expect("a logged buffer has a log");
        let buf = st.bufs.get_mut(b).expect("a buffer is created before use");
        while log.len() > mark {
            let (i, old) = log.pop().expect("longer than the mark");
            buf[i] = old;
        }
    }
}

/// A buffer operation.
pub(super) fn eval_buf<T: Scalar>(
    id: NodeId,
    op: &BufOp,
    st: &mut State<'_, T>,
) -> Result<Value<T>, EvalError> {
    let get = |st: &State<'_, T>, n: NodeId| {
        st.vals[n.index()].unwrap_or_else(|| panic!("{n:?} used before it is defined"))
    };
    let elem = |st: &State<'_, T>, b: NodeId, i: usize| -> Result<T, EvalError> {
        let v = &st.bufs[&b];
        match v.get(i) {
            Some(x) => Ok(*x),
            None => panic_at(format!(
                "index out of bounds: the len is {} but the index is {i}",
                v.len()
            )),
        }
    };
    Ok(match op {
        BufOp::New { len, init, log, .. } => {
            let (n, x) = (get(st, *len).int(), get(st, *init).num());
            st.bufs.insert(id, vec![x; n]);
            if *log {
                st.logs.insert(id, Vec::new());
            }
            Value::Unit
        }
        BufOp::Len(b) => Value::Int(st.bufs[b].len()),
        BufOp::Get { buf, idx } => Value::Num(elem(st, *buf, get(st, *idx).int())?),
        BufOp::Set { buf, idx, value } => {
            let i = get(st, *idx).int();
            let old = elem(st, *buf, i)?;
            let v = get(st, *value).num();
            if let Some(log) = st.logs.get_mut(buf) {
                log.push((i, old));
            }
            st.bufs.get_mut(buf).expect("created before use")[i] = v;
            Value::Unit
        }
        BufOp::Pop(b) => {
            if let Some((i, old)) = st.logs.get_mut(b).and_then(Vec::pop) {
                st.bufs.get_mut(b).expect("created before use")[i] = old;
            }
            Value::Unit
        }
        BufOp::Mark(b) => Value::Int(st.logs.get(b).map_or(0, Vec::len)),
        BufOp::Undo { buf, to } => {
            let to = get(st, *to).int();
            if let Some(log) = st.logs.get_mut(buf) {
                let v = st.bufs.get_mut(buf).expect("created before use");
                while log.len() > to {
                    let (i, old) = log.pop().expect("longer than the mark");
                    v[i] = old;
                }
            }
            Value::Unit
        }
        BufOp::Sum(b) => Value::Num(st.bufs[b].iter().fold(T::from_f64(0.0), |a, &x| a + x)),
        BufOp::Check { idx, len } => {
            let i = get(st, *idx).int();
            if i >= *len {
                return panic_at(format!(
                    "index out of bounds: the len is {len} but the index is {i}"
                ));
            }
            Value::Unit
        }
    })
}
